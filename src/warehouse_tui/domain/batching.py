"""Group orders into picker batches (one cart each) so the total walk is short.

Clarke–Wright savings: every order starts as its own batch; the pair of batches whose joint
route saves the most against walking them apart is merged first, while the cart (totes and
volume) allows. During merging a route is estimated from its footprint — the aisles it enters
in each block and how far it strays from the depot sideways — which is cheap enough to compare
every pair of orders; the batches finally made are routed by the real router.

Savings are computed once per pair of orders and re-checked against the batches they now
belong to when popped (lazily: a merge whose saving shrank goes back in the queue), so a wave of
a few hundred orders plans in a fraction of a second.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import Route, plan_route
from warehouse_tui.i18n import _

_PARTNERS = 24
"""Savings are queued for each order's this-many best partners only: a far worse pair is
almost never the one that gets merged, and the queue stays small."""


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


class _Footprint(NamedTuple):
    """What the route estimate needs: the (block, aisle) cells entered and the sideways span
    from the depot."""

    cells: int
    """Bit block × aisles + aisle is set when the route enters that aisle in that block."""
    left: int
    right: int

    def union(self, other: _Footprint) -> _Footprint:
        return _Footprint(
            self.cells | other.cells, min(self.left, other.left), max(self.right, other.right)
        )


class _Estimator:
    """Route length from a footprint: each aisle entered in a block costs that block's depth
    (S-shape walks it once), and the sideways span is walked once per block worked plus once
    back along the front."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.spacing = layout.aisle_spacing
        crosses = layout.cross_positions
        whole = (1 << layout.aisles) - 1
        self.blocks = [
            (whole << (b * layout.aisles), crosses[b + 1] - crosses[b])
            for b in range(layout.blocks)
        ]
        self.walks: dict[int, tuple[float, int]] = {}
        """Cells → (`_along_and_worked`): batches and pairs often enter the same cells."""

    def footprint(self, points: Sequence[PickPoint]) -> _Footprint:
        depot = self.layout.depot_aisle
        cells = 0
        for point in points:
            cells |= 1 << (self.layout.block_of(point.position) * self.layout.aisles + point.aisle)
        aisles = [point.aisle for point in points]
        return _Footprint(cells, min([depot, *aisles]), max([depot, *aisles]))

    def length(self, footprint: _Footprint) -> float:
        return self.cells_length(footprint.cells, footprint.right - footprint.left)

    def cells_length(self, cells: int, span: int) -> float:
        walked = self.walks.get(cells)
        if walked is None:
            walked = self.walks[cells] = _along_and_worked(cells, self.blocks)
        return walked[0] + walked[1] * span * self.spacing


class _Batches:
    """The batches being merged, keyed by the index of their first order."""

    def __init__(self, orders: Sequence[Order], estimator: _Estimator) -> None:
        self.estimator = estimator
        self.batch_of = list(range(len(orders)))
        self.members = {k: [k] for k in range(len(orders))}
        self.totes = {k: order.totes for k, order in enumerate(orders)}
        self.volume = {k: order.volume for k, order in enumerate(orders)}
        self.shape = {k: estimator.footprint(order.picks) for k, order in enumerate(orders)}
        self.length = {k: estimator.length(shape) for k, shape in self.shape.items()}

    def fit(self, a: int, b: int, capacity: CartCapacity) -> bool:
        return (
            self.totes[a] + self.totes[b] <= capacity.max_totes
            and self.volume[a] + self.volume[b] <= capacity.max_volume
        )

    def saving_only(self, a: int, b: int) -> float:
        """`saving(a, b)[0]` without building the merged footprint."""
        cells_a, left_a, right_a = self.shape[a]
        cells_b, left_b, right_b = self.shape[b]
        span = (right_a if right_a > right_b else right_b) - (left_a if left_a < left_b else left_b)
        merged = self.estimator.cells_length(cells_a | cells_b, span)
        return self.length[a] + self.length[b] - merged

    def saving(self, a: int, b: int) -> tuple[float, _Footprint, float]:
        merged = self.shape[a].union(self.shape[b])
        merged_length = self.estimator.length(merged)
        return self.length[a] + self.length[b] - merged_length, merged, merged_length

    def merge(self, a: int, b: int, shape: _Footprint, length: float) -> None:
        for k in self.members[b]:
            self.batch_of[k] = a
        self.members[a] += self.members.pop(b)
        self.totes[a] += self.totes.pop(b)
        self.volume[a] += self.volume.pop(b)
        del self.shape[b], self.length[b]
        self.shape[a], self.length[a] = shape, length


def savings_groups(
    layout: Layout, orders: Sequence[Order], capacity: CartCapacity
) -> list[list[int]]:
    """Clarke–Wright batches as lists of indices into `orders`, biggest saving merged first.

    First the pairs of orders that save most, each pair re-checked against the batches its
    orders are in when its turn comes; then whatever batches still fit together, pair by pair.
    """
    batches = _Batches(orders, _Estimator(layout))
    _merge_order_pairs(batches, _order_pair_savings(orders, capacity, batches), capacity)
    _merge_batch_pairs(batches, capacity)
    return list(batches.members.values())


def _merge_order_pairs(
    batches: _Batches, queue: list[tuple[float, int, int]], capacity: CartCapacity
) -> None:
    while queue:
        queued, i, j = heapq.heappop(queue)
        a, b = batches.batch_of[i], batches.batch_of[j]
        if a == b or not batches.fit(a, b, capacity):
            continue
        saving, shape, length = batches.saving(a, b)
        if queue and saving < -queued - 1e-9 and saving < -queue[0][0] - 1e-9:
            heapq.heappush(queue, (-saving, i, j))  # shrank since queued: wait its turn
            continue
        batches.merge(a, b, shape, length)


