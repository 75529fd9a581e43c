"""A promotion day's wave planning: 100k orders / ~300k lines on the demo floor, in waves of at
most 500 orders, planned as waves plan them (savings batches, `best` routes) and as first-come
carts walked by S-shape, in the same run.

Reports the planning time as a ratio (aim ≤ 3×), the walk per pick of the planned carts routed
by best, S-shape and largest-gap, and of the same orders picked one by one (pick-by-order).
Domain-level: no database; every order line is one pick at its SKU's location.

    python -m bench.bench_waves [--orders N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from warehouse_tui.demo.tables.floor import AISLES, BAYS, LAYOUT_SPEC, LEVELS, bay_position
from warehouse_tui.domain.batching import CartCapacity, Order, savings_groups
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import plan_route
from warehouse_tui.services.settings import DEFAULTS
from warehouse_tui.services.waves import savings_chunks

ORDERS = 100_000
WAVE_ORDERS = 500
SKUS = 6_000
LINES_PER_ORDER = {1: 35, 2: 20, 3: 12, 4: 10, 5: 8, 6: 6, 8: 5, 10: 4}  # mean ≈ 3.07
LITRES_PER_LINE = 2.5
SEED = 20261111

LAYOUT = Layout(**{**LAYOUT_SPEC, "cross_aisles": tuple(LAYOUT_SPEC["cross_aisles"])})
CART = CartCapacity(DEFAULTS["cart_totes"], DEFAULTS["cart_volume_l"])


@dataclass
class Walks:
    picks: int = 0
    carts: int = 0
    best: float = 0.0
    s_shape: float = 0.0
    largest_gap: float = 0.0
    pick_by_order: float = 0.0


def slots() -> list[PickPoint]:
    """Every location's pick point, nearest the depot first: the fast movers' slots."""
    points = [
        PickPoint(aisle, bay_position(bay)[1])
        for aisle in range(AISLES)
        for bay in range(1, BAYS + 1)
        for _level in range(LEVELS)
    ]
    return sorted(points, key=lambda point: LAYOUT.distance(LAYOUT.depot, point))


def promotion_day(count: int, rng: random.Random) -> list[Order]:
    """Orders in arrival order; SKU popularity is Zipf-like and popular SKUs sit near the depot."""
    places = slots()
    where = [places[k * len(places) // SKUS] for k in range(SKUS)]
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(SKUS)]
    sizes, weights = list(LINES_PER_ORDER), list(LINES_PER_ORDER.values())
    orders = []
    for number in range(count):
        lines = rng.choices(sizes, weights)[0]
        skus = set(rng.choices(range(SKUS), popularity, k=lines))
        orders.append(
            Order(number, tuple(where[k] for k in sorted(skus)), volume=LITRES_PER_LINE * lines)
        )
    return orders


def waves(orders: Sequence[Order]) -> list[Sequence[Order]]:
    return [orders[start : start + WAVE_ORDERS] for start in range(0, len(orders), WAVE_ORDERS)]


def cart_points(carts: Sequence[Sequence[Order]]) -> list[list[PickPoint]]:
    return [[point for order in cart for point in order.picks] for cart in carts]


def plan_like_waves(wave: Sequence[Order]) -> list[list[Order]]:
    """What a release does: savings carts (chunked as waves chunk them), each routed by best."""
    carts = []
    for chunk in savings_chunks(LAYOUT, wave):
        carts += [[chunk[k] for k in group] for group in savings_groups(LAYOUT, chunk, CART)]
    for points in cart_points(carts):
        plan_route(LAYOUT, points, "best")
    return carts


def plan_first_come(wave: Sequence[Order]) -> list[list[Order]]:
    """The baseline: fill each cart in arrival order, walk it by S-shape."""
    carts: list[list[Order]] = [[]]
    for order in wave:
        cart = carts[-1]
        totes = len(cart) + 1
        volume = sum(o.volume for o in cart) + order.volume
        if cart and (totes > CART.max_totes or volume > CART.max_volume):
            carts.append([order])
        else:
            cart.append(order)
    for points in cart_points(carts):
        plan_route(LAYOUT, points, "s-shape")
    return carts


def timed(
    plan: Callable[[Sequence[Order]], list[list[Order]]], day: list[Sequence[Order]]
) -> tuple[float, list[list[Order]]]:
    start = time.perf_counter()
    carts = [cart for wave in day for cart in plan(wave)]
    return time.perf_counter() - start, carts


def walks(carts: list[list[Order]]) -> Walks:
    result = Walks(carts=len(carts))
    for cart, points in zip(carts, cart_points(carts), strict=True):
        result.picks += len(points)
        result.best += plan_route(LAYOUT, points, "best").length
        result.s_shape += plan_route(LAYOUT, points, "s-shape").length
        result.largest_gap += plan_route(LAYOUT, points, "largest-gap").length
        result.pick_by_order += sum(plan_route(LAYOUT, o.picks, "best").length for o in cart)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_waves")
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--profile", action="store_true", help="profile the planned day")
    options = parser.parse_args(argv)

    orders = promotion_day(options.orders, random.Random(SEED))
    day = waves(orders)
    baseline_s, first_come = timed(plan_first_come, day)
    planned_s, planned = timed(plan_like_waves, day)
    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(timed, plan_like_waves, day[:10])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(8)

    good, naive = walks(planned), walks(first_come)
    lines = sum(len(order.picks) for order in orders)
    per = good.picks
    print(
        f"waves: {len(orders)} orders, {lines} lines in {len(day)} waves of ≤{WAVE_ORDERS} "
        f"on the demo floor ({AISLES} aisles × {BAYS} bays × {LEVELS} levels, two blocks)"
    )
    print(
        f"waves: planning {planned_s:.2f} s (savings carts + best routes) vs {baseline_s:.2f} s "
        f"(first-come carts + S-shape) → ratio {planned_s / baseline_s:.1f}× (aim ≤ 3×)"
    )
    print(
        f"waves: walk per pick of the planned carts: best {good.best / per:.2f} m, "
        f"S-shape {good.s_shape / per:.2f} m, largest-gap {good.largest_gap / per:.2f} m"
    )
    print(
        f"waves: batched {good.best / per:.2f} m/pick on {good.carts} carts vs pick-by-order "
        f"{good.pick_by_order / per:.2f} m/pick → {1 - good.best / good.pick_by_order:.0%} less "
        f"walking; first-come carts by S-shape {naive.s_shape / naive.picks:.2f} m/pick "
        f"on {naive.carts} carts"
    )


if __name__ == "__main__":
    main()
