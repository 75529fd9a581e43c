"""Routing: distances, the exact single-block route, heuristics and the `route plan` contract."""

from __future__ import annotations

import heapq
import math
import random
import statistics
import time
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.exact_route import shortest_tour_length
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import (
    HELD_KARP_LIMIT,
    METHODS,
    _distance_matrix,
    held_karp,
    plan_route,
    plan_route_from_spec,
    route_length,
)


def dijkstra_distance(layout: Layout, a: PickPoint, b: PickPoint) -> float:
    """Shortest path on the aisle graph made explicit: a node at every cross-aisle crossing
    and at both points, edges along aisles and cross-aisles."""
    stops = {aisle: set(layout.cross_positions) for aisle in range(layout.aisles)}
    stops[a.aisle].add(a.position)
    stops[b.aisle].add(b.position)
    edges: dict[tuple[int, float], list[tuple[tuple[int, float], float]]] = {}

    def link(u: tuple[int, float], v: tuple[int, float], length: float) -> None:
        edges.setdefault(u, []).append((v, length))
        edges.setdefault(v, []).append((u, length))

    for aisle, ys in stops.items():
        ordered = sorted(ys)
        for y0, y1 in pairwise(ordered):
            link((aisle, y0), (aisle, y1), y1 - y0)
    for aisle in range(layout.aisles - 1):
        for y in layout.cross_positions:
            link((aisle, y), (aisle + 1, y), layout.aisle_spacing)
    best = {(a.aisle, a.position): 0.0}
    queue = [(0.0, (a.aisle, a.position))]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == (b.aisle, b.position):
            return cost
        if cost > best[node]:
            continue
        for nxt, length in edges.get(node, []):
            if cost + length < best.get(nxt, math.inf):
                best[nxt] = cost + length
                heapq.heappush(queue, (cost + length, nxt))
    raise AssertionError("unreachable")


def random_layout(rng: random.Random, blocks: int) -> Layout:
    aisles = rng.randint(1 if blocks == 1 else 2, 9)
    length = rng.choice([10.0, 20.0, 30.0, 12.5])
    cross = tuple(sorted(rng.sample([k * length / 8 for k in range(1, 8)], blocks - 1)))
    return Layout(aisles, length, rng.choice([2.0, 3.0, 4.5]), rng.randrange(aisles), cross)


def random_picks(rng: random.Random, layout: Layout, count: int) -> list[PickPoint]:
    """Mostly inside aisles, some on cross-aisles and at the depot, some repeated."""
    picks: list[PickPoint] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.1 and picks:
            picks.append(rng.choice(picks))
        elif roll < 0.2:
            picks.append(
                PickPoint(rng.randrange(layout.aisles), rng.choice(layout.cross_positions))
            )
        elif roll < 0.23:
            picks.append(layout.depot)
        else:
            position = round(rng.uniform(0, layout.aisle_length), 1)
            picks.append(PickPoint(rng.randrange(layout.aisles), position))
    return picks


def held_karp_length(layout: Layout, picks: list[PickPoint]) -> float:
    distinct = sorted(set(picks) - {layout.depot})
    return held_karp(_distance_matrix(layout, distinct))[0]


# --- layout and distances ---------------------------------------------------------------------


def test_distance_matches_dijkstra_on_the_aisle_graph() -> None:
    rng = random.Random(11)
    for _ in range(300):
        layout = random_layout(rng, rng.randint(1, 4))
        a, b = random_picks(rng, layout, 2)
        expected = dijkstra_distance(layout, a, b)
        assert layout.distance(a, b) == pytest.approx(expected, abs=1e-9)
        assert _distance_matrix(layout, [a, b])[1][2] == pytest.approx(expected, abs=1e-9)


def test_distance_by_hand() -> None:
    layout = Layout(aisles=4, aisle_length=20, aisle_spacing=3, cross_aisles=(10,))
    assert layout.distance(PickPoint(1, 4), PickPoint(1, 17)) == 13
    assert layout.distance(PickPoint(0, 4), PickPoint(2, 6)) == 6 + 4 + 6  # via the front
    assert layout.distance(PickPoint(0, 8), PickPoint(2, 7)) == 6 + 2 + 3  # via the middle
    assert layout.distance(PickPoint(0, 5), PickPoint(3, 15)) == 9 + 10  # crosses on the way


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aisles": 0}, "at least one aisle"),
        ({"aisle_length": 0}, "positive"),
        ({"depot_aisle": 5}, "depot aisle"),
        ({"cross_aisles": (20.0,)}, "strictly between"),
        ({"cross_aisles": (0.0,)}, "strictly between"),
        ({"cross_aisles": (5.0, 5.0)}, "same position"),
    ],
)
def test_layout_refuses_impossible_shapes(kwargs: dict, message: str) -> None:
    shape = {"aisles": 5, "aisle_length": 20.0, "aisle_spacing": 3.0} | kwargs
    with pytest.raises(ValueError, match=message):
        Layout(**shape)


