"""Wave rules (carrier, shop, priority, item count, zone, limits, merges) and pause/resume/cancel,
on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.test_waves import (
    ACTOR,
    add_carrier,
    add_location,
    add_order,
    add_skus,
    add_stock,
    stocked_floor,
)
from warehouse_tui.services.waves import (
    WaveRules,
    cancel_wave,
    pause_wave,
    release_wave,
    resume_wave,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    CarrierService,
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    Stock,
    WaveStatus,
)

# --- rules ----------------------------------------------------------------------------------------


def _released(store: Store, rules: WaveRules) -> set[str]:
    result = release_wave(store, ACTOR, rules)
    if not result["accepted"]:
        return set()
    with store.read() as session:
        rows = session.exec(select(Order).where(Order.wave_id == result["wave"]))
        return {order.shop_order_id for order in rows}


def test_rules_filter_by_carrier_shop_priority_and_item_count(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        add_carrier(session, "UPS")
        add_order(session, 1, [("SKU-1", 1)], carrier="UPS")
        add_order(session, 2, [("SKU-1", 1)], shop="market", priority=5)
        add_order(session, 3, [("SKU-2", 2)], priority=1)
        add_order(session, 4, [("SKU-2", 1), ("SKU-3", 1)], priority=3)
    assert _released(store, WaveRules(carrier="UPS")) == {"1"}
    assert _released(store, WaveRules(shop="web", min_priority=2)) == {"4"}
    assert _released(store, WaveRules(single_item=True)) == {"2"}
    assert _released(store, WaveRules(single_item=False)) == {"3"}


def test_rules_zone_and_limits_take_the_most_urgent_first(store: Store) -> None:
    now = datetime.now(UTC)
    with store.write() as session:
        add_carrier(session)
        a, b = add_skus(session, 2)
        add_stock(session, add_location(session, 0, 5, zone="A"), a, 50)
        add_stock(session, add_location(session, 9, 5, zone="C"), b, 50)
        add_order(session, 1, [("SKU-1", 1)], ship_by=now + timedelta(hours=5))
        add_order(session, 2, [("SKU-1", 1)], ship_by=now + timedelta(hours=1))
        # Due later than the others at any time of day (an order with no ship-by is due at
        # its service's cut-off today, which is earlier than now + 1 h late in the day).
        later = now + timedelta(hours=7)
        add_order(session, 3, [("SKU-1", 1)], ship_by=later, priority=9)
        add_order(session, 4, [("SKU-1", 1)], ship_by=now + timedelta(hours=1), priority=2)
        add_order(session, 5, [("SKU-2", 1), ("SKU-1", 1)], ship_by=later)
        add_order(session, 6, [("SKU-2", 1)], ship_by=later)
    assert _released(store, WaveRules(zone="C")) == {"6"}
    assert _released(store, WaveRules(max_orders=2)) == {"4", "2"}
    assert _released(store, WaveRules(max_lines=2)) == {"1", "3"}
    assert _released(store, WaveRules(max_picks=1)) == set()  # 5 needs two picks
    assert _released(store, WaveRules(max_picks=2)) == {"5"}


def test_due_by_takes_only_shipments_due_by_that_local_time(store: Store) -> None:
    today = datetime.now(UTC).date()  # the warehouse's time zone is UTC by default
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)], ship_by=datetime.combine(today, time(10), UTC))
        add_order(session, 2, [("SKU-2", 1)], ship_by=datetime.combine(today, time(18), UTC))
        add_order(session, 3, [("SKU-3", 1)])  # no ship-by: due at its service's cut-off
        session.exec(select(CarrierService)).one().cutoff_local = "15:00"
    assert _released(store, WaveRules(due_by="12:00")) == {"1"}
    assert _released(store, WaveRules(due_by="16:00")) == {"3"}
    assert _released(store, WaveRules(due_by="23:59")) == {"2"}


def test_merged_orders_go_together_or_not_at_all(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)], buyer_id="b1")
        add_order(session, 2, [("SKU-2", 1)], buyer_id="b1", ship_address1="1 NANJING  road")
        add_order(session, 3, [("SKU-3", 1)])
    assert _released(store, WaveRules(max_orders=1)) == {"3"}
    assert _released(store, WaveRules(max_orders=2)) == {"1", "2"}


def test_a_held_order_keeps_its_merged_partner_out_of_waves(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)], buyer_id="b1")
        add_order(session, 2, [("NOPE", 1)], buyer_id="b1")
    assert _released(store, WaveRules()) == set()
    with store.read() as session:
        statuses = {o.shop_order_id: o.status for o in session.exec(select(Order))}
    assert statuses == {"1": OrderStatus.READY, "2": OrderStatus.HELD}


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="strategy"):
        WaveRules(strategy="zone")
    with pytest.raises(ValueError, match="max_orders"):
        WaveRules(max_orders=0)
    with pytest.raises(ValueError, match="HH:MM"):
        WaveRules(due_by="noon")


# --- pause, resume, cancel ------------------------------------------------------------------------


def test_pause_resume_and_cancel_give_stock_and_orders_back(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        for number in range(1, 4):
            add_order(session, number, [(f"SKU-{number}", 2)])
    wave_id = release_wave(store, ACTOR, WaveRules())["wave"]
    assert pause_wave(store, ACTOR, wave_id).status == WaveStatus.PAUSED
    assert not pause_wave(store, ACTOR, wave_id).accepted
    assert resume_wave(store, ACTOR, wave_id).status == WaveStatus.RELEASED
    with store.write() as session:  # one item of order 1 picked already
        line = session.exec(select(OrderLine).where(OrderLine.sku_code == "SKU-1")).one()
        line.picked = 1
        allocation = session.exec(
            select(Allocation).where(Allocation.order_line_id == line.id)
        ).one()
        allocation.picked = 1
    result = cancel_wave(store, ACTOR, wave_id)
    assert result.accepted and result.status == WaveStatus.CANCELLED
    assert not cancel_wave(store, ACTOR, wave_id).accepted
    assert not cancel_wave(store, ACTOR, 999).accepted
    with store.read() as session:
        allocated = {s.sku_id: s.allocated for s in session.exec(select(Stock))}
        assert allocated == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}
        orders = {o.shop_order_id: o for o in session.exec(select(Order))}
        assert orders["1"].status == OrderStatus.HELD and orders["1"].hold_reason
        assert (orders["2"].status, orders["2"].wave_id) == (OrderStatus.READY, None)
        tasks = session.exec(select(PickTask)).all()
        assert {task.status for task in tasks} == {"cancelled"}
        refused = session.exec(
            select(func.count()).select_from(Journal).where(Journal.accepted.is_(False))
        ).one()
        assert refused == 3
