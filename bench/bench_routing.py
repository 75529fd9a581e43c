"""Routing: how far `best` is from the exact optimum, and how long it takes per pick list.

Random floors of three to five blocks (the aisle DP is exact up to two), with 11-20 distinct
stops per pick list, as carts carry them: `best`'s length against the exact optimum from an
independent solver (an integer programme, tests/support/exact_route.py), mean and max gap (aim:
max ≤ 2%); and with 6-10 stops, where `best` must be exact (aim: max gap 0). The time `best`
takes per pick list is printed beside S-shape's, the first-come baseline, on the same lists.

`python -m bench.bench_routing [--lists N]`
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Sequence

from tests.support.exact_route import shortest_tour_length

from bench.common import load, percentile
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import _distance_matrix, plan_route

GAP_AIM = 0.02
SEED = 16


def floor(rng: random.Random, stops: int) -> tuple[Layout, list[PickPoint]]:
    """A floor of 3-5 blocks and `stops` distinct places, reaching past the second block."""
    while True:
        blocks = rng.randint(3, 5)
        length = rng.choice([20.0, 30.0, 40.0])
        cross = tuple(sorted(rng.sample([k * length / 10 for k in range(1, 10)], blocks - 1)))
        aisles = rng.randint(4, 14)
        layout = Layout(aisles, length, rng.choice([2.0, 3.0, 4.5]), rng.randrange(aisles), cross)
        places: set[PickPoint] = set()
        while len(places) < stops:
            places.add(PickPoint(rng.randrange(aisles), round(rng.uniform(0.5, length - 0.5), 1)))
        picks = sorted(places)
        if max(layout.block_of(pick.position) for pick in picks) >= 2:
            return layout, picks


def measure(rng: random.Random, lists: int, low: int, high: int) -> dict[str, float]:
    gaps, best_s, s_shape_s, exact = [], [], [], 0
    for _ in range(lists):
        layout, picks = floor(rng, rng.randint(low, high))
        start = time.perf_counter()
        route = plan_route(layout, picks, "best")
        middle = time.perf_counter()
        plan_route(layout, picks, "s-shape")
        best_s.append(middle - start)
        s_shape_s.append(time.perf_counter() - middle)
        gaps.append(route.length / shortest_tour_length(_distance_matrix(layout, picks)) - 1)
        exact += route.exact
    ms = 1000
    return {
        "lists": lists,
        "mean_gap_pct": round(statistics.fmean(gaps) * 100, 3),
        "max_gap_pct": round(max(gaps) * 100, 3),
        "said_exact": exact,
        "best_mean_ms": round(statistics.fmean(best_s) * ms, 2),
        "best_p99_ms": round(percentile(best_s, 0.99) * ms, 2),
        "s_shape_mean_ms": round(statistics.fmean(s_shape_s) * ms, 3),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=150)
    args = parser.parse_args(argv)
    print(f"routing: {load()}")
    rng = random.Random(SEED)
    for low, high, aim in ((6, 10, 0.0), (11, 20, GAP_AIM)):
        result = measure(rng, args.lists, low, high)
        print(
            f"best on 3-5 blocks, {low}-{high} stops, {result['lists']} pick lists:"
            f" gap to the exact optimum mean {result['mean_gap_pct']:.3f}%,"
            f" max {result['max_gap_pct']:.3f}% (aim ≤ {aim:.0%});"
            f" {result['said_exact']} said exact"
            f"\n  route time per pick list: best mean {result['best_mean_ms']:.2f} ms,"
            f" p99 {result['best_p99_ms']:.2f} ms; s-shape mean {result['s_shape_mean_ms']:.3f} ms"
        )
        print(json.dumps({"bench": "routing.best", "stops": f"{low}-{high}", **result}))


if __name__ == "__main__":
    main()