def test_block_of_counts_a_middle_cross_aisle_with_the_block_behind_it() -> None:
    layout = Layout(3, 30, 3, cross_aisles=(20, 10))
    assert layout.cross_positions == (0.0, 10, 20, 30.0)
    assert [layout.block_of(y) for y in (0, 5, 10, 15, 20, 30)] == [0, 0, 1, 1, 2, 2]


# --- exactness --------------------------------------------------------------------------------


def test_ratliff_rosenthal_equals_held_karp_on_single_block_instances() -> None:
    rng = random.Random(1983)
    for _ in range(400):
        layout = random_layout(rng, blocks=1)
        picks = random_picks(rng, layout, rng.randint(1, 10))
        route = plan_route(layout, picks, "optimal")
        assert route.exact
        assert route.length == pytest.approx(held_karp_length(layout, picks), abs=1e-6)


def test_optimal_is_held_karp_on_small_multi_block_instances() -> None:
    rng = random.Random(2001)
    for _ in range(60):
        layout = random_layout(rng, blocks=rng.randint(2, 3))
        picks = random_picks(rng, layout, rng.randint(1, 9))
        route = plan_route(layout, picks, "optimal")
        assert route.exact
        assert route.length == pytest.approx(held_karp_length(layout, picks), abs=1e-6)


def test_routes_through_two_blocks_are_exact_for_any_number_of_picks() -> None:
    """The dynamic program over the aisles, with a middle cross-aisle: also on deeper layouts
    whose picks lie in the front two blocks, and on picks too many for Held-Karp."""
    rng = random.Random(2002)
    for _ in range(150):
        layout = random_layout(rng, blocks=rng.choice([2, 2, 3]))
        reach = layout.cross_positions[2]
        picks = [p for p in random_picks(rng, layout, rng.randint(1, 10)) if p.position <= reach]
        optimum = held_karp_length(layout, picks)
        for method in ("optimal", "best"):
            route = plan_route(layout, picks, method)
            assert route.exact
            assert route.length == pytest.approx(optimum, abs=1e-6)
    layout = Layout(12, 30, 3, 5, (15.0,))
    many = [PickPoint(rng.randrange(12), round(rng.uniform(0, 30), 1)) for _ in range(60)]
    route = plan_route(layout, many, "best")
    assert route.exact
    for method in ("s-shape", "largest-gap", "combined"):
        assert route.length <= plan_route(layout, many, method).length + 1e-9


def test_best_is_within_two_percent_of_optimal_beyond_two_blocks() -> None:
    rng = random.Random(42)
    gaps, searched_gaps = [], []
    for _ in range(200):
        layout = random_layout(rng, blocks=3)
        picks = [
            PickPoint(rng.randrange(layout.aisles), round(rng.uniform(0, layout.aisle_length), 1))
            for _ in range(rng.randint(6, 11))
        ]
        optimum = held_karp_length(layout, picks)
        route = plan_route(layout, picks, "best")
        gap = route.length / optimum - 1
        gaps.append(gap)
        if not route.exact:  # the heuristics and local search's work
            searched_gaps.append(gap)
    print(
        f"best vs optimum: mean gap {statistics.mean(gaps):.3%}, "
        f"{statistics.mean(searched_gaps):.3%} on {len(searched_gaps)} local-search instances"
    )
    assert min(gaps) >= -1e-9
    assert statistics.mean(gaps) <= 0.02
    assert statistics.mean(searched_gaps) <= 0.02


def test_optimal_falls_back_to_best_beyond_held_karp_on_three_blocks() -> None:
    layout = Layout(6, 30, 3, 2, (10, 20))
    picks = [PickPoint(a, y) for a in range(6) for y in (3.0, 14.0, 27.0)][: HELD_KARP_LIMIT + 1]
    route = plan_route(layout, picks, "optimal")
    assert route.method == "optimal"
    assert not route.exact
    assert route.length == plan_route(layout, picks, "best").length


