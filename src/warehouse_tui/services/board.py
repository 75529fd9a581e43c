"""The supervisor's board: per wave and per carrier, how far the floor is, who is on it, the
carrier's cut-off today and whether the rest will make it at the current pace.

One short read for the whole board. It is read again when `watch_changes` says another terminal
committed (store/changes.py), not on a timer, so it follows the floor within a second and costs
nothing while the floor is still.

An order's progress: `picked` when every unit allocated to it is off the shelf (for a batch
wave that is before the put wall), `put` when it is all in its tote or slot (status picked or
later), `packed` and `shipped` by its status. The pace is orders packed per minute over the
last `PACE_WINDOW` (or since the wave's release, if later); the forecast is when the rest are
packed at that pace. A wave or carrier is late when its forecast passes the cut-off, or when
the cut-off has passed with work left: shown before it happens, while there is time to act.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlmodel import Session, col

from warehouse_tui.services.settings import get_setting
from warehouse_tui.services.supervision import ACTIVE_WAVES
from warehouse_tui.services.waves.rules import local_time
from warehouse_tui.store.changes import ChangeWatcher
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Carrier,
    CarrierService,
    OrderLine,
    Parcel,
    ParcelStatus,
    PickTask,
    TaskStatus,
    Wave,
    WaveStatus,
    as_utc,
    utcnow,
)
from warehouse_tui.store.models import Order as OrderRow
from warehouse_tui.store.models import OrderStatus as S

PACE_WINDOW = timedelta(hours=1)
PUT = (S.PICKED, S.PACKED, S.SHIPPED)
PACKED = (S.PACKED, S.SHIPPED)
OPEN_PARCELS = (ParcelStatus.OPEN,)


@dataclass(frozen=True)
class WaveFigures:
    id: int
    status: str
    orders: int
    picked: int
    put: int
    packed: int
    shipped: int
    pickers: int
    packers: int
    cutoff_at: datetime | None
    forecast_done_at: datetime | None
    late: bool


@dataclass(frozen=True)
class CarrierFigures:
    code: str
    cutoff_at: datetime | None
    packed_not_loaded: int
    not_picked: int
    late: bool


@dataclass(frozen=True)
class DeskBoard:
    at: datetime
    zone: str  # the warehouse's time zone, in which times are shown
    waves: tuple[WaveFigures, ...]
    carriers: tuple[CarrierFigures, ...]


def watch_changes(store: Store) -> ChangeWatcher:
    """A watcher that says when another terminal committed (close it when done)."""
    return ChangeWatcher(store)


def read_board(store: Store, now: datetime | None = None) -> DeskBoard:
    now = now or utcnow()
    with store.read() as session:
        zone = get_setting(session, "timezone")
        cutoffs = cutoffs_today(session, now)
        orders = _orders_on_board(session)
        shelf_done = _shelf_done(session, [row["wave"] for row in orders])
        packed_recently = _packed_since(session, now - PACE_WINDOW)
        people = _people(session)
        released = dict(
            session.execute(
                select(col(Wave.id), col(Wave.released_at)).where(
                    col(Wave.id).in_({row["wave"] for row in orders})
                )
            ).all()
        )
        unloaded = dict(
            session.execute(
                select(col(Parcel.carrier), func.count())
                .where(col(Parcel.status) == ParcelStatus.CLOSED)
                .group_by(col(Parcel.carrier))
            ).all()
        )
        carriers = list(session.execute(select(col(Carrier.code)).order_by(col(Carrier.code))))
    waves = _wave_figures(orders, shelf_done, packed_recently, people, released, cutoffs, now)
    return DeskBoard(
        at=now,
        zone=zone,
        waves=waves,
        carriers=_carrier_figures(
            [code for (code,) in carriers], orders, unloaded, packed_recently, cutoffs, now
        ),
    )


def cutoffs_today(session: Session, now: datetime) -> dict[tuple[str, str], datetime]:
    """(carrier code, service code) → the cut-off on `now`'s local day, in UTC."""
    zone = ZoneInfo(get_setting(session, "timezone"))
    day = now.astimezone(zone).date()
    cutoffs = {}
    rows = session.execute(
        select(col(Carrier.code), col(CarrierService.code), col(CarrierService.cutoff_local)).join(
            Carrier, col(Carrier.id) == col(CarrierService.carrier_id)
        )
    )
    for carrier, service, local in rows:
        moment = local_time(local)
        if moment is not None:  # an unreadable cut-off is no cut-off
            cutoffs[carrier, service] = datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
    return cutoffs


