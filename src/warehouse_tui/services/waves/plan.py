"""Planning a wave: choose its shipments, allocate them in memory, cut them into routed carts.

A plan changes nothing: `preview_wave` shows it; `release.release_wave` plans in a read
transaction and writes the plan in a short write of its own. Planning is a read of the
candidates and free stock (`candidates`), the allocation rule (`domain.allocation`), the
savings batching of `domain.batching` and each cart's `best` route; only the choosing of
units, in urgency order under the rules' limits, and the shape of a cart's stops per strategy
live here.

What the carts would walk by S-shape, and what the orders would walk picked one by one, are
comparisons for a person deciding on a wave: they route every cart twice more and every order
on its own, which costs more than the planning itself, so only the preview, which shows them,
computes them (`compare_walks`); a release plans and writes the carts alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from sqlmodel import Session

from warehouse_tui.domain.allocation import Allocator
from warehouse_tui.domain.batching import CartCapacity, savings_groups
from warehouse_tui.domain.batching import Order as BatchOrder
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import Route, plan_route
from warehouse_tui.services.audit import run_audit
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.settings import warehouse_layout
from warehouse_tui.services.waves.candidates import (
    LINE_PAGE,
    Unit,
    candidate_units,
    cart_capacity,
    free_lots,
    matches,
    read_lines,
    sku_litres,
)
from warehouse_tui.services.waves.rules import WaveRules
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Strategy

SAVINGS_CHUNK = 1000
"""Savings pair each unit with a few neighbours, but part-full carts are compared with each other,
so a bigger wave is cut into spatially sorted chunks of this many units, each batched on its own
(a unit's best partners are near it anyway)."""


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


@dataclass(frozen=True)
class Cart:
    """A cart of the wave's orders (indexes into them) and its `best` route, whose sequence
    indexes `points`: the picks of its orders, one after the other; pick k is line `line[k]`
    of order `owner[k]` (plain integers: a wave has thousands of picks)."""

    orders: tuple[int, ...]
    points: tuple[PickPoint, ...]
    owner: tuple[int, ...]
    line: tuple[int, ...]
    route: Route


@dataclass(frozen=True)
class Comparison:
    """What the planned carts would walk by S-shape, and the orders picked one by one."""

    s_shape_m: float
    pick_by_order_m: float


@dataclass(frozen=True)
class WavePlan:
    rules: WaveRules
    order_ids: tuple[int, ...]
    lines: int
    picks: tuple[PlannedPick, ...]
    carts: tuple[PlannedCart, ...]
    best_m: float
    compared: Comparison | None = None
    """The preview's comparisons (`compare_walks`); None for a release."""

    def summary(self) -> dict[str, Any]:
        """The preview contract: orders, lines, picks (stops), batches (carts), walk_m — the
        planned walk, and with the comparisons the walks by S-shape and order by order."""
        walk = {"best": round(self.best_m, 1)}
        if self.compared is not None:
            walk["s_shape"] = round(self.compared.s_shape_m, 1)
            walk["pick_by_order"] = round(self.compared.pick_by_order_m, 1)
        return {
            "orders": len(self.order_ids),
            "lines": self.lines,
            "picks": sum(len(cart.stops) for cart in self.carts),
            "batches": len(self.carts),
            "walk_m": walk,
        }


def preview_wave(store: Store, actor: Actor, rules: WaveRules) -> WavePlan:
    """Audit the new orders (committed), then plan the wave without changing anything else,
    with the walks it is compared with."""
    with store.write() as session:
        run_audit(session, actor)
        record(session, actor, "wave-preview", raw=rules.as_text())
    with store.read() as session:
        return plan_wave(session, rules, compare=True)


def plan_wave(session: Session, rules: WaveRules, *, compare: bool = False) -> WavePlan:
    """Choose the wave's orders, allocate them in memory and plan its pick lists (and with
    `compare`, the walks a preview compares them with)."""
    layout = warehouse_layout(session)
    lots, free = free_lots(session, rules.zone)
    allocator = Allocator(lots, free)
    chosen = _select(session, candidate_units(session, rules), rules, allocator)
    volumes = sku_litres(session, {line[2] for unit, _picks in chosen for line in unit.lines})
    capacity = cart_capacity(session, rules.strategy)
    orders = [
        BatchOrder(
            index,
            tuple(pick.point for pick in picks),
            volume=sum(volumes.get(line[2], 0.0) * line[3] for line in unit.lines),
            totes=len(unit.order_ids),
        )
        for index, (unit, picks) in enumerate(chosen)
    ]
    carts = plan_carts(layout, orders, capacity)
    plan = WavePlan(
        rules,
        tuple(sorted(order_id for unit, _picks in chosen for order_id in unit.order_ids)),
        sum(len(unit.lines) for unit, _picks in chosen),
        tuple(pick for _unit, picks in chosen for pick in picks),
        tuple(_cart(cart, chosen, rules.strategy) for cart in carts),
        sum(cart.route.length for cart in carts),
    )
    return replace(plan, compared=compare_walks(layout, orders, carts)) if compare else plan


def _pages(units: Iterable[Unit]) -> Iterator[list[Unit]]:
    iterator = iter(units)
    while page := list(islice(iterator, LINE_PAGE)):
        yield page


def _select(
    session: Session, units: Iterable[Unit], rules: WaveRules, allocator: Allocator
) -> list[tuple[Unit, list[PlannedPick]]]:
    """Most urgent first; units and their lines are read a page at a time, so a wave of 500
    costs the same whether 1k or 100k orders are ready."""
    chosen: list[tuple[Unit, list[PlannedPick]]] = []
    orders = lines = picks = 0
    for page in _pages(units):
        read_lines(session, page)
        for unit in page:
            if not matches(unit, rules):
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
                return chosen
    return chosen


def _allocate_unit(unit: Unit, allocator: Allocator) -> list[PlannedPick] | None:
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
    cart: Cart, chosen: Sequence[tuple[Unit, list[PlannedPick]]], strategy: str
) -> PlannedCart:
    in_route_order = [chosen[cart.owner[k]][1][cart.line[k]] for k in cart.route.sequence]
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
    order_ids = tuple(order_id for k in cart.orders for order_id in chosen[k][0].order_ids)
    return PlannedCart(order_ids, stops, cart.route.length)