def test_small_routes_by_hand() -> None:
    layout = Layout(aisles=3, aisle_length=10, aisle_spacing=2)
    picks = [PickPoint(0, 9), PickPoint(2, 1)]
    # in and out of each aisle (18 + 2) and along the front (2 × 4) beats a loop by the back (28)
    assert plan_route(layout, picks, "optimal").length == 18 + 2 + 8
    assert plan_route(layout, picks, "s-shape").length == 18 + 2 + 8
    lone = plan_route(layout, [PickPoint(2, 5)], "optimal")
    assert lone.length == 2 * (4 + 5)
    assert lone.sequence == (0,)
    # one aisle, two blocks: up through the front block to the pick behind the cross-aisle, back
    one_aisle = Layout(aisles=1, aisle_length=20, aisle_spacing=3, cross_aisles=(10,))
    behind = plan_route(one_aisle, [PickPoint(0, 15), PickPoint(0, 4)], "best")
    assert (behind.exact, behind.length, behind.sequence) == (True, 30, (1, 0))


# --- every method, any input ------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn) -> tuple[Layout, list[PickPoint]]:
    aisles = draw(st.integers(1, 8))
    length = draw(st.sampled_from([10.0, 24.0]))
    cross = draw(st.lists(st.sampled_from([6.0, 8.0, 9.5]), max_size=2, unique=True))
    layout = Layout(
        aisles,
        length,
        draw(st.sampled_from([2.5, 4.0])),
        draw(st.integers(0, aisles - 1)),
        tuple(cross),
    )
    point = st.builds(
        PickPoint,
        st.integers(0, aisles - 1),
        st.one_of(st.sampled_from(layout.cross_positions), st.floats(0, length).map(round)),
    )
    return layout, draw(st.lists(point, max_size=10))


@settings(max_examples=150, deadline=None)
@given(instances())
def test_every_method_visits_each_pick_once_and_none_beats_optimal(
    instance: tuple[Layout, list[PickPoint]],
) -> None:
    layout, picks = instance
    optimal = plan_route(layout, picks, "optimal")
    for method in METHODS:
        route = plan_route(layout, picks, method)
        assert route.method == method
        assert sorted(route.sequence) == list(range(len(picks)))
        assert route.length == pytest.approx(route_length(layout, picks, route.sequence))
        assert route.length >= optimal.length - 1e-6
        assert not route.exact or route.length == pytest.approx(optimal.length, abs=1e-6)


def test_no_picks_is_an_empty_walk() -> None:
    for method in METHODS:
        route = plan_route(Layout(3, 10, 2, 1, (5,)), [], method)
        assert (route.length, route.sequence) == (0.0, ())


def test_routes_of_fifty_picks_take_milliseconds() -> None:
    rng = random.Random(5)
    timings = {}
    for blocks in (1, 2):
        layout = Layout(12, 30, 3, 5, (15.0,) if blocks == 2 else ())
        started = time.perf_counter()
        for _ in range(20):
            picks = [PickPoint(rng.randrange(12), round(rng.uniform(0, 30), 1)) for _ in range(50)]
            plan_route(layout, picks, "best")
        timings[blocks] = (time.perf_counter() - started) / 20
    print(
        f"best route, 50 picks: {timings[1] * 1000:.1f} ms single block, "
        f"{timings[2] * 1000:.1f} ms two blocks"
    )
    assert max(timings.values()) < 0.1  # loose: a busy machine must not fail it


# --- route plan contract ----------------------------------------------------------------------

SPEC = {
    "layout": {"aisles": 4, "aisle_length": 20, "aisle_spacing": 3, "depot_aisle": 0},
    "picks": [
        {"aisle": 3, "position": 5},
        {"aisle": 0, "position": 15},
        {"aisle": 3, "position": 18},
    ],
    "method": "optimal",
}


def test_route_plan_spec_gives_the_contract_keys() -> None:
    result = plan_route_from_spec(SPEC)
    # up aisle 0, across the back, down aisle 3, back along the front: 20 + 9 + 20 + 9
    assert result | {"sequence": None} == {
        "method": "optimal",
        "exact": True,
        "length": 58.0,
        "sequence": None,
    }
    assert result["sequence"] in ([1, 2, 0], [0, 2, 1])


