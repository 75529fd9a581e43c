"""Group orders into picker batches (one cart each) so the total walk is short.

Clarke–Wright savings: every order starts as its own batch; the pair of batches whose joint
route saves the most against walking them apart is merged first, while the cart (totes and
volume) allows. During merging a route is estimated from its footprint — the aisles it enters
in each block and how far it strays from the depot sideways — and the batches finally made are
routed by the real router.

Savings are computed only for batches that enter a common cell (aisle and block) and come
close in footprint order, and re-checked against the batches they have joined when popped
(lazily: a merge whose saving shrank goes back in the queue). Merging whole batches leaves
some carts part-full; those are then emptied into the others where that saves walking. A
wave of 500 orders plans in a few milliseconds; as emptying compares part-full carts with
each other, a much bigger wave is best cut into chunks of orders that walk alike.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import Route, plan_route
from warehouse_tui.i18n import _


@dataclass(frozen=True)
class Order:
    order_id: Hashable
    picks: tuple[PickPoint, ...]
    volume: float = 0.0
    """In the unit of `CartCapacity.max_volume` (litres, cm³: the caller's choice)."""
    totes: int = 1


@dataclass(frozen=True)
class CartCapacity:
    max_totes: int
    max_volume: float

    def __post_init__(self) -> None:
        if self.max_totes < 1 or self.max_volume <= 0:
            raise ValueError(_("a cart must hold at least one tote and some volume"))


@dataclass(frozen=True)
class BatchPick:
    order_id: Hashable
    line: int
    """Index of this pick in its order's `picks`."""
    point: PickPoint


@dataclass(frozen=True)
class Batch:
    order_ids: tuple[Hashable, ...]
    picks: tuple[BatchPick, ...]
    totes: int
    volume: float
    route: Route
    """The `best` route; its sequence indexes `picks`."""
    s_shape_length: float


@dataclass(frozen=True)
class BatchPlan:
    batches: tuple[Batch, ...]
    best_length: float
    """Total walk of the batches with the routes waves use."""
    s_shape_length: float
    """The same batches routed by S-shape."""
    pick_by_order_length: float
    """One `best` route per order, each walked alone."""


def plan_batches(layout: Layout, orders: Sequence[Order], capacity: CartCapacity) -> BatchPlan:
    """Batches for `orders`; an order too big for a cart on its own gets a cart to itself."""
    if len({order.order_id for order in orders}) != len(orders):
        raise ValueError(_("an order appears twice in the wave"))
    for order in orders:
        for pick in order.picks:
            layout.check_point(pick)
    groups = savings_groups(layout, orders, capacity)
    batches = tuple(_routed_batch(layout, [orders[k] for k in group]) for group in groups)
    alone = sum(plan_route(layout, order.picks, "best").length for order in orders)
    return BatchPlan(
        batches,
        sum(batch.route.length for batch in batches),
        sum(batch.s_shape_length for batch in batches),
        alone,
    )


def _routed_batch(layout: Layout, orders: list[Order]) -> Batch:
    picks = tuple(
        BatchPick(order.order_id, line, point)
        for order in orders
        for line, point in enumerate(order.picks)
    )
    points = [pick.point for pick in picks]
    return Batch(
        tuple(order.order_id for order in orders),
        picks,
        sum(order.totes for order in orders),
        sum(order.volume for order in orders),
        plan_route(layout, points, "best"),
        plan_route(layout, points, "s-shape").length,
    )


# --- savings ----------------------------------------------------------------------------------

_NEIGHBOURS = 2
"""Savings are computed for each batch and the next this-many batches, in footprint order, that
enter the same cell: batches worth merging share cells and stray sideways alike, and the pairs
stay linear in the wave."""

_Footprint = tuple[int, int, int, int, float]
"""(cells, left, right, blocks, across): bit block × aisles + aisle of `cells` is set when the
route enters that aisle in that block, bit b of `blocks` when it works block b; `left` and
`right` are the outermost aisles it reaches, the depot's included; `across` is the walk
sideways (`_Estimator.across`)."""


class _Estimator:
    """Route length from a footprint: each cell costs its block's depth (S-shape walks it once),
    and the sideways span is walked once per block worked plus once back along the front."""

    def __init__(self, layout: Layout) -> None:
        self.aisles = layout.aisles
        self.depot = layout.depot_aisle
        self.cross_aisles = layout.cross_aisles
        self.spacing = layout.aisle_spacing
        crosses = layout.cross_positions
        whole = (1 << layout.aisles) - 1
        self.blocks = [
            (whole << (b * layout.aisles), crosses[b + 1] - crosses[b])
            for b in range(layout.blocks)
        ]
        self.along_of: dict[int, float] = {}
        """Cells → metres along their aisles: batches and pairs often share cells."""
        self.across_per_aisle = [
            self.spacing * (1 + blocks.bit_count()) for blocks in range(1 << layout.blocks)
        ]
        """Blocks worked → metres walked sideways per aisle of span."""

    def footprint(self, points: Sequence[PickPoint]) -> _Footprint:
        cross_aisles, aisles = self.cross_aisles, self.aisles
        cells = blocks = 0
        left = right = self.depot
        for aisle, position in points:
            block = bisect_right(cross_aisles, position)  # as Layout.block_of
            cells |= 1 << (block * aisles + aisle)
            blocks |= 1 << block
            if aisle < left:
                left = aisle
            elif aisle > right:
                right = aisle
        return cells, left, right, blocks, self.across(left, right, blocks)

    def union(self, a: _Footprint, b: _Footprint) -> _Footprint:
        left, right, blocks = min(a[1], b[1]), max(a[2], b[2]), a[3] | b[3]
        return a[0] | b[0], left, right, blocks, self.across(left, right, blocks)

    def along(self, cells: int) -> float:
        along = self.along_of.get(cells)
        if along is None:
            along = 0.0
            for mask, depth in self.blocks:
                along += depth * (cells & mask).bit_count()
            self.along_of[cells] = along
        return along

    def across(self, left: int, right: int, blocks: int) -> float:
        return (right - left) * self.across_per_aisle[blocks]

    def length(self, footprint: _Footprint) -> float:
        return self.along(footprint[0]) + footprint[4]

    def saving(self, a: _Footprint, b: _Footprint) -> float:
        """Estimated walk of `a` and `b` apart minus together: the cells both enter, and the
        span walked fewer times."""
        shared = self.along_of.get(a[0] & b[0])
        if shared is None:
            shared = self.along(a[0] & b[0])
        left = a[1] if a[1] < b[1] else b[1]
        right = a[2] if a[2] > b[2] else b[2]
        return shared + a[4] + b[4] - (right - left) * self.across_per_aisle[a[3] | b[3]]


class _Batches:
    """The batches being merged, each known by the index of its first order, with what the
    cart limits and the route estimate need.

    They start as the orders, each joining the last batch of orders with its footprint if the
    cart has room: together they walk no further than one of them alone."""

    def __init__(self, orders: Sequence[Order], capacity: CartCapacity, layout: Layout) -> None:
        self.estimator = estimator = _Estimator(layout)
        self.max_totes, self.max_volume = capacity.max_totes, capacity.max_volume
        self.of_order = [estimator.footprint(order.picks) for order in orders]
        self.order_totes = [order.totes for order in orders]
        self.order_volume = [order.volume for order in orders]
        self.batch_of = list(range(len(orders)))
        self.members: dict[int, list[int]] = {}
        self.totes = list(self.order_totes)
        self.volume = list(self.order_volume)
        self.footprint = list(self.of_order)
        last_alike: dict[_Footprint, int] = {}
        for k, footprint in enumerate(self.of_order):
            a = last_alike.get(footprint)
            if a is not None and self.fit(a, k):
                self.batch_of[k] = a
                self.members[a].append(k)
                self.totes[a] += self.totes[k]
                self.volume[a] += self.volume[k]
            else:
                last_alike[footprint] = k
                self.members[k] = [k]

    def fit(self, a: int, b: int) -> bool:
        return (
            self.totes[a] + self.totes[b] <= self.max_totes
            and self.volume[a] + self.volume[b] <= self.max_volume
        )

    def merge(self, a: int, b: int) -> None:
        for k in self.members[b]:
            self.batch_of[k] = a
        self.members[a] += self.members.pop(b)
        self.totes[a] += self.totes[b]
        self.volume[a] += self.volume[b]
        self.footprint[a] = self.estimator.union(self.footprint[a], self.footprint[b])

    def move(self, k: int, a: int) -> None:
        """Order `k`, out of a batch being emptied, into batch `a`."""
        self.batch_of[k] = a
        self.members[a].append(k)
        self.totes[a] += self.order_totes[k]
        self.volume[a] += self.order_volume[k]
        self.footprint[a] = self.estimator.union(self.footprint[a], self.of_order[k])


def savings_groups(
    layout: Layout, orders: Sequence[Order], capacity: CartCapacity
) -> list[list[int]]:
    """Clarke–Wright batches as lists of indices into `orders`, biggest saving merged first.

    Orders with the same footprint share carts first (`_Batches`); then neighbouring batches
    merge, each pair re-checked when its turn comes; last, part-full carts are emptied into
    the others where that saves walking.
    """
    batches = _Batches(orders, capacity, layout)
    _merge_neighbours(batches)
    _empty_part_full(batches)
    return list(batches.members.values())


def _merge_neighbours(batches: _Batches) -> None:
    """Merge each batch with its `_NEIGHBOURS`, biggest saving first; a pair stands for the
    batches its two have joined since, and waits its turn again if that saves less."""
    queue = _neighbour_savings(batches)
    saving, footprint, batch_of = batches.estimator.saving, batches.footprint, batches.batch_of
    while queue:
        queued, i, j = heapq.heappop(queue)
        a, b = batch_of[i], batch_of[j]
        if a == b or not batches.fit(a, b):
            continue
        now = saving(footprint[a], footprint[b])
        if queue and now < -queued - 1e-9 and now < -queue[0][0] - 1e-9:
            heapq.heappush(queue, (-now, i, j))  # shrank since queued: wait its turn
            continue
        batches.merge(a, b)


def _neighbour_savings(batches: _Batches) -> list[tuple[float, int, int]]:
    """A heap of (−saving, a, b) for each batch a and the next `_NEIGHBOURS` batches b that
    enter each of its cells, in footprint order (how far they stray sideways, where, which
    blocks and cells), and can share a cart with it."""

    def place(a: int) -> tuple[int, int, int, int]:
        cells, left, right, blocks, _across = batches.footprint[a]
        return right - left, left, blocks, cells

    in_cell: dict[int, list[int]] = defaultdict(list)
    for a in sorted(batches.members, key=place):
        cells = batches.footprint[a][0]
        while cells:
            cell = cells & -cells
            cells ^= cell
            in_cell[cell].append(a)
    pairs = {
        (a, b)
        for entering in in_cell.values()
        for n, a in enumerate(entering)
        for b in entering[n + 1 : n + 1 + _NEIGHBOURS]
    }
    saving, footprint = batches.estimator.saving, batches.footprint
    heap = [(-saving(footprint[a], footprint[b]), a, b) for a, b in pairs if batches.fit(a, b)]
    heapq.heapify(heap)
    return heap


def _empty_part_full(batches: _Batches) -> None:
    """Empty a part-full cart into the others, emptiest first, when all its orders fit there
    and that walks no further, by the estimate.

    Merging only whole batches leaves carts part-full (no two of them fit together, or no
    neighbours were left to pair); emptying one saves its walk for a little more elsewhere."""
    while True:
        part_full = sorted(
            (a for a in batches.members if batches.totes[a] < batches.max_totes),
            key=lambda a: (batches.totes[a], batches.volume[a], a),
        )
        for emptied in part_full:
            moves = _spread(batches, emptied, [a for a in part_full if a != emptied])
            if moves is not None:
                del batches.members[emptied]
                for k, into in moves:
                    batches.move(k, into)
                break
        else:
            return


def _spread(batches: _Batches, emptied: int, others: list[int]) -> list[tuple[int, int]] | None:
    """(order, batch) for each order of `emptied` into the batch among `others` it saves most
    with, where it fits; None if one does not fit or the others would walk further than
    `emptied` does."""
    estimator = batches.estimator
    totes = {a: batches.totes[a] for a in others}
    volume = {a: batches.volume[a] for a in others}
    footprint = {a: batches.footprint[a] for a in others}
    added = 0.0
    moves = []
    for k in batches.members[emptied]:
        order, need_totes, need_volume = (
            batches.of_order[k],
            batches.order_totes[k],
            batches.order_volume[k],
        )
        best, into = -math.inf, -1
        for a in others:
            if (
                totes[a] + need_totes <= batches.max_totes
                and volume[a] + need_volume <= batches.max_volume
            ):
                saving = estimator.saving(order, footprint[a])
                if saving > best:
                    best, into = saving, a
        if into < 0:
            return None
        added += estimator.length(order) - best
        footprint[into] = estimator.union(footprint[into], order)
        totes[into] += need_totes
        volume[into] += need_volume
        moves.append((k, into))
    if added > estimator.length(batches.footprint[emptied]):
        return None
    return moves
