"""Picker routes through a parallel-aisle warehouse.

Every method returns a visiting sequence; its length is always recomputed the same way — the
walk from the depot through the picks in sequence order along shortest paths and back — so
methods compare fairly.

- `optimal`, and `best` (what waves use): exact whenever the route uses at most two blocks (the
  front one and the one behind a middle cross-aisle) — the Ratliff & Rosenthal (1983) dynamic
  program, linear in the number of aisles, as Roodbergen & De Koster (2001) extend it to a
  middle cross-aisle. Deeper, `optimal` is Held-Karp up to `HELD_KARP_LIMIT` distinct stops and
  `best` beyond (then not exact); `best` is Held-Karp up to `_BEST_HELD_KARP_LIMIT` stops, else
  the best of the three heuristics improved by 2-opt and or-opt; up to `_KICK_LIMIT` stops that
  tour is then kicked out of its local optimum (iterated local search, below), which takes it
  to within 2% of the optimum on floors of three to five blocks (tests/test_routing.py checks
  it against an independent exact solver; bench/bench_routing.py prints the gap).
- `s-shape`, `largest-gap`, `combined`: the Roodbergen & De Koster (2001) multi-block versions
  (one block is just the simplest case), kept as baselines.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import product
from typing import Any, NamedTuple

from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.i18n import _

METHODS = ("optimal", "s-shape", "largest-gap", "combined", "best")
HELD_KARP_LIMIT = 12
"""Most distinct stops (depot not counted) `optimal` solves exactly on a route through more than
two blocks."""
_BEST_HELD_KARP_LIMIT = 10
"""Up to this many stops `best` solves those routes exactly too (a few milliseconds at ten;
every doubling of the work beyond buys one stop)."""
_KICK_LIMIT = 20
"""Up to this many stops `best` kicks its local optimum (`_kicked`); beyond, the kicks cost
more than they find on the routes a cart walks."""
_KICKS, _KICK_PATIENCE, _KICK_SEED = 40, 15, 3
"""At most this many kicks, stopping after `_KICK_PATIENCE` in a row that found nothing shorter:
measured on 291 random routes of 11-20 stops through 3-5 blocks, the worst gap went from 8.7%
(no kicks) to under 2%, the mean from 0.37% to 0.01%."""
_MULTI_START_LIMIT = 30
"""Up to this many stops `best` improves all three heuristics' routes, beyond only the
shortest (local search from each start costs more as routes grow, and gains less)."""
_EPSILON = 1e-9


@dataclass(frozen=True)
class Route:
    method: str
    exact: bool
    length: float
    sequence: tuple[int, ...]
    """Pick indices in visiting order."""


def route_length(layout: Layout, picks: Sequence[PickPoint], sequence: Iterable[int]) -> float:
    """Depot → picks in `sequence` order along shortest paths → depot."""
    total = 0.0
    here = layout.depot
    for index in sequence:
        total += layout.distance(here, picks[index])
        here = picks[index]
    return total + layout.distance(here, layout.depot)


def plan_route(layout: Layout, picks: Sequence[PickPoint], method: str = "best") -> Route:
    if method not in METHODS:
        raise ValueError(
            _("unknown routing method {method!r}; use one of: {methods}").format(
                method=method, methods=", ".join(METHODS)
            )
        )
    for pick in picks:
        layout.check_point(pick)
    stops = _Stops.of(layout, picks)
    if method == "optimal":
        order, exact = _optimal_order(layout, stops)
    elif method == "best":
        order, exact = _best_order(layout, stops)
    else:
        order, exact = _HEURISTICS[method](layout, stops.points), False
    sequence = stops.expand(order)
    return Route(method, exact, route_length(layout, picks, sequence), sequence)


# --- stops: picks merged by place ------------------------------------------------------------


@dataclass(frozen=True)
class _Stops:
    """The distinct places to visit (the depot's own place left out) and the picks at each."""

    at_depot: tuple[int, ...]
    points: tuple[PickPoint, ...]
    picks_at: dict[PickPoint, tuple[int, ...]]

    @classmethod
    def of(cls, layout: Layout, picks: Sequence[PickPoint]) -> _Stops:
        grouped: dict[PickPoint, list[int]] = defaultdict(list)
        for index, pick in enumerate(picks):
            grouped[PickPoint(pick.aisle, float(pick.position))].append(index)
        at_depot = tuple(grouped.pop(layout.depot, ()))
        return cls(at_depot, tuple(grouped), {p: tuple(i) for p, i in grouped.items()})

    def expand(self, order: Sequence[PickPoint]) -> tuple[int, ...]:
        return self.at_depot + tuple(i for point in order for i in self.picks_at[point])


def _distance_matrix(layout: Layout, points: Sequence[PickPoint]) -> list[list[float]]:
    """Shortest-path distances between the depot (index 0) and `points` (1..n).

    The same as `Layout.distance`, unrolled: two points in different aisles walk |dy| when a
    cross-aisle lies between them, else out to the nearer end of their shared block and back.
    """
    crosses = layout.cross_positions
    spacing = layout.aisle_spacing
    nodes = []
    for aisle, y in (layout.depot, *points):
        above = bisect_left(crosses, y)
        below = above if crosses[above] == y else above - 1
        nodes.append((aisle, y, crosses[below], crosses[above]))
    size = len(nodes)
    matrix = [[0.0] * size for _ in range(size)]
    for i in range(size):
        aisle_i, y_i, low_i, high_i = nodes[i]
        row = matrix[i]
        for j in range(i + 1, size):
            aisle_j, y_j, low_j, high_j = nodes[j]
            if aisle_i == aisle_j:
                walk = abs(y_i - y_j)
            elif high_i <= low_j or high_j <= low_i:
                walk = abs(aisle_i - aisle_j) * spacing + abs(y_i - y_j)
            else:
                walk = abs(aisle_i - aisle_j) * spacing + min(
                    y_i + y_j - 2 * low_i, 2 * high_i - y_i - y_j
                )
            row[j] = matrix[j][i] = walk
    return matrix


def _tour_cost(tour: Sequence[int], dist: list[list[float]]) -> float:
    return sum(dist[tour[k]][tour[k + 1]] for k in range(len(tour) - 1))


# --- optimal and best -------------------------------------------------------------------------


def _optimal_order(layout: Layout, stops: _Stops) -> tuple[list[PickPoint], bool]:
    blocks = _dp_blocks(layout, stops.points)
    if blocks <= _DP_MAX_BLOCKS:
        return _dp_order(layout, stops.points, blocks), True
    if len(stops.points) <= HELD_KARP_LIMIT:
        return _held_karp_order(layout, stops.points), True
    return _best_order(layout, stops)


def _best_order(layout: Layout, stops: _Stops) -> tuple[list[PickPoint], bool]:
    blocks = _dp_blocks(layout, stops.points)
    if blocks <= _DP_MAX_BLOCKS:
        return _dp_order(layout, stops.points, blocks), True
    if len(stops.points) <= _BEST_HELD_KARP_LIMIT:
        return _held_karp_order(layout, stops.points), True
    points = stops.points
    index_of = {point: k + 1 for k, point in enumerate(points)}
    dist = _distance_matrix(layout, points)
    distinct = dict.fromkeys(
        (0, *(index_of[p] for p in heuristic(layout, points)), 0)
        for heuristic in _HEURISTICS.values()
    )  # the heuristics often agree: improve each tour once
    starts = [list(tour) for tour in distinct]
    starts.sort(key=lambda tour: _tour_cost(tour, dist))
    if len(points) > _MULTI_START_LIMIT:
        starts = starts[:1]
    near = _nearest(dist)
    best = min(
        (improve_tour(tour, dist, near, thorough=False) for tour in starts),
        key=lambda t: _tour_cost(t, dist),
    )
    best = improve_tour(best, dist, near)  # the winner once more, leaving nothing out
    if len(points) <= _KICK_LIMIT:
        best = _kicked(best, dist, near)
    return [points[k - 1] for k in best[1:-1]], False


def _kicked(tour: list[int], dist: list[list[float]], near: list[list[int]]) -> list[int]:
    """Iterated local search: cut the tour in three places, reconnect the pieces in another
    order (a "double bridge", which 2-opt and or-opt cannot undo in one move), improve, keep it
    when shorter. On a floor of several blocks a local optimum often visits the blocks in a
    poor order, and a double bridge is what reorders them. The kicks are drawn from a generator
    with a fixed seed, so a route is planned the same way every time."""
    best, best_cost = tour, _tour_cost(tour, dist)
    stops = len(tour) - 2
    if stops < 4:
        return best
    draw = random.Random(_KICK_SEED)
    idle = 0
    for _kick in range(_KICKS):
        if idle >= _KICK_PATIENCE:
            break
        idle += 1
        a, b, c = sorted(draw.sample(range(1, stops), 3))
        inner = best[1:-1]
        kicked = [0, *inner[:a], *inner[b:c], *inner[a:b], *inner[c:], 0]
        kicked = improve_tour(kicked, dist, near, thorough=False)
        cost = _tour_cost(kicked, dist)
        if cost < best_cost - _EPSILON:
            best, best_cost, idle = kicked, cost, 0
    return best


def _held_karp_order(layout: Layout, points: Sequence[PickPoint]) -> list[PickPoint]:
    _, order = held_karp(_distance_matrix(layout, points))
    return [points[k - 1] for k in order]


def held_karp(dist: list[list[float]]) -> tuple[float, list[int]]:
    """Exact shortest closed tour from node 0 through every other node (Held-Karp).

    Returns its length and the other nodes in visiting order. O(2ⁿ·n²): keep n small.
    """
    count = len(dist) - 1
    if count <= 0:
        return 0.0, []
    full = 1 << count
    inf = math.inf
    cost: list[list[float]] = [[]] * full
    parent: list[list[int]] = [[]] * full
    into = [[dist[k + 1][j + 1] for k in range(count)] for j in range(count)]
    for mask in range(1, full):
        members = [j for j in range(count) if mask >> j & 1]
        row = [inf] * count
        came = [-1] * count
        if len(members) == 1:
            row[members[0]] = dist[0][members[0] + 1]
        else:
            for j in members:
                previous = cost[mask ^ (1 << j)]
                step = into[j]
                best, best_k = inf, -1
                for k in members:
                    value = previous[k] + step[k]
                    if value < best:
                        best, best_k = value, k
                row[j], came[j] = best, best_k
        cost[mask], parent[mask] = row, came
    last_row = cost[full - 1]
    total, last = min((last_row[j] + dist[j + 1][0], j) for j in range(count))
    order = []
    mask = full - 1
    while last >= 0:
        order.append(last + 1)
        mask, last = mask ^ (1 << last), parent[mask][last]
    order.reverse()
    return total, order


def improve_tour(
    tour: list[int],
    dist: list[list[float]],
    near: list[list[int]] | None = None,
    thorough: bool = True,
) -> list[int]:
    """2-opt and or-opt (segments of 1-3 stops, either way round) until neither helps.

    `tour` is closed: it starts and ends at node 0, which stays put. Or-opt only tries to put a
    segment next to one of the `_NEIGHBOURS` stops nearest its ends (`near`, from `_nearest`
    when not given), which keeps it fast. Unless `thorough`, it also leaves alone segments of
    two or three stops that lie on the way (see `_move_segment`): much faster, rarely worse.
    """
    tour = list(tour)
    if near is None:
        near = _nearest(dist)
    while _two_opt(tour, dist) | _or_opt(tour, dist, near, thorough):
        pass
    return tour


_NEIGHBOURS = 6


def _nearest(dist: list[list[float]]) -> list[list[int]]:
    """Each node's `_NEIGHBOURS` nearest other nodes."""
    return [
        sorted((other for other in range(len(dist)) if other != node), key=row.__getitem__)[
            :_NEIGHBOURS
        ]
        for node, row in enumerate(dist)
    ]


def _two_opt(tour: list[int], dist: list[list[float]]) -> bool:
    changed = False
    size = len(tour)
    for i in range(size - 3):
        a = tour[i]
        from_a = dist[a]
        j = i + 2
        while j < size - 1:
            b, c, d = tour[i + 1], tour[j], tour[j + 1]
            if from_a[c] + dist[b][d] < from_a[b] + dist[c][d] - _EPSILON:
                tour[i + 1 : j + 1] = tour[j:i:-1]
                changed = True
            j += 1
    return changed


def _or_opt(
    tour: list[int], dist: list[list[float]], near: list[list[int]], thorough: bool
) -> bool:
    changed = False
    position = _positions(tour)
    for length in (1, 2, 3):
        i = 1
        while i + length < len(tour):
            if _move_segment(tour, position, dist, near, i, length, thorough):
                position = _positions(tour)
                changed = True
            else:
                i += 1
    return changed


def _positions(tour: list[int]) -> list[int]:
    """Where each stop is in `tour` (the depot: its start)."""
    position = [0] * len(tour)
    for k in range(len(tour) - 1):
        position[tour[k]] = k
    return position


def _move_segment(
    tour: list[int],
    position: list[int],
    dist: list[list[float]],
    near: list[list[int]],
    start: int,
    length: int,
    thorough: bool,
) -> bool:
    """Move tour[start:start+length] to the best place beside a near stop, if that shortens.

    An edge (tour[k], tour[k+1]) is tried when one of its ends is near the segment's ends;
    the depot stands for its two edges, at the start and the end of the tour.
    """
    end = start + length - 1
    first, last = tour[start], tour[end]
    before, after = tour[start - 1], tour[end + 1]
    gain = dist[before][first] + dist[last][after] - dist[before][after]
    if gain <= _EPSILON and (first == last or not thorough):
        # The segment lies on the way (picks passed anyway): for a lone stop no place is
        # cheaper (triangle inequality); for two or three stops one seldom is, and most
        # segments of a route through aisles lie on the way, so skipping them saves most time.
        return False
    from_first, from_last = dist[first], dist[last]
    final_edge = len(tour) - 2
    edges: set[int] = set()
    for node in near[first] if first == last else (*near[first], *near[last]):
        if node:
            at = position[node]
            edges.add(at - 1)
            edges.add(at)
        else:
            edges.add(final_edge)
            edges.add(0)
    best_delta, best_at, best_flip = -_EPSILON, -1, False
    for k in edges:
        if start - 1 <= k <= end:
            continue  # an edge that touches the segment
        u, v = tour[k], tour[k + 1]
        base = dist[u][v] + gain
        straight = from_first[u] + from_last[v] - base
        flipped = from_last[u] + from_first[v] - base
        if straight < best_delta:
            best_delta, best_at, best_flip = straight, k, False
        if flipped < best_delta:
            best_delta, best_at, best_flip = flipped, k, True
    if best_at < 0:
        return False
    segment = tour[start : end + 1]
    if best_flip:
        segment.reverse()
    if best_at < start:
        tour[:] = tour[: best_at + 1] + segment + tour[best_at + 1 : start] + tour[end + 1 :]
    else:
        tour[:] = tour[:start] + tour[end + 1 : best_at + 1] + segment + tour[best_at + 1 :]
    return True


# --- exact routes: a dynamic program over the aisles ------------------------------------------
#
# Ratliff & Rosenthal (1983) for one block, as Roodbergen & De Koster (2001) extend it to a
# middle cross-aisle. A tour is an even, connected multigraph over the junctions (where an aisle
# meets a cross-aisle) and the picks. Sweeping the aisles left to right, a partial tour is summed
# up by each junction of the current aisle: its degree class (zero, odd, even) and which of them
# are already connected. Each aisle is walked segment by segment (a segment: the stretch of an
# aisle between two cross-aisles), then linked to the next aisle by 0-2 copies of each
# cross-aisle's link. The depot is a pick at position 0 of its aisle. A stretch of zero length (a
# pick on a cross-aisle) still counts two towards its junction's degree: it says the junction
# must be on the tour.
#
# Only segments with picks are walked (so only aisles with picks are visited). Take the stretch
# of one block between two neighbouring aisles with picks in that block, or beyond the outermost
# one: with at most two blocks, a tour enters and leaves it only through those aisles and the
# cross-aisle shared with the other block, so any piece of tour inside it can be swapped for one
# no longer that keeps to its cross-aisles and those aisles, walking none of its segments.
#
# The summaries and their moves depend on the number of junctions only, so they are numbered
# once (`_automaton`) and a route only adds up costs. Cross-aisles behind the farthest block with
# picks are never needed either, so a route is planned over the blocks it uses.

_DP_MAX_BLOCKS = 2
"""Routes that use at most this many blocks are planned exactly by the dynamic program (its
shortcut above needs each block to touch the front or the back)."""

_ZERO, _ODD, _EVEN = 0, 1, 2

_Junctions = tuple[tuple[int, ...], tuple[int, ...]]
"""A partial tour's summary: each junction's degree class, and its group (connected junctions
share one; -1 for a junction not on the tour)."""

_WALKS = ((1, 1, True), (2, 2, True), (2, 2, False), (2, 0, False), (0, 2, False))
"""Ways to walk a segment: (copies at its lower junction, at its upper one, joins them)."""
_PASS, _TWICE, _GAP, _FROM_LOWER, _FROM_UPPER = range(len(_WALKS))
"""Through once; through twice; in and out from both ends leaving the largest gap; in and out
from the lower end only; from the upper end only."""


class _Automaton(NamedTuple):
    start: int
    walks: list[list[list[int]]]
    """walks[segment][way][summary] → the summary after walking the segment so (-1: no tour)."""
    links: list[tuple[tuple[int, int, tuple[int, ...]], ...]]
    """links[summary] → (summary at the next aisle, links walked, copies per junction), …"""
    final: list[bool]


@cache
def _automaton(junctions: int) -> _Automaton:
    """Every summary reachable with this many junctions per aisle, numbered, and its moves."""
    start = (tuple([_ZERO] * junctions), tuple([-1] * junctions))
    summaries = [start]
    number = {start: 0}

    def numbered(summary: _Junctions | None) -> int:
        if summary is None:
            return -1
        if summary not in number:
            number[summary] = len(summaries)
            summaries.append(summary)
        return number[summary]

    walks: list[list[list[int]]] = [[[] for _ in _WALKS] for _ in range(junctions - 1)]
    links = []
    every_copies = list(product(range(3), repeat=junctions))
    for summary in summaries:  # grows while it is read: a breadth-first search
        for segment, table in enumerate(walks):
            for way, column in enumerate(table):
                column.append(numbered(_after_walk(summary, segment, way)))
        moves = []
        for copies in every_copies:
            after = _after_links(summary, copies)
            if after is not None:
                moves.append((numbered(after), sum(copies), copies))
        links.append(tuple(moves))
    return _Automaton(0, walks, links, [_is_final(summary) for summary in summaries])


def _canonical(degrees: tuple[int, ...], groups: Sequence[int]) -> _Junctions:
    names: dict[int, int] = {}
    return degrees, tuple(
        names.setdefault(group, len(names)) if degree != _ZERO else -1
        for degree, group in zip(degrees, groups, strict=True)
    )


def _with_degree(degree_class: int, added: int) -> int:
    odd = (degree_class == _ODD) != (added % 2 == 1)
    return _ODD if odd else _EVEN


def _after_walk(summary: _Junctions, segment: int, way: int) -> _Junctions | None:
    lower_copies, upper_copies, joins = _WALKS[way]
    degrees, groups = list(summary[0]), list(summary[1])
    if way == _TWICE and degrees[segment] != _ZERO and groups[segment] == groups[segment + 1]:
        return None  # joins what is joined: a stretch from one end or both costs less
    for junction, copies in ((segment, lower_copies), (segment + 1, upper_copies)):
        if copies:
            if degrees[junction] == _ZERO:
                groups[junction] = len(groups) + junction  # a group of its own
            degrees[junction] = _with_degree(degrees[junction], copies)
    if joins:
        kept, merged = groups[segment], groups[segment + 1]
        groups = [kept if group == merged else group for group in groups]
    return _canonical(tuple(degrees), groups)


def _after_links(summary: _Junctions, copies: tuple[int, ...]) -> _Junctions | None:
    """Copies of each junction's link to the next aisle; this aisle's junctions are then final."""
    degrees, groups = summary
    for degree, count in zip(degrees, copies, strict=True):
        if (degree == _ODD) != (count == 1):
            return None  # a junction left with odd degree
        if degree == _ZERO and count:
            return None  # a dead end: the tour never needs it
    on_tour = {group for group in groups if group >= 0}
    if on_tour - {group for group, count in zip(groups, copies, strict=True) if count}:
        return None  # a group cut off: the next aisle has picks, so the tour is not done
    return _canonical(
        tuple(_ODD if count == 1 else _EVEN if count else _ZERO for count in copies), groups
    )


def _is_final(summary: _Junctions) -> bool:
    degrees, groups = summary
    return _ODD not in degrees and len({group for group in groups if group >= 0}) == 1


class _Way(NamedTuple):
    """How one segment is walked, with the reaches of its stretches from the lower and upper
    junction (None: no such stretch)."""

    way: int
    cost: float
    lower: float | None
    upper: float | None


@lru_cache(maxsize=4096)
def _segment_ways(positions: tuple[float, ...], low: float, high: float) -> tuple[_Way, ...]:
    """The ways worth walking a segment with picks at `positions` (ascending). Cached: the
    same few locations come up route after route."""
    depth = high - low
    best: dict[int, _Way] = {}
    count = len(positions)
    for split in range(count + 1):
        lower = positions[split - 1] if split > 0 else None
        upper = positions[split] if split < count else None
        if lower == high or upper == low:
            continue  # reaches the other end: that is a double pass, listed anyway
        cost = 2 * (lower - low if lower is not None else 0.0) + 2 * (
            high - upper if upper is not None else 0.0
        )
        way = (
            _GAP
            if upper is not None and lower is not None
            else (_FROM_LOWER if lower is not None else _FROM_UPPER)
        )
        if way not in best or cost < best[way].cost:
            best[way] = _Way(way, cost, lower, upper)
    return (_Way(_PASS, depth, None, None), _Way(_TWICE, 2 * depth, None, None), *best.values())


def _dp_blocks(layout: Layout, points: Iterable[PickPoint]) -> int:
    """How many blocks, from the front, a route through `points` needs."""
    crosses = layout.cross_positions
    return max((bisect_left(crosses, point.position, 1) for point in points), default=1)


def _dp_order(layout: Layout, points: Sequence[PickPoint], blocks: int) -> list[PickPoint]:
    """An optimal visiting order of distinct `points`, none at the depot, all in the front
    `blocks` blocks."""
    crosses = layout.cross_positions
    # Segment k holds the picks in (crosses[k], crosses[k + 1]], the first one position 0 too.
    in_segment: dict[tuple[int, int], list[PickPoint]] = defaultdict(list)
    for point in sorted((layout.depot, *points)):
        in_segment[point.aisle, bisect_left(crosses, point.position, 1) - 1].append(point)
    aisles = sorted({aisle for aisle, _ in in_segment})
    junctions = blocks + 1
    machine = _automaton(junctions)
    count, links = len(machine.final), machine.links
    spacing = layout.aisle_spacing
    inf = math.inf
    costs = [inf] * count
    costs[machine.start] = 0.0
    live = [machine.start]
    # Per step: the aisle's place in `aisles`, segment (-1: the links into the aisle), its picks
    # bottom up, and for each summary reached the summary before and the move.
    trail: list[tuple[int, int, tuple[PickPoint, ...], list[int], list[Any]]] = []
    moves: list[Any]  # a link's move or a segment's way, per summary reached; None where none
    for stage, aisle in enumerate(aisles):
        if stage:
            link = (aisle - aisles[stage - 1]) * spacing
            reached, before, moves, now_live = [inf] * count, [0] * count, [None] * count, []
            for summary in live:
                cost = costs[summary]
                for after, copies, move in links[summary]:
                    total = cost + copies * link
                    if total < reached[after]:
                        if reached[after] == inf:
                            now_live.append(after)
                        reached[after], before[after], moves[after] = total, summary, move
            costs, live = reached, now_live
            trail.append((stage, -1, (), before, moves))
        for segment in range(blocks):
            if (aisle, segment) not in in_segment:
                continue  # never walked (see above)
            picks = tuple(in_segment[aisle, segment])
            ways = _segment_ways(
                tuple([pick.position for pick in picks]), crosses[segment], crosses[segment + 1]
            )
            table = machine.walks[segment]
            reached, before, moves, now_live = [inf] * count, [0] * count, [None] * count, []
            for way in ways:
                column, way_cost = table[way.way], way.cost
                for summary in live:
                    after = column[summary]
                    if after >= 0:
                        total = costs[summary] + way_cost
                        if total < reached[after]:
                            if reached[after] == inf:
                                now_live.append(after)
                            reached[after], before[after], moves[after] = total, summary, way
            costs, live = reached, now_live
            trail.append((stage, segment, picks, before, moves))
    summary = min((s for s in live if machine.final[s]), key=costs.__getitem__)
    # The tour: edges through segments and along links — (lower or left junction, the other,
    # the picks passed going up), junctions numbered `junctions` per aisle visited — and spurs,
    # stretches in and out from a junction: junction → their picks as first passed.
    edges: list[tuple[int, int, tuple[PickPoint, ...]]] = []
    spurs: dict[int, list[PickPoint]] = defaultdict(list)
    for stage, segment, picks, before, moves in reversed(trail):
        move = moves[summary]
        summary = before[summary]
        base = stage * junctions
        if segment < 0:
            edges += [
                (base - junctions + k, base + k, ())
                for k, copies in enumerate(move)
                for _copy in range(copies)
            ]
        elif move.way == _PASS:
            edges.append((base + segment, base + segment + 1, picks))
        elif move.way == _TWICE:
            edges += [(base + segment, base + segment + 1, picks)] * 2
        else:
            if move.lower is not None:
                spurs[base + segment] += [p for p in picks if p.position <= move.lower]
            if move.upper is not None:
                spurs[base + segment + 1] += [p for p in picks[::-1] if p.position >= move.upper]
    visits = dict.fromkeys(_walk_picks(edges, spurs, aisles.index(layout.depot_aisle) * junctions))
    del visits[layout.depot]
    return list(visits)


def _walk_picks(
    edges: list[tuple[int, int, tuple[PickPoint, ...]]],
    spurs: dict[int, list[PickPoint]],
    start: int,
) -> list[PickPoint]:
    """The picks passed along an Euler circuit of `edges` from junction `start`, each junction's
    spurs walked when the circuit first reaches it."""
    adjacent: dict[int, list[int]] = defaultdict(list)
    for number, (low, high, _picks) in enumerate(edges):
        adjacent[low].append(number)
        adjacent[high].append(number)
    used = [False] * len(edges)
    stack = [(start, -1)]  # (junction, the edge walked into it)
    circuit = []
    while stack:
        junction = stack[-1][0]
        pending = adjacent[junction]
        while pending and used[pending[-1]]:
            pending.pop()
        if pending:
            number = pending.pop()
            used[number] = True
            low, high, _picks = edges[number]
            stack.append((high if junction == low else low, number))
        else:
            circuit.append(stack.pop())
    walked: list[PickPoint] = []
    for junction, number in reversed(circuit):  # each edge is walked into its junction
        if number >= 0:
            low, high, picks = edges[number]
            walked += picks if junction == high else picks[::-1]
        walked += spurs.pop(junction, ())
    return walked


# --- heuristics (Roodbergen & De Koster 2001) -------------------------------------------------
#
# All three share the frame: walk to the leftmost aisle with picks, up it to the farthest block
# with picks (picking on the way), work that block from the left, then each nearer block from
# the end of it nearer to where the picker stands, ending each block on its front cross-aisle.


@dataclass(frozen=True)
class _Block:
    index: int
    front: float
    back: float
    aisles: dict[int, list[float]]
    """Aisle → its positions in this block, ascending."""


def _frame(layout: Layout, points: Sequence[PickPoint]) -> tuple[list[PickPoint], list[_Block]]:
    """The climb up the leftmost pick aisle, and the blocks still to work, farthest first."""
    left = min(p.aisle for p in points)
    far = max(layout.block_of(p.position) for p in points)
    climb = sorted(
        (p for p in points if p.aisle == left and layout.block_of(p.position) < far),
        key=lambda p: p.position,
    )
    taken = set(climb)
    by_block: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for point in points:
        if point not in taken:
            by_block[layout.block_of(point.position)][point.aisle].append(point.position)
    crosses = layout.cross_positions
    blocks = [
        _Block(b, crosses[b], crosses[b + 1], {a: sorted(ys) for a, ys in sorted(aisles.items())})
        for b, aisles in sorted(by_block.items(), reverse=True)
    ]
    return climb, blocks


def _aisle_order(block: _Block, here: int, is_farthest: bool) -> list[int]:
    aisles = list(block.aisles)
    if is_farthest:
        return aisles
    if abs(here - aisles[-1]) < abs(here - aisles[0]):
        aisles.reverse()
    return aisles


def _along(aisle: int, positions: Iterable[float], downward: bool) -> list[PickPoint]:
    ordered = sorted(positions, reverse=downward)
    return [PickPoint(aisle, y) for y in ordered]


def _heuristic(
    layout: Layout, points: Sequence[PickPoint], work_block: Callable[..., list[PickPoint]]
) -> list[PickPoint]:
    if not points:
        return []
    climb, blocks = _frame(layout, points)
    order = list(climb)
    here = climb[-1].aisle if climb else min(p.aisle for p in points)
    far_index = max(layout.block_of(p.position) for p in points)
    for block in blocks:
        is_farthest = block.index == far_index
        aisles = _aisle_order(block, here, is_farthest)
        order += work_block(block, aisles, start_at_front=is_farthest)
        here = aisles[-1]
    return order


def _s_shape_block(block: _Block, aisles: list[int], start_at_front: bool) -> list[PickPoint]:
    order: list[PickPoint] = []
    downward = not start_at_front
    for aisle in aisles:
        order += _along(aisle, block.aisles[aisle], downward)
        downward = not downward
    return order


def _largest_gap_split(block: _Block, positions: list[float]) -> int:
    """How many of `positions` lie below the largest gap (picked from the front)."""
    edges = [block.front, *positions, block.back]
    gaps = [edges[k + 1] - edges[k] for k in range(len(edges) - 1)]
    return max(range(len(gaps)), key=gaps.__getitem__)


def _largest_gap_block(block: _Block, aisles: list[int], start_at_front: bool) -> list[PickPoint]:
    """Enter each aisle from the back up to its largest gap, cross the block in the last aisle,
    then come back along the front entering each aisle up to its largest gap. The farthest
    block is entered by its first aisle, walked whole."""
    if start_at_front:
        first, *aisles = aisles
        order = _along(first, block.aisles[first], downward=False)
        if not aisles:
            return order
    else:
        order = []
    *middle, last = aisles
    splits = {a: _largest_gap_split(block, block.aisles[a]) for a in middle}
    for aisle in middle:
        order += _along(aisle, block.aisles[aisle][splits[aisle] :], downward=True)
    order += _along(last, block.aisles[last], downward=True)
    for aisle in reversed(middle):
        order += _along(aisle, block.aisles[aisle][: splits[aisle]], downward=False)
    return order


def _combined_block(block: _Block, aisles: list[int], start_at_front: bool) -> list[PickPoint]:
    """Each aisle is either crossed or entered and left on the same side, chosen by a small
    dynamic program over the side the picker ends on; the block must end on its front."""
    depth = block.back - block.front
    # plans[side] = (cost, choices) reaching `side` (True = front) after the aisles so far
    plans: dict[bool, tuple[float, list[tuple[int, bool, bool]]]] = {start_at_front: (0.0, [])}
    for aisle in aisles:
        low, high = block.aisles[aisle][0], block.aisles[aisle][-1]
        following: dict[bool, tuple[float, list[tuple[int, bool, bool]]]] = {}
        for side, (cost, choices) in plans.items():
            reach = 2 * ((high - block.front) if side else (block.back - low))
            for crosses, step, ends in ((True, depth, not side), (False, reach, side)):
                if ends not in following or cost + step < following[ends][0]:
                    following[ends] = (cost + step, [*choices, (aisle, side, crosses)])
        plans = following
    order: list[PickPoint] = []
    for aisle, from_front, _crosses in plans[True][1]:
        order += _along(aisle, block.aisles[aisle], downward=not from_front)
    return order


def s_shape_order(layout: Layout, points: Sequence[PickPoint]) -> list[PickPoint]:
    return _heuristic(layout, points, _s_shape_block)


def largest_gap_order(layout: Layout, points: Sequence[PickPoint]) -> list[PickPoint]:
    return _heuristic(layout, points, _largest_gap_block)


def combined_order(layout: Layout, points: Sequence[PickPoint]) -> list[PickPoint]:
    return _heuristic(layout, points, _combined_block)


_HEURISTICS = {
    "s-shape": s_shape_order,
    "largest-gap": largest_gap_order,
    "combined": combined_order,
}


# --- the `route plan` contract ----------------------------------------------------------------

_LAYOUT_KEYS = {"aisles", "aisle_length", "aisle_spacing", "depot_aisle", "cross_aisles"}


def plan_route_from_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """`warehouse-tui route plan SPEC.json --json`: spec in, result out; ValueError on bad input.

    Input: {"layout": {"aisles", "aisle_length", "aisle_spacing", "depot_aisle",
    "cross_aisles"?}, "picks": [{"aisle", "position"}, …], "method"}.
    Output: {"method", "exact", "length", "sequence"}.
    """
    if not isinstance(spec, dict):
        raise ValueError(_("the route spec must be a JSON object"))
    _no_unknown_keys(spec, {"layout", "picks", "method"}, _("route spec"))
    method = _required(spec, "method", _("route spec"))
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(
            _("unknown routing method {method!r}; use one of: {methods}").format(
                method=method, methods=", ".join(METHODS)
            )
        )
    layout = _layout_from_spec(_required(spec, "layout", _("route spec")))
    picks = _picks_from_spec(_required(spec, "picks", _("route spec")), layout)
    route = plan_route(layout, picks, method)
    return {
        "method": route.method,
        "exact": route.exact,
        "length": round(route.length, 6),
        "sequence": list(route.sequence),
    }


def _layout_from_spec(raw: Any) -> Layout:
    if not isinstance(raw, dict):
        raise ValueError(_("layout must be a JSON object"))
    _no_unknown_keys(raw, _LAYOUT_KEYS, _("layout"))
    cross = raw.get("cross_aisles", [])
    if not isinstance(cross, list):
        raise ValueError(_("layout.cross_aisles must be a list of positions in metres"))
    return Layout(
        aisles=_integer(_required(raw, "aisles", _("layout")), "layout.aisles"),
        aisle_length=_number(_required(raw, "aisle_length", _("layout")), "layout.aisle_length"),
        aisle_spacing=_number(_required(raw, "aisle_spacing", _("layout")), "layout.aisle_spacing"),
        depot_aisle=_integer(_required(raw, "depot_aisle", _("layout")), "layout.depot_aisle"),
        cross_aisles=tuple(
            _number(value, f"layout.cross_aisles[{k}]") for k, value in enumerate(cross)
        ),
    )


def _picks_from_spec(raw: Any, layout: Layout) -> list[PickPoint]:
    if not isinstance(raw, list):
        raise ValueError(_('picks must be a list of {"aisle": i, "position": m} objects'))
    picks = []
    for k, item in enumerate(raw):
        where = f"picks[{k}]"
        if not isinstance(item, dict):
            raise ValueError(_("{where} must be a JSON object").format(where=where))
        _no_unknown_keys(item, {"aisle", "position"}, where)
        point = PickPoint(
            _integer(_required(item, "aisle", where), f"{where}.aisle"),
            _number(_required(item, "position", where), f"{where}.position"),
        )
        try:
            layout.check_point(point)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        picks.append(point)
    return picks


def _required(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise ValueError(_("{where} is missing {key!r}").format(where=where, key=key))
    return raw[key]


def _no_unknown_keys(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValueError(
            _("{where} has unknown keys: {keys}").format(where=where, keys=", ".join(unknown))
        )


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("{name} must be a whole number").format(name=name))
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(_("{name} must be a number").format(name=name))
    return float(value)
