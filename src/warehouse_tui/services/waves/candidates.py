"""What a wave is chosen from, read from the database: shipments, their lines, free stock.

Everything here is a read. The shipments (`Unit`) come first, most urgent first, chosen and
sorted in SQL a page at a time (`candidate_units`); their lines are read a page at a time too
(`read_lines`), because a wave of 500 should cost the same whether 1k or 100k orders are
ready. Free stock is read once, as `domain.allocation` lots, and allocated in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text, tuple_
from sqlmodel import Session, col

from warehouse_tui.domain.allocation import Lot
from warehouse_tui.domain.batching import CartCapacity
from warehouse_tui.domain.layout import PickPoint
from warehouse_tui.services.settings import get_setting
from warehouse_tui.services.waves.rules import WaveRules, local_time
from warehouse_tui.store.bulk import rows_of
from warehouse_tui.store.models import (
    READY_SQL,
    Carrier,
    CarrierService,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Sku,
    Stock,
    Strategy,
    WallSlot,
    as_utc,
)

LINE_PAGE = 2000
"""Units whose lines are read at once while choosing a wave (also the ids per `IN` list)."""
FIRST_PAGE = 256
"""Orders shipping alone read first; each further page doubles, up to `LINE_PAGE` (most waves
are filled from the first pages)."""
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass
class Unit:
    """A shipment: one order, or the orders of one merge group."""

    order_ids: list[int]
    lines: list[tuple[int, int, int, int]]
    """(order id, line id, sku id, qty)."""
    deadline: datetime
    priority: int

    def urgency(self) -> tuple[datetime, int, int]:
        return self.deadline, -self.priority, min(self.order_ids)

    @property
    def items(self) -> int:
        return sum(line[3] for line in self.lines)


def candidate_units(session: Session, rules: WaveRules) -> Iterator[Unit]:
    """Ready orders matching the rules, as shipments, most urgent first; a merge group waits
    for all its orders.

    Chosen in SQL a page at a time, so a wave of 500 reads about 500 orders, not the backlog.
    An order's deadline is its ship-by, else today's cut-off of its carrier service, which is
    the same for all of that service's orders: so the orders shipping alone come as one stream
    per carrier service with a cut-off (by priority, then first imported) and one of those with
    a ship-by (by ship-by, priority, id), each read through its partial index on ready orders
    (store/models.py); merge groups come as units of their own, with their most urgent
    deadline, highest priority and first order. The streams are merged here into one urgency
    order. Orders with no deadline at all come last, read only once all others are taken."""
    due = _today_at(session, rules.due_by) if rules.due_by is not None else None
    cutoffs = _cutoffs_today(session)
    dated = [
        _alone_units(
            session,
            rules,
            _NO_SHIP_BY.where(col(Order.carrier) == carrier, col(Order.service) == service),
            moment,
        )
        for (carrier, service), moment in cutoffs.items()
        if (rules.carrier is None or carrier == rules.carrier) and (due is None or moment <= due)
    ]
    shipping_by = _BY_SHIP_BY if due is None else _BY_SHIP_BY.where(col(Order.ship_by) <= due)
    dated.append(_alone_units(session, rules, shipping_by, None))
    grouped = _grouped_units(session, rules, cutoffs, due)
    first = heapq.merge(
        *dated, [unit for unit in grouped if unit.deadline < _FAR_FUTURE], key=Unit.urgency
    )
    if due is not None:
        return first  # no deadline is due by then
    undated = _NO_SHIP_BY
    if cutoffs:
        undated = undated.where(
            tuple_(col(Order.carrier), col(Order.service)).not_in(list(cutoffs))
        )
    last = heapq.merge(
        _alone_units(session, rules, undated, _FAR_FUTURE),
        [unit for unit in grouped if unit.deadline == _FAR_FUTURE],
        key=Unit.urgency,
    )
    return chain(first, last)  # `last` reads nothing until `first` is done


_READY = text(f"orders.{READY_SQL}")
"""Literal, so that the partial indexes on ready orders serve the queries (store/models.py)."""
_ALONE = select(col(Order.id), col(Order.priority), col(Order.ship_by)).where(
    _READY, col(Order.merge_group).is_(None)
)
_NO_SHIP_BY = _ALONE.where(col(Order.ship_by).is_(None)).order_by(
    col(Order.priority).desc(), col(Order.id)
)
"""By priority, then first imported; with one carrier service it reads ix_orders_ready_by_service,
with the services not named ix_orders_ready_by_priority."""
_BY_SHIP_BY = _ALONE.where(col(Order.ship_by).is_not(None)).order_by(
    col(Order.ship_by), col(Order.priority).desc(), col(Order.id)
)
"""ix_orders_ready_by_ship_by."""


def _alone_units(
    session: Session, rules: WaveRules, query: Any, deadline: datetime | None
) -> Iterator[Unit]:
    """The units of `query`'s orders in its order, a page at a time; each with `deadline`,
    else its ship-by."""
    if rules.carrier is not None:
        query = query.where(col(Order.carrier) == rules.carrier)
    if rules.shop is not None:
        query = query.where(col(Order.shop) == rules.shop)
    start, page = 0, FIRST_PAGE
    while True:
        rows = rows_of(session, query.limit(page).offset(start)).all()
        for order_id, priority, ship_by in rows:
            yield Unit([order_id], [], deadline or as_utc(ship_by) or _FAR_FUTURE, priority)
        if len(rows) < page:
            return
        start, page = start + page, min(2 * page, LINE_PAGE)


def _grouped_units(
    session: Session,
    rules: WaveRules,
    cutoffs: dict[tuple[str, str], datetime],
    due: datetime | None,
) -> list[Unit]:
    """The merge groups with every order ready, each one unit, in urgency order (few: read
    whole, through ix_orders_ready_merged)."""
    waiting = select(col(Order.merge_group)).where(
        col(Order.status).in_((OrderStatus.NEW, OrderStatus.HELD)),
        col(Order.merge_group).is_not(None),
    )
    query = select(
        col(Order.merge_group),
        col(Order.id),
        col(Order.carrier),
        col(Order.service),
        col(Order.ship_by),
        col(Order.priority),
    ).where(_READY, col(Order.merge_group).is_not(None), col(Order.merge_group).not_in(waiting))
    if rules.carrier is not None:
        query = query.where(col(Order.carrier) == rules.carrier)
    if rules.shop is not None:
        query = query.where(col(Order.shop) == rules.shop)
    grouped: dict[str, Unit] = {}
    for group, order_id, carrier, service, ship_by, priority in rows_of(session, query):
        moment = as_utc(ship_by) or cutoffs.get((carrier, service), _FAR_FUTURE)
        unit = grouped.setdefault(group, Unit([], [], moment, priority))
        unit.order_ids.append(order_id)
        unit.deadline = min(unit.deadline, moment)
        unit.priority = max(unit.priority, priority)
    units = sorted(grouped.values(), key=Unit.urgency)
    if due is not None:
        units = [unit for unit in units if unit.deadline <= due]
    return units


def matches(unit: Unit, rules: WaveRules) -> bool:
    """The rules a unit's lines decide (it has lines, priority, single item)."""
    if not unit.lines:
        return False
    if rules.min_priority is not None and unit.priority < rules.min_priority:
        return False
    return rules.single_item is None or (unit.items == 1) == rules.single_item


