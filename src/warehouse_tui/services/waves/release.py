"""Releasing a wave: audit, plan in a read transaction, then write it in a short write.

On SQLite every write holds the one writer lock all stations wait for, so a release must not
plan while it holds it: a 2,000-order wave took seconds to plan, and every scan on the floor
waited. The audit runs first in its own write (short when nothing is new); the plan is made in
a read transaction, changing nothing; then one short write (store/wave_release.py) claims what
the plan took, by compare-and-set: stock only while it is still free (`on_hand - allocated >=
q`, row by row in id order, one lock order for every releaser), orders `ready` → `released`
only while still ready, and no merge group of the wave may have gained a new or held order.
If anything changed between the plan and the write — another release, a cancel, an import —
a compare-and-set fails, the write rolls back and the release plans again from what is left,
so two supervisors releasing at once on either database never over-allocate nor put an order
in two waves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.audit import run_audit
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.waves.plan import PlannedCart, PlannedPick, WavePlan, plan_wave
from warehouse_tui.services.waves.rules import WaveRules
from warehouse_tui.store import wave_release
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Strategy, Wave, WaveStatus, utcnow
from warehouse_tui.store.prepared import Tx

RELEASE_ATTEMPTS = 5
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock (PostgreSQL)


class _Conflict(Exception):
    """Stock or an order changed since the plan (another release won the race): start over."""


def release_wave(store: Store, actor: Actor, rules: WaveRules) -> dict[str, Any]:
    """Audit, plan (in a read), and write the wave (in a short write).

    Returns the plan's summary (the walk planned, without a preview's comparisons) plus
    "wave" (its id), "accepted" and "reason"; a refusal (nothing to release, or a race lost
    too often) has accepted False and wave None.
    """
    with store.read() as session:
        refusal = role_refusal(session, actor, SUPERVISORS)
    if refusal:
        return _refuse(store, actor, rules, refusal)
    for _attempt in range(RELEASE_ATTEMPTS):
        try:
            with store.write() as session:
                run_audit(session, actor)
            with store.read() as session:
                plan = plan_wave(session, rules)
            if not plan.order_ids:
                return _refuse(store, actor, rules, _("No ready order matches these wave rules"))
            with store.write() as session:
                return _write(session, actor, plan)
        except _Conflict:
            continue
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
    return _refuse(
        store, actor, rules, _("Stock or orders kept changing while releasing; try again")
    )


def _refuse(store: Store, actor: Actor, rules: WaveRules, reason: str) -> dict[str, Any]:
    with store.write() as session:
        record(session, actor, "wave-release", accepted=False, reason=reason, raw=rules.as_text())
    return _refusal(reason)


def _refusal(reason: str) -> dict[str, Any]:
    empty = {"best": 0.0}
    return {
        "orders": 0,
        "lines": 0,
        "picks": 0,
        "batches": 0,
        "walk_m": empty,
        "wave": None,
        "accepted": False,
        "reason": reason,
    }


def _write(session: Session, actor: Actor, plan: WavePlan) -> dict[str, Any]:
    """The plan's rows, if what it took is still there (else `_Conflict`)."""
    rules = plan.rules
    now = utcnow()
    wave = Wave(
        status=WaveStatus.RELEASED,
        strategy=Strategy(rules.strategy),
        rules=rules.as_dict(),
        walk_m=round(plan.best_m, 1),
        created_by=actor.operator_id,
        created_at=now,
        released_at=now,
    )
    session.add(wave)
    session.flush()
    assert wave.id is not None
    connection = session.connection()
    if not wave_release.allocate_stock(Tx.of(connection), _stock_totals(plan.picks)):
        raise _Conflict
    if not wave_release.release_orders(connection, plan.order_ids, wave.id, now):
        raise _Conflict
    if wave_release.groups_waiting(connection, wave.id):
        raise _Conflict
    allocation_ids = wave_release.insert_allocations(
        Tx.of(connection),
        wave.id,
        [{"order_line_id": p.line_id, "stock_id": p.stock_id, "qty": p.qty} for p in plan.picks],
    )
    allocation_of = dict(zip(plan.picks, allocation_ids, strict=True))
    _insert_tasks(session, wave.id, rules.strategy, plan.carts, allocation_of)
    record(session, actor, "wave-release", raw=rules.as_text(), task_ref=Ref.WAVE.of(wave.id))
    return {**plan.summary(), "wave": wave.id, "accepted": True, "reason": ""}


def _stock_totals(picks: Sequence[PlannedPick]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for pick in picks:
        totals[pick.stock_id] += pick.qty
    return totals


def _insert_tasks(
    session: Session,
    wave_id: int,
    strategy: str,
    carts: Sequence[PlannedCart],
    allocation_of: dict[PlannedPick, int],
) -> None:
    tx = Tx.of(session.connection())
    task_ids = wave_release.insert_tasks(
        tx,
        wave_id,
        [{"strategy": strategy, "route_m": round(cart.route_m, 1)} for cart in carts],
    )
    wave_release.insert_stops(
        tx,
        [
            {
                "task_id": task_id,
                "seq": seq,
                "allocation_id": allocation_of[stop.pick] if stop.pick is not None else None,
                "stock_id": stop.stock_id,
                "sku_id": stop.sku_id,
                "order_id": stop.order_id,
                "qty": stop.qty,
            }
            for task_id, cart in zip(task_ids, carts, strict=True)
            for seq, stop in enumerate(cart.stops)
        ],
    )
