"""Waves: pick the ready orders a rule asks for, allocate their stock, plan the pick lists, release.

Selection. Candidates are `ready` orders; orders merged into one shipment (same merge group) are
one unit: all of them join a wave together or none does, and none does while one of them is
still new or held. Units are taken most urgent first — earliest deadline (the order's ship-by,
else today's cut-off of its carrier service in the warehouse's time zone), then highest priority,
then first imported — and a unit that would break a limit (orders, lines, picks) or cannot be
allocated in full is passed over for the next one.

Allocation. Each line takes stock from as few locations as possible; among equally few, the
earliest expiry first, then the oldest receipt. A location's free stock is on hand − allocated.
`max_picks` counts allocations (one order line at one location).

Pick lists. Units are grouped into carts with `domain.batching` (Clarke–Wright savings) and each
cart is routed with the `best` method. Pick-by-order: a cart carries one tote per order and has
a stop per allocation, in route order, naming its order. Batch: a cart of orders as big as a put
wall (its slots, else `cart_totes`) picks each location's total once (stops name no order); the
put wall sorts the items into slots afterwards.

Totes are bound when a picker claims a pick-by-order task, not at release: the picker scans an
empty tote from the cart for each order (Tote.order_id, Tote.task_id, PickStop.tote_id are set
then). Physical totes are reused all day, so no tote is reserved for work nobody has claimed.

Release runs audit, planning and release in one write transaction. Stock is allocated with
compare-and-set (`on_hand - allocated >= q`, rowcount checked) and orders move `ready` →
`released` only if still ready, so two supervisors releasing at once on PostgreSQL (where the
transactions interleave) never over-allocate nor put an order in two waves: the loser of a race
rolls back and plans again from what is left. On SQLite the write lock serialises them anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from warehouse_tui.domain.batching import Batch, BatchPlan, CartCapacity, plan_batches
from warehouse_tui.domain.batching import Order as BatchOrder
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.i18n import _
from warehouse_tui.services.audit import run_audit
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.settings import get_setting, warehouse_layout
from warehouse_tui.store.bulk import rows_of
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Carrier,
    CarrierService,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Sku,
    Stock,
    Strategy,
    TaskStatus,
    WallSlot,
    Wave,
    WaveStatus,
    as_utc,
    utcnow,
)

SAVINGS_CHUNK = 1000
"""Savings pair each unit with a few neighbours, but part-full carts are compared with each other,
so a bigger wave is cut into spatially sorted chunks of this many units, each batched on its own
(a unit's best partners are near it anyway)."""
RELEASE_ATTEMPTS = 5
_LINE_PAGE = 2000
"""Units whose lines are read at once while choosing a wave (also the ids per `IN` list)."""
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock (PostgreSQL)
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
_LAST_EXPIRY = date.max


@dataclass(frozen=True)
class WaveRules:
    strategy: str = Strategy.PICK_BY_ORDER
    carrier: str | None = None
    shop: str | None = None
    single_item: bool | None = None
    """True: only shipments of one unit; False: only the others; None: both."""
    zone: str | None = None
    """Pick only from locations of this zone (orders it cannot fill wait)."""
    min_priority: int | None = None
    max_orders: int | None = None
    max_lines: int | None = None
    max_picks: int | None = None
    due_by: str | None = None
    """Local HH:MM today: only shipments due by then (ship-by, else their service's cut-off)."""

    def __post_init__(self) -> None:
        if self.strategy not in tuple(Strategy):
            raise ValueError(
                _("unknown strategy {strategy!r}; use pick-by-order or batch").format(
                    strategy=self.strategy
                )
            )
        for name in ("max_orders", "max_lines", "max_picks"):
            limit = getattr(self, name)
            if limit is not None and limit < 1:
                raise ValueError(_("{name} must be at least 1").format(name=name))
        if self.due_by is not None and _local_time(self.due_by) is None:
            raise ValueError(
                _("due-by is a local time written HH:MM, not {value!r}").format(value=self.due_by)
            )

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class PlannedPick:
    """One allocation: an order line's quantity from one stock row (location and lot)."""

    order_id: int
    line_id: int
    stock_id: int
    sku_id: int
    qty: int
    point: PickPoint


@dataclass(frozen=True)
class PlannedStop:
    stock_id: int
    sku_id: int
    qty: int
    point: PickPoint
    order_id: int | None
    """The order whose tote the items go into; None on a batch stop (the put wall sorts)."""
    pick: PlannedPick | None
    """The allocation a pick-by-order stop picks; None on a batch stop."""


@dataclass(frozen=True)
class PlannedCart:
    order_ids: tuple[int, ...]
    stops: tuple[PlannedStop, ...]
    route_m: float
    s_shape_m: float


@dataclass(frozen=True)
class WavePlan:
    rules: WaveRules
    order_ids: tuple[int, ...]
    lines: int
    picks: tuple[PlannedPick, ...]
    carts: tuple[PlannedCart, ...]
    best_m: float
    s_shape_m: float
    pick_by_order_m: float

    def summary(self) -> dict[str, Any]:
        """The preview contract: orders, lines, picks (stops), batches (carts), walk_m."""
        return {
            "orders": len(self.order_ids),
            "lines": self.lines,
            "picks": sum(len(cart.stops) for cart in self.carts),
            "batches": len(self.carts),
            "walk_m": {
                "best": round(self.best_m, 1),
                "s_shape": round(self.s_shape_m, 1),
                "pick_by_order": round(self.pick_by_order_m, 1),
            },
        }


@dataclass(frozen=True)
class WaveResult:
    accepted: bool
    reason: str = ""
    status: str = ""


class _Conflict(Exception):
    """Stock or an order changed under this release (another one won the race): start over."""


# --- preview and release --------------------------------------------------------------------------


def preview_wave(store: Store, actor: Actor, rules: WaveRules) -> WavePlan:
    """Audit the new orders (committed), then plan the wave without changing anything else."""
    with store.write() as session:
        run_audit(session, actor)
        record(session, actor, "wave-preview", raw=_rules_text(rules))
    with store.read() as session:
        return plan_wave(session, rules)


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
        record(
            session, actor, "wave-release", accepted=False, reason=reason, raw=_rules_text(rules)
        )
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


def _rules_text(rules: WaveRules) -> str:
    return " ".join(f"{key}={value}" for key, value in rules.as_dict().items())


def _release(session: Session, actor: Actor, rules: WaveRules) -> dict[str, Any]:
    run_audit(session, actor)
    plan = plan_wave(session, rules)
    if not plan.order_ids:
        reason = _("No ready order matches these wave rules")
        record(
            session, actor, "wave-release", accepted=False, reason=reason, raw=_rules_text(rules)
        )
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
    record(session, actor, "wave-release", raw=_rules_text(rules), task_ref=f"WAVE-{wave.id}")
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


# --- planning -------------------------------------------------------------------------------------


@dataclass
class _Unit:
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


@dataclass(frozen=True)
class Lot:
    """A stock row the allocator may take from."""

    stock_id: int
    sku_id: int
    expiry: date | None
    received_at: datetime
    point: PickPoint

    def fefo(self) -> tuple[date, datetime, int]:
        return self.expiry or _LAST_EXPIRY, self.received_at, self.stock_id


class Allocator:
    """Free stock in memory, taken line by line and given back if a unit cannot be filled."""

    def __init__(self, lots: Sequence[Lot], free: dict[int, int]) -> None:
        self.free = dict(free)
        by_sku: dict[int, list[Lot]] = defaultdict(list)
        for lot in sorted(lots, key=Lot.fefo):
            by_sku[lot.sku_id].append(lot)
        self.by_sku = dict(by_sku)

    def take(self, sku_id: int, qty: int) -> list[tuple[Lot, int]] | None:
        """Fewest lots, then earliest expiry, then oldest receipt; None if stock is short."""
        lots = [lot for lot in self.by_sku.get(sku_id, ()) if self.free[lot.stock_id] > 0]
        chosen = choose_lots(lots, {lot.stock_id: self.free[lot.stock_id] for lot in lots}, qty)
        if chosen is not None:
            for lot, amount in chosen:
                self.free[lot.stock_id] -= amount
        return chosen

    def give_back(self, taken: Sequence[tuple[int, int]]) -> None:
        """Return (stock id, quantity) pairs taken for a unit that is not going after all."""
        for stock_id, amount in taken:
            self.free[stock_id] += amount


def choose_lots(
    lots: Sequence[Lot], free: dict[int, int], qty: int
) -> list[tuple[Lot, int]] | None:
    """Which lots fill `qty`: as few as can, and among those the earliest-expiring, oldest.

    `lots` come in FEFO order (earliest expiry, then oldest receipt). The fewest lots that can
    fill the line is k (the biggest k free amounts reach qty); then each step takes the first
    lot in FEFO order after which the rest can still be filled by the lots left.
    """
    if sum(free[lot.stock_id] for lot in lots) < qty:
        return None
    slots = _fewest_lots(sorted((free[lot.stock_id] for lot in lots), reverse=True), qty)
    chosen: list[tuple[Lot, int]] = []
    pool = list(lots)
    remaining = qty
    while remaining > 0:
        for index, lot in enumerate(pool):
            amount = min(free[lot.stock_id], remaining)
            rest = sorted(
                (free[other.stock_id] for other in pool if other is not lot), reverse=True
            )
            if remaining - amount <= sum(rest[: slots - 1]):
                chosen.append((lot, amount))
                remaining -= amount
                slots -= 1
                del pool[index]
                break
    return chosen


def _fewest_lots(frees_descending: Sequence[int], qty: int) -> int:
    total = 0
    for count, amount in enumerate(frees_descending, start=1):
        total += amount
        if total >= qty:
            return count
    raise ValueError(qty)


def plan_wave(session: Session, rules: WaveRules) -> WavePlan:
    """Choose the wave's orders, allocate them in memory and plan its pick lists."""
    layout = warehouse_layout(session)
    units = sorted(_candidate_units(session, rules), key=_Unit.urgency)
    lots, free = _free_lots(session, rules.zone)
    allocator = Allocator(lots, free)
    chosen = _select(session, units, rules, allocator)
    volumes = _sku_litres(session, {line[2] for unit, _picks in chosen for line in unit.lines})
    capacity = _cart_capacity(session, rules.strategy)
    orders = [
        BatchOrder(
            index,
            tuple(pick.point for pick in picks),
            volume=sum(volumes.get(line[2], 0.0) * line[3] for line in unit.lines),
            totes=len(unit.order_ids),
        )
        for index, (unit, picks) in enumerate(chosen)
    ]
    plan = plan_carts(layout, orders, capacity)
    carts = tuple(_cart(batch, chosen, rules.strategy) for batch in plan.batches)
    return WavePlan(
        rules,
        tuple(sorted(order_id for unit, _picks in chosen for order_id in unit.order_ids)),
        sum(len(unit.lines) for unit, _picks in chosen),
        tuple(pick for _unit, picks in chosen for pick in picks),
        carts,
        plan.best_length,
        plan.s_shape_length,
        plan.pick_by_order_length,
    )


def _select(
    session: Session, units: Sequence[_Unit], rules: WaveRules, allocator: Allocator
) -> list[tuple[_Unit, list[PlannedPick]]]:
    """Most urgent first; lines are read a page of units at a time, so a wave of 500 costs the
    same whether 1k or 100k orders are ready."""
    chosen: list[tuple[_Unit, list[PlannedPick]]] = []
    orders = lines = picks = 0
    for index, unit in enumerate(units):
        if index % _LINE_PAGE == 0:
            _read_lines(session, units[index : index + _LINE_PAGE])
        if not _matches(unit, rules):
            continue
        if rules.max_orders is not None and orders + len(unit.order_ids) > rules.max_orders:
            continue
        if rules.max_lines is not None and lines + len(unit.lines) > rules.max_lines:
            continue
        planned = _allocate_unit(unit, allocator)
        if planned is None:
            continue
        if rules.max_picks is not None and picks + len(planned) > rules.max_picks:
            allocator.give_back([(pick.stock_id, pick.qty) for pick in planned])
            continue
        chosen.append((unit, planned))
        orders += len(unit.order_ids)
        lines += len(unit.lines)
        picks += len(planned)
        if rules.max_orders is not None and orders == rules.max_orders:
            break
    return chosen


def _allocate_unit(unit: _Unit, allocator: Allocator) -> list[PlannedPick] | None:
    planned: list[PlannedPick] = []
    for order_id, line_id, sku_id, qty in unit.lines:
        lots = allocator.take(sku_id, qty)
        if lots is None:
            allocator.give_back([(pick.stock_id, pick.qty) for pick in planned])
            return None
        planned += [
            PlannedPick(order_id, line_id, lot.stock_id, sku_id, amount, lot.point)
            for lot, amount in lots
        ]
    return planned


def _cart(
    batch: Batch, chosen: Sequence[tuple[_Unit, list[PlannedPick]]], strategy: str
) -> PlannedCart:
    in_route_order = [
        chosen[batch.picks[k].order_id][1][batch.picks[k].line] for k in batch.route.sequence
    ]
    if strategy == Strategy.PICK_BY_ORDER:
        stops = tuple(
            PlannedStop(p.stock_id, p.sku_id, p.qty, p.point, p.order_id, p) for p in in_route_order
        )
    else:
        totals: dict[int, PlannedStop] = {}
        for p in in_route_order:
            seen = totals.get(p.stock_id)
            qty = p.qty + (seen.qty if seen else 0)
            totals[p.stock_id] = PlannedStop(p.stock_id, p.sku_id, qty, p.point, None, None)
        stops = tuple(totals.values())  # dicts keep first-visit order
    order_ids = tuple(order_id for k in batch.order_ids for order_id in chosen[k][0].order_ids)
    return PlannedCart(order_ids, stops, batch.route.length, batch.s_shape_length)


def plan_carts(layout: Layout, orders: Sequence[BatchOrder], capacity: CartCapacity) -> BatchPlan:
    """`plan_batches` over the wave's `savings_chunks`, put back together."""
    parts = [plan_batches(layout, chunk, capacity) for chunk in savings_chunks(layout, orders)]
    return BatchPlan(
        tuple(batch for part in parts for batch in part.batches),
        sum(part.best_length for part in parts),
        sum(part.s_shape_length for part in parts),
        sum(part.pick_by_order_length for part in parts),
    )


def savings_chunks(
    layout: Layout, orders: Sequence[BatchOrder], size: int = SAVINGS_CHUNK
) -> list[list[BatchOrder]]:
    """The wave as is up to `size` orders; beyond, sorted by where the orders walk and cut into
    chunks of that size (emptying part-full carts costs more than linearly in a chunk)."""
    if len(orders) <= size:
        return [list(orders)]
    ordered = sorted(orders, key=lambda order: _footprint_key(layout, order.picks))
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def _footprint_key(layout: Layout, picks: Sequence[PickPoint]) -> tuple[int, int, float]:
    """Orders that reach equally far sideways, in the same blocks, sort together."""
    if not picks:
        return 0, 0, 0.0
    reach = max(abs(point.aisle - layout.depot_aisle) for point in picks)
    blocks = 0
    for point in picks:
        blocks |= 1 << layout.block_of(point.position)
    return reach // 3, blocks, sum(point.aisle for point in picks) / len(picks)


# --- loading --------------------------------------------------------------------------------------


def _candidate_units(session: Session, rules: WaveRules) -> list[_Unit]:
    """Ready orders matching the rules, as shipments; a merge group waits for all its orders."""
    query = select(
        Order.id, Order.carrier, Order.service, Order.priority, Order.ship_by, Order.merge_group
    ).where(Order.status == OrderStatus.READY)
    if rules.carrier is not None:
        query = query.where(Order.carrier == rules.carrier)
    if rules.shop is not None:
        query = query.where(Order.shop == rules.shop)
    orders = rows_of(session, query).all()
    waiting = set(
        rows_of(
            session,
            select(Order.merge_group).where(
                Order.status.in_((OrderStatus.NEW, OrderStatus.HELD)),
                Order.merge_group.is_not(None),
            ),
        ).scalars()
    )
    cutoffs = _cutoffs_today(session)
    grouped: dict[str | int, _Unit] = {}
    for row in orders:
        if row.merge_group in waiting:
            continue
        deadline = as_utc(row.ship_by) or cutoffs.get((row.carrier, row.service)) or _FAR_FUTURE
        key = row.merge_group if row.merge_group is not None else row.id
        unit = grouped.setdefault(key, _Unit([], [], deadline, row.priority))
        unit.order_ids.append(row.id)
        unit.deadline = min(unit.deadline, deadline)
        unit.priority = max(unit.priority, row.priority)
    units = list(grouped.values())
    due = _today_at(session, rules.due_by) if rules.due_by is not None else None
    if due is not None:
        units = [unit for unit in units if unit.deadline <= due]
    return units


def _matches(unit: _Unit, rules: WaveRules) -> bool:
    if not unit.lines:
        return False
    if rules.min_priority is not None and unit.priority < rules.min_priority:
        return False
    return rules.single_item is None or (unit.items == 1) == rules.single_item


def _read_lines(session: Session, units: Sequence[_Unit]) -> None:
    """Fill in the lines still to pick of these units' orders."""
    unit_of = {order_id: unit for unit in units for order_id in unit.order_ids}
    ids = sorted(unit_of)
    for start in range(0, len(ids), _LINE_PAGE):
        rows = rows_of(
            session,
            select(
                OrderLine.order_id, OrderLine.id, OrderLine.sku_id, OrderLine.qty - OrderLine.picked
            )
            .where(
                OrderLine.order_id.in_(ids[start : start + _LINE_PAGE]),
                OrderLine.sku_id.is_not(None),
            )
            .order_by(OrderLine.id),
        )
        for order_id, line_id, sku_id, qty in rows:
            if qty > 0:
                unit_of[order_id].lines.append((order_id, line_id, sku_id, qty))


def _cutoffs_today(session: Session) -> dict[tuple[str, str], datetime]:
    """(carrier code, service code) → today's cut-off, from local HH:MM to UTC."""
    cutoffs = {}
    rows = session.execute(
        select(Carrier.code, CarrierService.code, CarrierService.cutoff_local).join(
            Carrier, Carrier.id == CarrierService.carrier_id
        )
    )
    for carrier, service, local in rows:
        moment = _today_at(session, local)
        if moment is not None:  # an unreadable cut-off orders like none at all
            cutoffs[carrier, service] = moment
    return cutoffs


def _local_time(text: str) -> time | None:
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return time(hour, minute)
    except ValueError:
        return None


def _today_at(session: Session, local: str) -> datetime | None:
    """Local HH:MM today in the warehouse's time zone, as UTC; None if unreadable."""
    zone = ZoneInfo(get_setting(session, "timezone"))
    moment = _local_time(local)
    if moment is None:
        return None
    return datetime.combine(datetime.now(zone).date(), moment, tzinfo=zone).astimezone(UTC)


def _free_lots(session: Session, zone: str | None) -> tuple[list[Lot], dict[int, int]]:
    query = (
        select(
            Stock.id,
            Stock.sku_id,
            Stock.expiry,
            Stock.received_at,
            Stock.on_hand - Stock.allocated,
            Location.aisle,
            Location.position_m,
        )
        .join(Location, Location.id == Stock.location_id)
        .where(Location.pickable.is_(True), Stock.on_hand - Stock.allocated > 0)
    )
    if zone is not None:
        query = query.where(Location.zone == zone)
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


def _sku_litres(session: Session, sku_ids: set[int]) -> dict[int, float]:
    if not sku_ids:
        return {}
    rows = session.execute(
        select(Sku.id, Sku.length_mm * Sku.width_mm * Sku.height_mm).where(Sku.id.in_(sku_ids))
    )
    return {sku_id: (volume or 0) / 1_000_000 for sku_id, volume in rows}


def _cart_capacity(session: Session, strategy: str) -> CartCapacity:
    """Pick-by-order: the cart's totes. Batch: the put wall's slots (one per order)."""
    volume = float(get_setting(session, "cart_volume_l"))
    if strategy == Strategy.BATCH:
        slots = (
            session.execute(select(func.count()).select_from(WallSlot).group_by(WallSlot.wall))
            .scalars()
            .all()
        )
        if slots:
            return CartCapacity(max(slots), volume)
    return CartCapacity(int(get_setting(session, "cart_totes")), volume)


# --- pause, resume, cancel ------------------------------------------------------------------------

_PAUSABLE = (WaveStatus.RELEASED, WaveStatus.PICKING)
_CANCELLABLE = (WaveStatus.PLANNED, WaveStatus.RELEASED, WaveStatus.PAUSED, WaveStatus.PICKING)


def pause_wave(store: Store, actor: Actor, wave_id: int) -> WaveResult:
    """No new pick list of a paused wave can be claimed; claimed ones finish."""
    with store.write() as session:
        wave = session.get(Wave, wave_id)
        if wave is None or wave.status not in _PAUSABLE:
            return _refuse(session, actor, "wave-pause", wave_id, wave)
        wave.status = WaveStatus.PAUSED
        record(session, actor, "wave-pause", task_ref=f"WAVE-{wave_id}")
        return WaveResult(True, status=wave.status)


def resume_wave(store: Store, actor: Actor, wave_id: int) -> WaveResult:
    """Back to `picking` if any pick list was started, else `released`."""
    with store.write() as session:
        wave = session.get(Wave, wave_id)
        if wave is None or wave.status != WaveStatus.PAUSED:
            return _refuse(session, actor, "wave-resume", wave_id, wave)
        started = session.execute(
            select(func.count())
            .select_from(PickTask)
            .where(PickTask.wave_id == wave_id, PickTask.status != TaskStatus.OPEN)
        ).scalar_one()
        wave.status = WaveStatus.PICKING if started else WaveStatus.RELEASED
        record(session, actor, "wave-resume", task_ref=f"WAVE-{wave_id}")
        return WaveResult(True, status=wave.status)


def cancel_wave(store: Store, actor: Actor, wave_id: int) -> WaveResult:
    """Give back every unpicked allocation; orders with nothing picked go back to `ready`,
    orders with items picked are held until those items are put back."""
    with store.write() as session:
        wave = session.get(Wave, wave_id)
        if wave is None or wave.status not in _CANCELLABLE:
            return _refuse(session, actor, "wave-cancel", wave_id, wave)
        _release_allocations(session, wave_id)
        session.execute(
            text(
                "UPDATE picktask SET status = :cancelled WHERE wave_id = :wave AND status != :done"
            ),
            {
                "cancelled": TaskStatus.CANCELLED.value,
                "done": TaskStatus.DONE.value,
                "wave": wave_id,
            },
        )
        _return_orders(session, wave_id)
        wave.status = WaveStatus.CANCELLED
        record(session, actor, "wave-cancel", task_ref=f"WAVE-{wave_id}")
        return WaveResult(True, status=wave.status)


def _refuse(
    session: Session, actor: Actor, action: str, wave_id: int, wave: Wave | None
) -> WaveResult:
    if wave is None:
        reason = _("No such wave: {id}").format(id=wave_id)
    else:
        reason = _("Wave {id} is {status}: not possible now").format(id=wave_id, status=wave.status)
    record(session, actor, action, accepted=False, reason=reason, task_ref=f"WAVE-{wave_id}")
    return WaveResult(False, reason, wave.status if wave else "")


def _release_allocations(session: Session, wave_id: int) -> None:
    rows = session.execute(
        select(Allocation.id, Allocation.stock_id, Allocation.qty - Allocation.picked)
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.wave_id == wave_id, Allocation.qty > Allocation.picked)
        .order_by(Allocation.stock_id)
    ).all()
    for allocation_id, stock_id, unpicked in rows:
        session.execute(
            text("UPDATE stock SET allocated = allocated - :q WHERE id = :id"),
            {"q": unpicked, "id": stock_id},
        )
        session.execute(
            text("UPDATE allocation SET qty = picked WHERE id = :id"), {"id": allocation_id}
        )


def _return_orders(session: Session, wave_id: int) -> None:
    picked = set(
        session.execute(
            select(OrderLine.order_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.wave_id == wave_id, OrderLine.picked > 0)
        ).scalars()
    )
    orders = session.execute(
        select(Order).where(Order.wave_id == wave_id, Order.status == OrderStatus.RELEASED)
    ).scalars()
    now = utcnow()
    for order in orders:
        order.updated_at = now
        if order.id in picked:
            order.status = OrderStatus.HELD
            order.hold_reason = _("wave {id} cancelled after picking: put the items back").format(
                id=wave_id
            )
        else:
            order.status = OrderStatus.READY
            order.wave_id = None
