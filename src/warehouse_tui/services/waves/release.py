"""Releasing a wave: audit, plan, allocate and create its pick lists, all in one transaction.

Stock is allocated with compare-and-set (`on_hand - allocated >= q`, rowcount checked) and orders
move `ready` → `released` only if still ready, so two supervisors releasing at once on
PostgreSQL (where the transactions interleave) never over-allocate nor put an order in two
waves: the loser of a race rolls back and plans again from what is left. On SQLite the write
lock serialises them anyway. Rows are updated in id order, one lock order for every releaser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.audit import run_audit
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.waves.plan import PlannedCart, PlannedPick, plan_wave
from warehouse_tui.services.waves.rules import WaveRules
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    OrderStatus,
    PickStop,
    PickTask,
    Wave,
    WaveStatus,
    utcnow,
)

RELEASE_ATTEMPTS = 5
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock (PostgreSQL)


class _Conflict(Exception):
    """Stock or an order changed under this release (another one won the race): start over."""


def release_wave(store: Store, actor: Actor, rules: WaveRules) -> dict[str, Any]:
    """Audit, plan and release in one transaction.

    Returns the preview's summary plus "wave" (its id), "accepted" and "reason"; a refusal
    (nothing to release, or a race lost too often) has accepted False and wave None.
    """
    for _attempt in range(RELEASE_ATTEMPTS):
        try:
            with store.write() as session:
                return _release(session, actor, rules)
        except _Conflict:
            continue
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) not in _RETRY_SQLSTATES:
                raise
    reason = _("Stock or orders kept changing while releasing; try again")
    with store.write() as session:
        record(session, actor, "wave-release", accepted=False, reason=reason, raw=rules.as_text())
    return _refusal(reason)


def _refusal(reason: str) -> dict[str, Any]:
    empty = {"best": 0.0, "s_shape": 0.0, "pick_by_order": 0.0}
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


def _release(session: Session, actor: Actor, rules: WaveRules) -> dict[str, Any]:
    run_audit(session, actor)
    plan = plan_wave(session, rules)
    if not plan.order_ids:
        reason = _("No ready order matches these wave rules")
        record(session, actor, "wave-release", accepted=False, reason=reason, raw=rules.as_text())
        return _refusal(reason)
    now = utcnow()
    wave = Wave(
        status=WaveStatus.RELEASED,
        strategy=rules.strategy,
        rules=rules.as_dict(),
        walk_m=round(plan.best_m, 1),
        created_by=actor.operator_id,
        created_at=now,
        released_at=now,
    )
    session.add(wave)
    session.flush()
    assert wave.id is not None
    _allocate_stock(session, plan.picks)
    _release_orders(session, plan.order_ids, wave.id, now)
    allocation_ids = _insert_allocations(session, plan.picks)
    _insert_tasks(session, wave.id, rules.strategy, plan.carts, allocation_ids)
    record(session, actor, "wave-release", raw=rules.as_text(), task_ref=f"WAVE-{wave.id}")
    return {**plan.summary(), "wave": wave.id, "accepted": True, "reason": ""}


def _allocate_stock(session: Session, picks: Sequence[PlannedPick]) -> None:
    """Compare-and-set per stock row, in id order (one lock order for every releaser)."""
    totals: dict[int, int] = defaultdict(int)
    for pick in picks:
        totals[pick.stock_id] += pick.qty
    statement = text(
        "UPDATE stock SET allocated = allocated + :q WHERE id = :id AND on_hand - allocated >= :q"
    )
    for stock_id in sorted(totals):
        if session.execute(statement, {"q": totals[stock_id], "id": stock_id}).rowcount != 1:
            raise _Conflict


def _release_orders(
    session: Session, order_ids: Sequence[int], wave_id: int, now: datetime
) -> None:
    """`ready` → `released`, compare-and-set: an order another wave took is a conflict."""
    statement = text(
        "UPDATE orders SET status = :released, wave_id = :wave, updated_at = :now "
        "WHERE id = :id AND status = :ready"
    )
    for order_id in sorted(order_ids):
        values = {
            "released": OrderStatus.RELEASED.value,
            "ready": OrderStatus.READY.value,
            "wave": wave_id,
            "now": now,
            "id": order_id,
        }
        if session.execute(statement, values).rowcount != 1:
            raise _Conflict


def _insert_allocations(session: Session, picks: Sequence[PlannedPick]) -> dict[PlannedPick, int]:
    rows = [Allocation(order_line_id=p.line_id, stock_id=p.stock_id, qty=p.qty) for p in picks]
    session.add_all(rows)
    session.flush()
    return {pick: row.id for pick, row in zip(picks, rows, strict=True) if row.id is not None}


def _insert_tasks(
    session: Session,
    wave_id: int,
    strategy: str,
    carts: Sequence[PlannedCart],
    allocation_ids: dict[PlannedPick, int],
) -> None:
    tasks = [
        PickTask(wave_id=wave_id, strategy=strategy, route_m=round(cart.route_m, 1))
        for cart in carts
    ]
    session.add_all(tasks)
    session.flush()
    session.add_all(
        PickStop(
            task_id=task.id,
            seq=seq,
            allocation_id=allocation_ids[stop.pick] if stop.pick is not None else None,
            stock_id=stop.stock_id,
            sku_id=stop.sku_id,
            order_id=stop.order_id,
            qty=stop.qty,
        )
        for task, cart in zip(tasks, carts, strict=True)
        for seq, stop in enumerate(cart.stops)
    )
