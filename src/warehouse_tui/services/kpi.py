"""Operator KPIs, read from the immutable record of what happened: the journal (every scan and
step, accepted or refused) and the stock ledger (every unit off a shelf).

Per operator, and per day or per shift of the `shifts` setting (local times in the warehouse's
zone; a shift whose end is before its start runs past midnight and belongs to the day it
starts). The figures of one group:

- pick lines and units: the ledger's `pick` moves (one per stop finished) and their units;
- orders and parcels packed: accepted `pack.close` steps, orders counted once;
- refused scans per hundred: refused among all scans (`*.scan` actions and screens' `scan`);
- short picks: accepted `pick.short` steps; weight rejects: refused `pack.weigh` steps;
- time idle between tasks: before each task the operator starts (`pick.claim`, `pack.start`),
  the time since their previous journal row in the same group;
- hours: from the group's first to its last row (at least a minute), the base of the rates.

A supervisor or admin reads everyone's figures; anyone else only their own (services/roles.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.services.journal import Actor
from warehouse_tui.services.results import ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.settings import get_setting
from warehouse_tui.services.waves.rules import local_time
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Operator, StockMove, as_utc, utcnow

TASK_STARTS = frozenset({"pick.claim", "pack.start"})
PACK_CLOSE = "pack.close"
SHORT = "pick.short"
WEIGH = "pack.weigh"
MIN_HOURS = 1 / 60


class KpiBy(StrEnum):
    OPERATOR = "operator"
    SHIFT = "shift"
    DAY = "day"


@dataclass
class KpiRow:
    """One operator's figures in one group (the whole range, a day, or a shift of a day)."""

    operator_id: int
    operator: str
    day: date | None = None
    shift: str = ""
    pick_lines: int = 0
    units: int = 0
    orders_packed: int = 0
    parcels_packed: int = 0
    scans: int = 0
    refused_scans: int = 0
    short_picks: int = 0
    weight_rejects: int = 0
    idle_s: float = 0.0
    first_at: datetime | None = None
    last_at: datetime | None = None
    _orders: set[int] = field(default_factory=set, repr=False)

    @property
    def hours(self) -> float:
        if self.first_at is None or self.last_at is None:
            return MIN_HOURS
        return max(MIN_HOURS, (self.last_at - self.first_at).total_seconds() / 3600)

    def as_dict(self) -> dict[str, Any]:
        """The row as `kpi --json` and `--csv` give it: counts, rates per hour, per hundred."""
        hours = self.hours
        return {
            "operator_id": self.operator_id,
            "operator": self.operator,
            "day": self.day.isoformat() if self.day else None,
            "shift": self.shift or None,
            "hours": round(hours, 2),
            "pick_lines": self.pick_lines,
            "pick_lines_per_hour": round(self.pick_lines / hours, 1),
            "units": self.units,
            "units_per_hour": round(self.units / hours, 1),
            "orders_packed": self.orders_packed,
            "orders_per_hour": round(self.orders_packed / hours, 1),
            "parcels_packed": self.parcels_packed,
            "parcels_per_hour": round(self.parcels_packed / hours, 1),
            "refused_per_100": round(100 * self.refused_scans / self.scans, 1) if self.scans else 0,
            "short_picks": self.short_picks,
            "weight_rejects": self.weight_rejects,
            "idle_min": round(self.idle_s / 60, 1),
        }


@dataclass(frozen=True)
class KpiResult(ServiceResult):
    rows: tuple[KpiRow, ...] = ()


@dataclass(frozen=True)
class Shift:
    name: str
    start: time
    end: time


