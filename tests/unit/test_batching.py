"""Batching: carts respected, every order picked once, and far less walking than order by order."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse_tui.domain.batching import (
    BatchPlan,
    CartCapacity,
    Order,
    plan_batches,
    savings_groups,
)
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import plan_route, route_length

SINGLE_BLOCK = Layout(aisles=12, aisle_length=30, aisle_spacing=3, depot_aisle=0)
TWO_BLOCKS = Layout(aisles=12, aisle_length=30, aisle_spacing=3, depot_aisle=5, cross_aisles=(15,))


def small_orders(rng: random.Random, layout: Layout, count: int) -> list[Order]:
    """One to three lines each, a few litres: an online shop's typical order."""
    return [
        Order(
            f"ORD-{k}",
            tuple(
                PickPoint(rng.randrange(layout.aisles), round(rng.uniform(0, layout.aisle_length)))
                for _ in range(rng.randint(1, 3))
            ),
            volume=rng.uniform(1, 10),
        )
        for k in range(count)
    ]


def check_plan(layout: Layout, orders: list[Order], cart: CartCapacity, plan: BatchPlan) -> None:
    by_id = {order.order_id: order for order in orders}
    seen = [order_id for batch in plan.batches for order_id in batch.order_ids]
    assert sorted(seen) == sorted(by_id)
    for batch in plan.batches:
        members = [by_id[order_id] for order_id in batch.order_ids]
        assert batch.totes == sum(order.totes for order in members)
        assert batch.volume == pytest.approx(sum(order.volume for order in members))
        if len(members) > 1:
            assert batch.totes <= cart.max_totes
            assert batch.volume <= cart.max_volume + 1e-9
        assert [(p.order_id, p.line) for p in batch.picks] == [
            (order.order_id, line) for order in members for line in range(len(order.picks))
        ]
        assert all(p.point == by_id[p.order_id].picks[p.line] for p in batch.picks)
        assert sorted(batch.route.sequence) == list(range(len(batch.picks)))
        points = [p.point for p in batch.picks]
        assert batch.route.length == pytest.approx(
            route_length(layout, points, batch.route.sequence)
        )
        assert batch.route.length <= batch.s_shape_length + 1e-6
    assert plan.best_length == pytest.approx(sum(b.route.length for b in plan.batches))
    assert plan.s_shape_length == pytest.approx(sum(b.s_shape_length for b in plan.batches))
    assert plan.pick_by_order_length == pytest.approx(
        sum(plan_route(layout, order.picks, "best").length for order in orders)
    )


@pytest.mark.parametrize("layout", [SINGLE_BLOCK, TWO_BLOCKS], ids=["one block", "two blocks"])
def test_a_wave_of_small_orders_walks_far_less_than_order_by_order(layout: Layout) -> None:
    rng = random.Random(7)
    orders = small_orders(rng, layout, 400)
    cart = CartCapacity(max_totes=12, max_volume=60)
    started = time.perf_counter()
    plan = plan_batches(layout, orders, cart)
    elapsed = time.perf_counter() - started
    saved = 1 - plan.best_length / plan.pick_by_order_length
    print(
        f"{len(orders)} orders → {len(plan.batches)} carts in {elapsed:.3f} s; walk "
        f"{plan.best_length:.0f} m (S-shape {plan.s_shape_length:.0f} m, "
        f"order by order {plan.pick_by_order_length:.0f} m): {saved:.0%} saved"
    )
    check_plan(layout, orders, cart, plan)
    assert saved >= 0.5
    assert plan.best_length < plan.s_shape_length
    assert len(plan.batches) <= 1.3 * len(orders) / cart.max_totes  # carts are well filled
    assert elapsed < 2.0  # loose: planning is meant to take a fraction of this


def test_savings_beat_carts_filled_in_arrival_order() -> None:
    rng = random.Random(3)
    orders = small_orders(rng, SINGLE_BLOCK, 240)
    cart = CartCapacity(max_totes=10, max_volume=1000)
    plan = plan_batches(SINGLE_BLOCK, orders, cart)
    arrival = sum(
        plan_route(
            SINGLE_BLOCK, [p for order in orders[k : k + 10] for p in order.picks], "best"
        ).length
        for k in range(0, len(orders), 10)
    )
    assert len(plan.batches) <= 26  # 24 at best: savings may leave a cart or two part-full
    assert plan.best_length < 0.85 * arrival


def test_orders_at_the_same_place_fill_carts_together() -> None:
    orders = [Order(k, (PickPoint(3, 5),), volume=1) for k in range(30)]
    groups = savings_groups(TWO_BLOCKS, orders, CartCapacity(max_totes=12, max_volume=60))
    assert sorted(len(group) for group in groups) == [6, 12, 12]


def test_an_order_too_big_for_a_cart_gets_one_to_itself() -> None:
    orders = [
        Order("bulky", (PickPoint(1, 4),), volume=90),
        Order("two-totes", (PickPoint(1, 5),), volume=1, totes=2),
        Order("a", (PickPoint(1, 6),), volume=1),
        Order("b", (PickPoint(1, 7),), volume=1),
    ]
    plan = plan_batches(SINGLE_BLOCK, orders, CartCapacity(max_totes=2, max_volume=50))
    assert sorted(batch.order_ids for batch in plan.batches) == [
        ("a", "b"),
        ("bulky",),
        ("two-totes",),
    ]


def test_an_order_without_picks_still_gets_a_cart_place() -> None:
    orders = [Order("empty", ()), Order("a", (PickPoint(3, 4),))]
    plan = plan_batches(TWO_BLOCKS, orders, CartCapacity(max_totes=4, max_volume=10))
    assert [batch.order_ids for batch in plan.batches] in ([("empty", "a")], [("a", "empty")])


def test_bad_waves_are_refused() -> None:
    cart = CartCapacity(max_totes=4, max_volume=10)
    twice = [Order(1, (PickPoint(0, 1),)), Order(1, (PickPoint(0, 2),))]
    with pytest.raises(ValueError, match="twice"):
        plan_batches(SINGLE_BLOCK, twice, cart)
    with pytest.raises(ValueError, match="outside"):
        plan_batches(SINGLE_BLOCK, [Order(1, (PickPoint(12, 1),))], cart)
    with pytest.raises(ValueError, match="at least one tote"):
        CartCapacity(max_totes=0, max_volume=10)


def test_an_empty_wave_plans_nothing() -> None:
    plan = plan_batches(SINGLE_BLOCK, [], CartCapacity(max_totes=4, max_volume=10))
    assert plan == BatchPlan((), 0, 0, 0)


orders_strategy = st.lists(
    st.builds(
        lambda picks, volume, totes: (tuple(picks), volume, totes),
        st.lists(
            st.builds(PickPoint, st.integers(0, 11), st.integers(0, 30).map(float)),
            max_size=4,
        ),
        st.floats(0, 30),
        st.integers(1, 3),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(
    orders_strategy,
    st.sampled_from([SINGLE_BLOCK, TWO_BLOCKS]),
    st.integers(1, 6),
    st.floats(5, 80),
)
def test_any_wave_keeps_every_order_and_every_cart_limit(
    raw: list[tuple[tuple[PickPoint, ...], float, int]],
    layout: Layout,
    max_totes: int,
    max_volume: float,
) -> None:
    orders = [Order(k, picks, volume, totes) for k, (picks, volume, totes) in enumerate(raw)]
    cart = CartCapacity(max_totes, max_volume)
    check_plan(layout, orders, cart, plan_batches(layout, orders, cart))