def read_lines(session: Session, units: Sequence[Unit]) -> None:
    """Fill in the lines still to pick of these units' orders."""
    unit_of = {order_id: unit for unit in units for order_id in unit.order_ids}
    ids = sorted(unit_of)
    for start in range(0, len(ids), LINE_PAGE):
        rows = rows_of(
            session,
            select(
                col(OrderLine.order_id),
                col(OrderLine.id),
                col(OrderLine.sku_id),
                col(OrderLine.qty) - col(OrderLine.picked),
            )
            .where(
                col(OrderLine.order_id).in_(ids[start : start + LINE_PAGE]),
                col(OrderLine.sku_id).is_not(None),
            )
            .order_by(col(OrderLine.id)),
        )
        for order_id, line_id, sku_id, qty in rows:
            if qty > 0:
                unit_of[order_id].lines.append((order_id, line_id, sku_id, qty))


def _cutoffs_today(session: Session) -> dict[tuple[str, str], datetime]:
    """(carrier code, service code) → today's cut-off, from local HH:MM to UTC."""
    cutoffs = {}
    rows = session.execute(
        select(col(Carrier.code), col(CarrierService.code), col(CarrierService.cutoff_local)).join(
            Carrier, col(Carrier.id) == CarrierService.carrier_id
        )
    )
    for carrier, service, local in rows:
        moment = _today_at(session, local)
        if moment is not None:  # an unreadable cut-off orders like none at all
            cutoffs[carrier, service] = moment
    return cutoffs


def _today_at(session: Session, local: str) -> datetime | None:
    """Local HH:MM today in the warehouse's time zone, as UTC; None if unreadable."""
    zone = ZoneInfo(get_setting(session, "timezone"))
    moment = local_time(local)
    if moment is None:
        return None
    return datetime.combine(datetime.now(zone).date(), moment, tzinfo=zone).astimezone(UTC)


def free_lots(session: Session, zone: str | None) -> tuple[list[Lot], dict[int, int]]:
    """Every pickable stock row with free units (of `zone`, if given), and its free units."""
    query = (
        select(
            col(Stock.id),
            col(Stock.sku_id),
            col(Stock.expiry),
            col(Stock.received_at),
            col(Stock.on_hand) - col(Stock.allocated),
            col(Location.aisle),
            col(Location.position_m),
        )
        .join(Location, col(Location.id) == Stock.location_id)
        .where(col(Location.pickable).is_(True), col(Stock.on_hand) - col(Stock.allocated) > 0)
    )
    if zone is not None:
        query = query.where(col(Location.zone) == zone)
    lots, free = [], {}
    for stock_id, sku_id, expiry, received_at, available, aisle, position in rows_of(
        session, query
    ):
        lots.append(
            Lot(
                stock_id,
                sku_id,
                expiry,
                as_utc(received_at) or _FAR_FUTURE,
                PickPoint(aisle, float(position)),
            )
        )
        free[stock_id] = int(available)
    return lots, free


def sku_litres(session: Session, sku_ids: set[int]) -> dict[int, float]:
    if not sku_ids:
        return {}
    rows = session.execute(
        select(col(Sku.id), col(Sku.length_mm) * col(Sku.width_mm) * col(Sku.height_mm)).where(
            col(Sku.id).in_(sku_ids)
        )
    )
    return {sku_id: (volume or 0) / 1_000_000 for sku_id, volume in rows}


def cart_capacity(session: Session, strategy: str) -> CartCapacity:
    """Pick-by-order: the cart's totes. Batch: the put wall's slots (one per order)."""
    volume = float(get_setting(session, "cart_volume_l"))
    if strategy == Strategy.BATCH:
        slots = (
            session.execute(select(func.count()).select_from(WallSlot).group_by(col(WallSlot.wall)))
            .scalars()
            .all()
        )
        if slots:
            return CartCapacity(max(slots), volume)
    return CartCapacity(int(get_setting(session, "cart_totes")), volume)