def _orders_on_board(session: Session) -> list[dict[str, Any]]:
    """Every order of a wave still on the floor: active waves, and done waves with orders not
    yet on a truck."""
    unfinished = select(col(OrderRow.wave_id)).where(
        col(OrderRow.status).not_in((S.SHIPPED, S.CANCELLED)),
        col(OrderRow.wave_id).is_not(None),
    )
    rows = session.execute(
        select(
            col(OrderRow.id),
            col(OrderRow.wave_id),
            col(Wave.status),
            col(OrderRow.status),
            col(OrderRow.carrier),
            col(OrderRow.service),
        )
        .join(Wave, col(Wave.id) == col(OrderRow.wave_id))
        .where(
            (col(Wave.status).in_(ACTIVE_WAVES))
            | ((col(Wave.status) == WaveStatus.DONE) & col(Wave.id).in_(unfinished)),
            col(OrderRow.status) != S.CANCELLED,
        )
        .order_by(col(OrderRow.wave_id), col(OrderRow.id))
    ).all()
    keys = ("id", "wave", "wave_status", "status", "carrier", "service")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _shelf_done(session: Session, wave_ids: list[int]) -> set[int]:
    """Orders of these waves whose every allocated unit is off the shelf."""
    if not wave_ids:
        return set()
    rows = session.execute(
        select(col(OrderLine.order_id))
        .join(Allocation, col(Allocation.order_line_id) == col(OrderLine.id))
        .join(OrderRow, col(OrderRow.id) == col(OrderLine.order_id))
        .where(col(OrderRow.wave_id).in_(set(wave_ids)))
        .group_by(col(OrderLine.order_id))
        .having(func.sum(col(Allocation.picked)) >= func.sum(col(Allocation.qty)))
    )
    return {order_id for (order_id,) in rows}


def _packed_since(session: Session, since: datetime) -> dict[int, datetime]:
    """Orders whose last parcel closed since `since` → when it closed."""
    rows = session.execute(
        select(col(Parcel.order_id), func.max(col(Parcel.closed_at)))
        .where(col(Parcel.closed_at) >= since)
        .group_by(col(Parcel.order_id))
    )
    return {order_id: moment for order_id, closed in rows if (moment := as_utc(closed))}


def _people(session: Session) -> dict[int, tuple[int, int]]:
    """Wave → (pickers holding a list of it, packers with an open parcel of its orders)."""
    pickers = dict(
        session.execute(
            select(col(PickTask.wave_id), func.count(distinct(col(PickTask.claimed_by))))
            .where(col(PickTask.status) == TaskStatus.CLAIMED)
            .group_by(col(PickTask.wave_id))
        ).all()
    )
    packers = dict(
        session.execute(
            select(col(OrderRow.wave_id), func.count(distinct(col(Parcel.packed_by))))
            .join(OrderRow, col(OrderRow.id) == col(Parcel.order_id))
            .where(col(Parcel.status).in_(OPEN_PARCELS), col(Parcel.packed_by).is_not(None))
            .group_by(col(OrderRow.wave_id))
        ).all()
    )
    return {
        wave: (int(pickers.get(wave, 0)), int(packers.get(wave, 0)))
        for wave in {*pickers, *packers}
    }


def _forecast(left: int, done_recently: int, since: datetime, now: datetime) -> datetime | None:
    """When `left` orders are packed at the pace of `done_recently` since `since`."""
    if left == 0:
        return now
    minutes = (now - since).total_seconds() / 60
    if done_recently == 0 or minutes <= 0:
        return None
    return now + timedelta(minutes=left * minutes / done_recently)


def _late(left: int, forecast: datetime | None, cutoff: datetime | None, now: datetime) -> bool:
    if left == 0 or cutoff is None:
        return False
    return now >= cutoff or (forecast is not None and forecast > cutoff)