def plan_carts(layout: Layout, orders: Sequence[BatchOrder], capacity: CartCapacity) -> list[Cart]:
    """The wave's carts: savings batches over its `savings_chunks`, each routed by `best`
    (an order too big for a cart on its own gets a cart to itself). `orders` are numbered
    by their place in the sequence (`BatchOrder.order_id`)."""
    carts = []
    for chunk in savings_chunks(layout, orders):
        for group in savings_groups(layout, chunk, capacity):
            members = [chunk[k] for k in group]
            numbers = tuple(_number(order) for order in members)
            points = tuple(point for order in members for point in order.picks)
            owner = tuple(k for k, order in zip(numbers, members, strict=True) for _ in order.picks)
            line = tuple(n for order in members for n in range(len(order.picks)))
            route = plan_route(layout, points, "best")
            carts.append(Cart(numbers, points, owner, line, route))
    return carts


def _number(order: BatchOrder) -> int:
    """The order's place among the wave's orders: its id, as `plan_carts` requires."""
    assert isinstance(order.order_id, int)
    return order.order_id


def compare_walks(
    layout: Layout, orders: Sequence[BatchOrder], carts: Sequence[Cart]
) -> Comparison:
    """The planned carts walked by S-shape, and each order walked alone by `best`."""
    s_shape = sum(plan_route(layout, cart.points, "s-shape").length for cart in carts)
    alone = sum(plan_route(layout, order.picks, "best").length for order in orders)
    return Comparison(s_shape, alone)


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
