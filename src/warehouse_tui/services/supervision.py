"""What a supervisor watches: the waves still on the floor and the pick lists held by pickers.

A wave stays on the floor until its last order is on a truck (or cancelled): picked is not
shipped, and the desk shows how many of its orders are packed and shipped.

One short read for the whole board, so the screen can poll it every few seconds. A claim whose
heartbeat is older than the `claim_lease_s` setting is marked stale: its handheld has gone
quiet, and a supervisor may release it (picking.release_claim / release_stale_claims).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import col

from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Operator,
    Order,
    OrderStatus,
    PickStop,
    PickTask,
    Strategy,
    TaskStatus,
    Wave,
    WaveStatus,
    as_utc,
    utcnow,
)

ACTIVE_WAVES = (
    WaveStatus.PLANNED,
    WaveStatus.RELEASED,
    WaveStatus.PAUSED,
    WaveStatus.PICKING,
    WaveStatus.SORTING,
)
HELD_LISTS = (TaskStatus.CLAIMED, TaskStatus.PAUSED)
_PACKED = (OrderStatus.PACKED, OrderStatus.SHIPPED)
FINISHED_STOPS = ("done", "short")


@dataclass(frozen=True)
class WaveRow:
    wave_id: int
    status: WaveStatus
    strategy: Strategy
    orders: int
    flagged: int  # orders a picker flagged (a shortage no location could cover)
    units_picked: int
    units: int
    packed: int  # orders packed or already shipped
    shipped: int


@dataclass(frozen=True)
class ClaimRow:
    task_id: int
    wave_id: int
    picker: str
    status: TaskStatus
    stops_done: int
    stops: int
    quiet_s: float  # seconds since the handheld's last heartbeat
    stale: bool


@dataclass(frozen=True)
class Board:
    waves: tuple[WaveRow, ...]
    claims: tuple[ClaimRow, ...]


def wave_board(store: Store, now: datetime | None = None) -> Board:
    now = now or utcnow()
    with store.read() as session:
        lease_s = float(get_setting(session, "claim_lease_s"))
        not_shipped = select(col(Order.wave_id)).where(
            col(Order.wave_id).is_not(None),
            col(Order.status).not_in((OrderStatus.SHIPPED, OrderStatus.CANCELLED)),
        )
        on_floor = col(Wave.status).in_(ACTIVE_WAVES) | (
            (col(Wave.status) == WaveStatus.DONE) & col(Wave.id).in_(not_shipped)
        )
        active = select(col(Wave.id)).where(on_floor)
        orders = (
            select(
                col(Order.wave_id),
                func.count().label("orders"),
                func.sum(case((col(Order.hold_reason) != "", 1), else_=0)).label("flagged"),
                func.sum(case((col(Order.status).in_(_PACKED), 1), else_=0)).label("packed"),
                func.sum(case((col(Order.status) == OrderStatus.SHIPPED, 1), else_=0)).label(
                    "shipped"
                ),
            )
            .where(col(Order.wave_id).in_(active))
            .group_by(col(Order.wave_id))
            .subquery()
        )
        units = (
            select(
                col(PickTask.wave_id),
                func.sum(col(PickStop.qty)).label("units"),
                func.sum(col(PickStop.picked)).label("picked"),
            )
            .join(PickStop, col(PickStop.task_id) == col(PickTask.id))
            .where(col(PickTask.wave_id).in_(active))
            .group_by(col(PickTask.wave_id))
            .subquery()
        )
        waves = session.execute(
            select(
                col(Wave.id),
                col(Wave.status),
                col(Wave.strategy),
                func.coalesce(orders.c.orders, 0),
                func.coalesce(orders.c.flagged, 0),
                func.coalesce(units.c.picked, 0),
                func.coalesce(units.c.units, 0),
                func.coalesce(orders.c.packed, 0),
                func.coalesce(orders.c.shipped, 0),
            )
            .outerjoin(orders, orders.c.wave_id == col(Wave.id))
            .outerjoin(units, units.c.wave_id == col(Wave.id))
            .where(on_floor)
            .order_by(col(Wave.id))
        ).all()
        stops = (
            select(
                col(PickStop.task_id),
                func.count().label("stops"),
                func.sum(case((col(PickStop.status).in_(FINISHED_STOPS), 1), else_=0)).label(
                    "done"
                ),
            )
            .where(
                col(PickStop.task_id).in_(
                    select(col(PickTask.id)).where(col(PickTask.status).in_(HELD_LISTS))
                )
            )
            .group_by(col(PickStop.task_id))
            .subquery()
        )
        claims = session.execute(
            select(
                col(PickTask.id),
                col(PickTask.wave_id),
                func.coalesce(col(Operator.name), ""),
                col(PickTask.status),
                func.coalesce(stops.c.done, 0),
                func.coalesce(stops.c.stops, 0),
                col(PickTask.heartbeat_at),
            )
            .outerjoin(Operator, col(Operator.id) == col(PickTask.claimed_by))
            .outerjoin(stops, stops.c.task_id == col(PickTask.id))
            .where(col(PickTask.status).in_(HELD_LISTS))
            .order_by(col(PickTask.heartbeat_at).asc().nulls_first(), col(PickTask.id))
        ).all()
    return Board(
        waves=tuple(
            WaveRow(wave_id, status, strategy, *(int(count) for count in counts))
            for wave_id, status, strategy, *counts in waves
        ),
        claims=tuple(_claim_row(row, now, lease_s) for row in claims),
    )


def _claim_row(row: Sequence[Any], now: datetime, lease_s: float) -> ClaimRow:
    task_id, wave_id, picker, status, done, stops, heartbeat_at = row
    beat = as_utc(heartbeat_at)
    quiet_s = max(0.0, (now - beat).total_seconds()) if beat is not None else lease_s
    return ClaimRow(
        task_id,
        wave_id,
        picker,
        status,
        int(done),
        int(stops),
        quiet_s,
        stale=status == TaskStatus.CLAIMED and quiet_s >= lease_s,
    )