def _wave_figures(
    orders: list[dict[str, Any]],
    shelf_done: set[int],
    packed_recently: dict[int, datetime],
    people: dict[int, tuple[int, int]],
    released: dict[int, datetime | None],
    cutoffs: dict[tuple[str, str], datetime],
    now: datetime,
) -> tuple[WaveFigures, ...]:
    by_wave: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in orders:
        by_wave[row["wave"]].append(row)
    figures = []
    for wave, rows in sorted(by_wave.items()):
        put = sum(row["status"] in PUT for row in rows)
        packed = sum(row["status"] in PACKED for row in rows)
        since = max(now - PACE_WINDOW, as_utc(released.get(wave)) or now - PACE_WINDOW)
        recent = sum(packed_recently.get(row["id"], since - PACE_WINDOW) >= since for row in rows)
        forecast = _forecast(len(rows) - packed, recent, since, now)
        cutoff = min(
            (cutoffs[key] for row in rows if (key := (row["carrier"], row["service"])) in cutoffs),
            default=None,
        )
        pickers, packers = people.get(wave, (0, 0))
        figures.append(
            WaveFigures(
                id=wave,
                status=str(rows[0]["wave_status"]),
                orders=len(rows),
                picked=sum(row["id"] in shelf_done or row["status"] in PUT for row in rows),
                put=put,
                packed=packed,
                shipped=sum(row["status"] == S.SHIPPED for row in rows),
                pickers=pickers,
                packers=packers,
                cutoff_at=cutoff,
                forecast_done_at=forecast,
                late=_late(len(rows) - packed, forecast, cutoff, now),
            )
        )
    return tuple(figures)


def _carrier_figures(
    codes: list[str],
    orders: list[dict[str, Any]],
    unloaded: dict[str, int],
    packed_recently: dict[int, datetime],
    cutoffs: dict[tuple[str, str], datetime],
    now: datetime,
) -> tuple[CarrierFigures, ...]:
    """Per carrier: parcels labelled and not on its truck, orders on the floor not yet picked,
    and late when what is left of its orders will not be packed by its earliest cut-off."""
    since = now - PACE_WINDOW
    figures = []
    for code in codes:
        mine = [row for row in orders if row["carrier"] == code]
        cutoff = min(
            (moment for (carrier, _s), moment in cutoffs.items() if carrier == code), default=None
        )
        left = sum(row["status"] not in PACKED for row in mine)
        recent = sum(row["id"] in packed_recently for row in mine)
        forecast = _forecast(left, recent, since, now)
        not_loaded = int(unloaded.get(code, 0))
        figures.append(
            CarrierFigures(
                code=code,
                cutoff_at=cutoff,
                packed_not_loaded=not_loaded,
                not_picked=sum(row["status"] == S.RELEASED for row in mine),
                late=_late(left, forecast, cutoff, now) or _late(not_loaded, None, cutoff, now),
            )
        )
    return tuple(figures)


def board_json(board: DeskBoard) -> dict[str, Any]:
    """The board as `warehouse-tui board --json` prints it (times as ISO 8601 UTC, or null)."""
    return {
        "waves": [
            {
                "id": w.id,
                "status": w.status,
                "orders": w.orders,
                "picked": w.picked,
                "put": w.put,
                "packed": w.packed,
                "shipped": w.shipped,
                "pickers": w.pickers,
                "packers": w.packers,
                "cutoff_at": _iso(w.cutoff_at),
                "forecast_done_at": _iso(w.forecast_done_at),
                "late": w.late,
            }
            for w in board.waves
        ],
        "carriers": [
            {
                "code": c.code,
                "cutoff_at": _iso(c.cutoff_at),
                "packed_not_loaded": c.packed_not_loaded,
                "not_picked": c.not_picked,
                "late": c.late,
            }
            for c in board.carriers
        ],
    }


def local_clock(moment: datetime | None, zone: str) -> str:
    """A time as the floor reads it: HH:MM in the warehouse's zone, "–" for none."""
    return "–" if moment is None else moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")