def test_route_plan_spec_multi_block_and_every_method() -> None:
    spec = SPEC | {"layout": SPEC["layout"] | {"cross_aisles": [10]}}
    for method in METHODS:
        result = plan_route_from_spec(spec | {"method": method})
        assert set(result) == {"method", "exact", "length", "sequence"}
        assert sorted(result["sequence"]) == [0, 1, 2]
        assert result["exact"] == (method in ("optimal", "best"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"method": "fastest"}, "unknown routing method"),
        ({"picks": [{"aisle": 4, "position": 1}]}, r"picks\[0\]: aisle 4 is outside"),
        ({"picks": [{"aisle": 1, "position": 21}]}, "outside the aisle"),
        ({"picks": [{"aisle": 1.5, "position": 2}]}, "whole number"),
        ({"picks": [{"aisle": 1}]}, "missing 'position'"),
        ({"picks": [{"aisle": 1, "position": 2, "zone": "A"}]}, "unknown keys: zone"),
        ({"picks": {"aisle": 1}}, "picks must be a list"),
        ({"layout": SPEC["layout"] | {"cross_aisles": [20]}}, "strictly between"),
        ({"layout": SPEC["layout"] | {"cross_aisles": 10}}, "list of positions"),
        ({"layout": SPEC["layout"] | {"aisles": True}}, "whole number"),
        ({"layout": SPEC["layout"] | {"aisle_spacing": "3"}}, "must be a number"),
        ({"layout": {"aisles": 4}}, "missing 'aisle_length'"),
        ({"extra": 1}, "unknown keys: extra"),
    ],
)
def test_route_plan_spec_refuses_bad_input_clearly(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_route_from_spec(SPEC | change)


def test_route_plan_spec_needs_a_method() -> None:
    with pytest.raises(ValueError, match="missing 'method'"):
        plan_route_from_spec({k: v for k, v in SPEC.items() if k != "method"})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 25)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "layout": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {
                        "aisles": json_values,
                        "aisle_length": json_values,
                        "aisle_spacing": json_values,
                        "depot_aisle": json_values,
                    },
                    optional={"cross_aisles": json_values},
                ),
            ),
            "picks": st.one_of(
                json_values,
                st.lists(st.fixed_dictionaries({"aisle": json_values, "position": json_values})),
            ),
            "method": st.one_of(st.sampled_from(METHODS), json_values),
        },
    )
)
def test_route_plan_spec_answers_or_refuses_with_value_error(spec: dict) -> None:
    try:
        result = plan_route_from_spec(spec)
    except ValueError as error:
        assert str(error)
    else:
        assert result["method"] in METHODS
        assert sorted(result["sequence"]) == list(range(len(spec["picks"])))


# --- best against an independent exact solver -------------------------------------------------


def _deep_floor(rng: random.Random, stops: int) -> tuple[Layout, list[PickPoint]]:
    """A floor of three to five blocks and `stops` distinct places spread over it, drawn until
    the route needs more than two blocks (where the aisle DP is exact anyway)."""
    while True:
        blocks = rng.randint(3, 5)
        length = rng.choice([20.0, 30.0, 40.0])
        cross = tuple(sorted(rng.sample([k * length / 10 for k in range(1, 10)], blocks - 1)))
        aisles = rng.randint(4, 14)
        layout = Layout(aisles, length, rng.choice([2.0, 3.0, 4.5]), rng.randrange(aisles), cross)
        places: set[PickPoint] = set()
        while len(places) < stops:
            position = round(rng.uniform(0.5, length - 0.5), 1)
            places.add(PickPoint(rng.randrange(aisles), position))
        picks = sorted(places)
        if max(map(layout.block_of, (p.position for p in picks))) >= 2:
            return layout, picks


def test_best_is_exact_up_to_ten_stops_on_any_number_of_blocks() -> None:
    rng = random.Random(1610)
    for stops in [*range(1, 11), *(rng.randint(8, 10) for _ in range(12))]:
        layout, picks = _deep_floor(rng, stops)
        route = plan_route(layout, picks, "best")
        optimum = shortest_tour_length(_distance_matrix(layout, picks))
        assert route.exact
        assert route.length == pytest.approx(optimum, abs=1e-6)


def test_best_is_within_two_percent_of_the_exact_optimum_for_11_to_20_stops() -> None:
    rng = random.Random(1620)
    gaps = []
    for _ in range(40):
        layout, picks = _deep_floor(rng, rng.randint(11, 20))
        route = plan_route(layout, picks, "best")
        gaps.append(route.length / shortest_tour_length(_distance_matrix(layout, picks)) - 1)
    print(f"best vs exact, 11-20 stops: mean gap {statistics.mean(gaps):.3%}, max {max(gaps):.3%}")
    assert min(gaps) >= -1e-9
    assert max(gaps) <= 0.02