def operator_kpis(
    store: Store, actor: Actor, first: date, last: date, by: KpiBy = KpiBy.OPERATOR
) -> KpiResult:
    """The KPIs of the local days `first` to `last` (both included), grouped `by`."""
    with store.read() as session:
        zone = ZoneInfo(get_setting(session, "timezone"))
        shifts = _shifts(session)
        own_only = bool(role_refusal(session, actor, SUPERVISORS))
        # A night shift's hours after midnight count to the day before: the days' rows lie
        # on the local dates `first` to `last` + 1, and `group` keeps those of the days.
        start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=2), time(), tzinfo=zone).astimezone(UTC)
        names = dict(session.execute(select(col(Operator.id), col(Operator.name))).all())
        journal = select(
            col(Journal.operator_id),
            col(Journal.at),
            col(Journal.action),
            col(Journal.accepted),
            col(Journal.order_id),
        ).where(
            col(Journal.at) >= start, col(Journal.at) < end, col(Journal.operator_id).is_not(None)
        )
        moves = select(col(StockMove.operator_id), col(StockMove.at), col(StockMove.delta)).where(
            col(StockMove.reason) == "pick",
            col(StockMove.at) >= start,
            col(StockMove.at) < end,
            col(StockMove.operator_id).is_not(None),
        )
        if own_only:
            journal = journal.where(col(Journal.operator_id) == actor.operator_id)
            moves = moves.where(col(StockMove.operator_id) == actor.operator_id)
        journal_rows = session.execute(
            journal.order_by(col(Journal.operator_id), col(Journal.at), col(Journal.id))
        ).all()
        move_rows = session.execute(moves).all()
    groups: dict[tuple[Any, ...], KpiRow] = {}

    def group(operator_id: int, at: datetime) -> KpiRow | None:
        """The row the moment counts to; None for a moment of a day outside `first`-`last`."""
        day, shift = _day_and_shift(at.astimezone(zone), shifts)
        if not first <= day <= last:
            return None
        key = (
            operator_id,
            day if by != KpiBy.OPERATOR else None,
            shift if by == KpiBy.SHIFT else "",
        )
        if key not in groups:
            groups[key] = KpiRow(operator_id, names.get(operator_id, ""), key[1], key[2])
        return groups[key]

    previous: dict[int, tuple[KpiRow, datetime]] = {}
    for operator_id, at, action, accepted, order_id in journal_rows:
        moment = as_utc(at)
        assert moment is not None
        row = group(operator_id, moment)
        if row is None:
            continue
        row.first_at = row.first_at or moment
        row.last_at = moment
        _count(row, action, accepted, order_id)
        before = previous.get(operator_id)
        if action in TASK_STARTS and accepted and before is not None and before[0] is row:
            row.idle_s += (moment - before[1]).total_seconds()
        previous[operator_id] = (row, moment)
    for operator_id, at, delta in move_rows:
        moment = as_utc(at)
        assert moment is not None
        row = group(operator_id, moment)
        if row is None:
            continue
        row.pick_lines += 1
        row.units += -delta
    rows = sorted(
        groups.values(), key=lambda r: (r.day or date.min, r.shift, r.operator, r.operator_id)
    )
    return KpiResult(True, rows=tuple(rows))


def today_kpis(store: Store, actor: Actor, now: datetime | None = None) -> KpiResult:
    """Per operator, the shifts' day `now` (default now) falls on, in the warehouse's zone."""
    with store.read() as session:
        zone = ZoneInfo(get_setting(session, "timezone"))
        shifts = _shifts(session)
    day, _shift = _day_and_shift((now or utcnow()).astimezone(zone), shifts)
    return operator_kpis(store, actor, day, day)


def _count(row: KpiRow, action: str, accepted: bool, order_id: int | None) -> None:
    if action == "scan" or action.endswith(".scan"):
        row.scans += 1
        row.refused_scans += not accepted
    if action == PACK_CLOSE and accepted:
        row.parcels_packed += 1
        if order_id is not None and order_id not in row._orders:
            row._orders.add(order_id)
            row.orders_packed += 1
    elif action == SHORT and accepted:
        row.short_picks += 1
    elif action == WEIGH and not accepted:
        row.weight_rejects += 1


def _shifts(session: Session) -> list[Shift]:
    shifts = []
    for entry in get_setting(session, "shifts"):
        start, end = local_time(entry["start"]), local_time(entry["end"])
        if start is not None and end is not None:
            shifts.append(Shift(entry["name"], start, end))
    return shifts


def _day_and_shift(local: datetime, shifts: list[Shift]) -> tuple[date, str]:
    """The local day a moment counts to, and its shift's name ("" outside every shift)."""
    moment = local.time()
    for shift in shifts:
        if shift.start <= shift.end:
            if shift.start <= moment < shift.end:
                return local.date(), shift.name
        elif moment >= shift.start:
            return local.date(), shift.name
        elif moment < shift.end:  # after midnight: the shift of the day before
            return local.date() - timedelta(days=1), shift.name
    return local.date(), ""


def kpi_rows(result: KpiResult) -> Iterator[dict[str, Any]]:
    return (row.as_dict() for row in result.rows)
