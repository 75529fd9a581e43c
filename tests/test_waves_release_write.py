"""A release plans in a read and writes in a short write of its own: when the floor changes in
between (another release took the stock, an order was held, a held order joined a merge group) the
write's compare-and-set refuses the stale plan, and the release plans again from what is left.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from tests.support.waves_floor import (
    ACTOR,
    add_carrier,
    add_location,
    add_order,
    add_skus,
    add_stock,
)
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.services.waves import release as releasing
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Allocation, Order, OrderStatus, Stock


def _floor(store: Store, orders: int, units: int) -> None:
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 2, 10.0), sku, units)
        for number in range(orders):
            add_order(session, number, [("SKU-1", 1)])


def _before_the_write(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[], None]
) -> list[tuple[int, ...]]:
    """Run `change` once, between the first plan and its write; the order ids of each plan."""
    planned: list[tuple[int, ...]] = []
    plan_wave = releasing.plan_wave

    def planning(session, rules):  # type: ignore[no-untyped-def]
        plan = plan_wave(session, rules)
        planned.append(plan.order_ids)
        if len(planned) == 1:
            change()
        return plan

    monkeypatch.setattr(releasing, "plan_wave", planning)
    return planned


def test_stock_taken_since_the_plan_makes_the_release_plan_again(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _floor(store, orders=4, units=3)

    def other_release() -> None:
        monkeypatch.undo()  # the other release plans and writes as usual
        assert release_wave(store, ACTOR, WaveRules(max_orders=2))["orders"] == 2
        _before_the_write(monkeypatch, lambda: None)

    _before_the_write(monkeypatch, other_release)
    mine = release_wave(store, ACTOR, WaveRules(max_orders=2))
    assert mine["accepted"] and mine["orders"] == 1  # one unit left on the shelf
    with store.read() as session:
        stock = session.exec(select(Stock)).one()
        assert (stock.on_hand, stock.allocated) == (3, 3)
        waves = session.exec(select(Order.wave_id).where(Order.wave_id.is_not(None))).all()
        assert len(waves) == 3 and len(set(waves)) == 2
        assert session.exec(select(func.sum(Allocation.qty))).one() == 3


def test_an_order_held_since_the_plan_is_not_released(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _floor(store, orders=2, units=5)

    def hold_one() -> None:
        with store.write() as session:
            session.execute(
                update(Order)
                .where(Order.shop_order_id == "0")
                .values(status=OrderStatus.HELD, hold_reason="checked by hand")
            )

    planned = _before_the_write(monkeypatch, hold_one)
    result = release_wave(store, ACTOR, WaveRules())
    assert result["accepted"] and result["orders"] == 1
    assert len(planned) == 2 and len(planned[0]) == 2 and len(planned[1]) == 1
    with store.read() as session:
        held = session.exec(select(Order).where(Order.shop_order_id == "0")).one()
        assert (held.status, held.wave_id) == (OrderStatus.HELD, None)
        assert session.exec(select(Stock.allocated)).one() == 1


def test_a_held_order_joining_a_merge_group_keeps_the_group_out_of_the_wave(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _floor(store, orders=3, units=5)
    audit_orders(store, ACTOR)
    with store.write() as session:
        session.execute(
            update(Order).where(Order.shop_order_id.in_(("0", "1"))).values(merge_group="M1")
        )

    def held_order_joins() -> None:
        with store.write() as session:
            add_order(session, 3, [("SKU-1", 1)], status=OrderStatus.HELD, merge_group="M1")

    planned = _before_the_write(monkeypatch, held_order_joins)
    result = release_wave(store, ACTOR, WaveRules())
    assert result["accepted"] and result["orders"] == 1
    assert [len(order_ids) for order_ids in planned] == [3, 1]
    with store.read() as session:
        waved = session.exec(select(Order.shop_order_id).where(Order.wave_id.is_not(None))).all()
        assert waved == ["2"]