def _merge_batch_pairs(batches: _Batches, capacity: CartCapacity) -> None:
    """Every pair of batches that fits in a cart, biggest saving first.

    The queue holds each batch's best partner only (the best pair overall is then in it too);
    an entry whose partner has changed since is replaced by the batch's new best partner. A
    batch that cannot take even the smallest other batch is left out: batches only grow, so it
    never fits again."""
    least_totes = min(batches.totes.values(), default=0)
    least_volume = min(batches.volume.values(), default=0.0)

    def has_room(a: int) -> bool:
        return (
            batches.totes[a] + least_totes <= capacity.max_totes
            and batches.volume[a] + least_volume <= capacity.max_volume
        )

    room = sorted(k for k in batches.members if has_room(k))
    version = dict.fromkeys(batches.members, 0)
    best: dict[int, tuple[float, int]] = {}
    for n, a in enumerate(room):
        for b in room[n + 1 :]:
            if batches.fit(a, b, capacity):
                saving = batches.saving_only(a, b)
                if a not in best or saving > best[a][0]:
                    best[a] = saving, b
                if b not in best or saving > best[b][0]:
                    best[b] = saving, a
    queue = [(-saving, a, b, 0, 0) for a, (saving, b) in best.items()]
    heapq.heapify(queue)
    open_batches = set(room)

    def queue_best_partner(a: int) -> None:
        partners = [
            (batches.saving_only(a, c), -c)
            for c in open_batches
            if c != a and batches.fit(a, c, capacity)
        ]
        if partners:
            saving, negative = max(partners)  # on a tie, the first batch
            b = -negative
            heapq.heappush(queue, (-saving, a, b, version[a], version[b]))

    while queue:
        _, a, b, version_a, version_b = heapq.heappop(queue)
        if version.get(a) != version_a:
            continue  # merged away, or changed and queued again then
        if version.get(b) != version_b:
            queue_best_partner(a)
            continue
        _, shape, length = batches.saving(a, b)
        batches.merge(a, b, shape, length)
        del version[b]
        version[a] += 1
        open_batches.discard(b)
        if has_room(a):
            queue_best_partner(a)
        else:
            open_batches.discard(a)


def _order_pair_savings(
    orders: Sequence[Order], capacity: CartCapacity, batches: _Batches
) -> list[tuple[float, int, int]]:
    """A heap of (−saving, i, j) for the best few partners j of each order i that can share
    a cart with it.

    The saving depends on the two footprints only, and many orders share one (the popular
    slots near the depot), so it is computed once per pair of distinct footprints; each
    order then takes its partners from its footprint's ranking."""
    estimator = batches.estimator
    spacing = estimator.layout.aisle_spacing
    blocks = estimator.blocks
    group_of: dict[_Footprint, int] = {}
    members: list[list[int]] = []
    for k in range(len(orders)):
        group = group_of.setdefault(batches.shape[k], len(members))
        if group == len(members):
            members.append([])
        members[group].append(k)
    shapes = list(group_of)
    alone = [estimator.length(shape) for shape in shapes]
    ranking: list[list[tuple[float, int]]] = [[] for _ in shapes]
    walks = estimator.walks
    for f, (cells_f, left_f, right_f) in enumerate(shapes):
        ranked_f = ranking[f]
        alone_f = alone[f]
        for g in range(f, len(shapes)):
            cells_g, left_g, right_g = shapes[g]
            cells = cells_f | cells_g
            walked = walks.get(cells)
            if walked is None:
                walked = walks[cells] = _along_and_worked(cells, blocks)
            span = (right_f if right_f > right_g else right_g) - (
                left_f if left_f < left_g else left_g
            )
            saving = alone_f + alone[g] - walked[0] - walked[1] * span * spacing
            ranked_f.append((saving, g))
            if g != f:
                ranking[g].append((saving, f))
    for ranked in ranking:
        ranked.sort(reverse=True)
    totes = [order.totes for order in orders]
    volume = [order.volume for order in orders]
    queue: dict[tuple[int, int], float] = {}
    for group, ranked in enumerate(ranking):
        for i in members[group]:
            room_totes = capacity.max_totes - totes[i]
            room_volume = capacity.max_volume - volume[i]
            wanted = _PARTNERS
            for saving, j in _by_saving(ranked, members):
                if j == i or totes[j] > room_totes or volume[j] > room_volume:
                    continue
                queue[min(i, j), max(i, j)] = -saving
                wanted -= 1
                if not wanted:
                    break
    heap = [(negative, i, j) for (i, j), negative in queue.items()]
    heapq.heapify(heap)
    return heap


def _by_saving(
    ranked: list[tuple[float, int]], members: list[list[int]]
) -> Iterator[tuple[float, int]]:
    """(saving, order) for the members of the `ranked` footprints, biggest first (then the
    higher order index, as a ranking of the orders themselves would have them)."""
    k = 0
    while k < len(ranked):
        saving = ranked[k][0]
        tied: list[int] = []
        while k < len(ranked) and ranked[k][0] == saving:
            tied += members[ranked[k][1]]
            k += 1
        for j in sorted(tied, reverse=True):
            yield saving, j


def _along_and_worked(cells: int, blocks: list[tuple[int, float]]) -> tuple[float, int]:
    """The metres walked along aisles for `cells`, and how many times the span is crossed."""
    along, worked = 0.0, 1
    for mask, depth in blocks:
        entered = (cells & mask).bit_count()
        if entered:
            along += entered * depth
            worked += 1
    return along, worked
