"""The audit (审单) and merging (合单) on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.support.waves_floor import (
    ACTOR,
    add_carrier,
    add_location,
    add_operator,
    add_order,
    add_skus,
    add_stock,
)
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.services import audit
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.merging import normalise_address, split_merge
from warehouse_tui.services.orders import NewLine, OrderVersion, replace_versions
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Operator, Order, OrderLine, OrderStatus, Role


def _orders(store: Store) -> dict[str, Order]:
    with store.read() as session:
        return {order.shop_order_id: order for order in session.exec(select(Order))}


def test_audit_holds_each_problem_with_its_reason(store: Store) -> None:
    with store.write() as session:
        add_carrier(session)
        sku, other = add_skus(session, 2)
        add_stock(session, add_location(session, 1, 5), sku, 5)
        add_stock(session, add_location(session, 2, 5, pickable=False), other, 50)
        add_order(session, 1, [("SKU-1", 2)])
        add_order(session, 2, [("SKU-9", 1), ("SKU-1", 1)])
        add_order(session, 3, [("SKU-1", 1)], ship_city=" ", ship_postcode="")
        add_order(session, 4, [("SKU-1", 1)], carrier="ACME")
        add_order(session, 5, [("SKU-2", 1)])  # only in a location nobody picks from
        add_order(session, 6, [("SKU-1", 9)])
        add_order(session, 7, [("SKU-1", 1)], carrier="")
    result = audit_orders(store, ACTOR)
    assert (result.audited, result.ready, result.held) == (7, 1, 6)
    orders = _orders(store)
    assert orders["1"].status == OrderStatus.READY and orders["1"].hold_reason == ""
    assert {number: orders[number].status for number in "234567"} == dict.fromkeys(
        "234567", OrderStatus.HELD
    )
    assert orders["2"].hold_reason == "unknown SKU SKU-9"
    assert orders["3"].hold_reason == "incomplete address: missing city, postcode"
    assert orders["4"].hold_reason == "unknown carrier ACME"
    assert orders["5"].hold_reason == "too little stock for SKU-2"
    assert orders["6"].hold_reason == "too little stock for SKU-1"
    assert orders["7"].hold_reason == "no carrier"
    assert result.holds[orders["4"].id] == "unknown carrier ACME"
    with store.read() as session:
        skus = {line.sku_code: line.sku_id for line in session.exec(select(OrderLine))}
        assert skus == {"SKU-1": sku.id, "SKU-2": other.id, "SKU-9": None}
        held = session.exec(select(Journal).where(Journal.action == "audit-hold")).all()
        assert {(row.order_id, row.accepted) for row in held} == {
            (orders[number].id, False) for number in "234567"
        }
    assert audit_orders(store, ACTOR).audited == 0  # only `new` orders are audited


def test_stock_goes_to_ready_orders_then_the_most_urgent(store: Store) -> None:
    now = datetime.now(UTC)
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 1, 5), sku, 10)
        add_stock(session, add_location(session, 3, 40), sku, 2)
        add_order(session, 1, [("SKU-1", 6)])
    audit_orders(store, ACTOR)
    with store.write() as session:
        add_order(session, 2, [("SKU-1", 4)], ship_by=now + timedelta(days=2))
        add_order(session, 3, [("SKU-1", 4)], priority=5)
        add_order(session, 4, [("SKU-1", 4)], ship_by=now + timedelta(hours=2))
    audit_orders(store, ACTOR)
    statuses = {number: order.status for number, order in _orders(store).items()}
    assert statuses == {"1": "ready", "2": "held", "3": "held", "4": "ready"}


def test_urgency_breaks_ties_by_priority_then_first_imported(store: Store) -> None:
    soon = datetime.now(UTC) + timedelta(hours=3)
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 1, 5), sku, 3)
        add_order(session, 1, [("SKU-1", 1)])  # no ship-by: after every order that has one
        add_order(session, 2, [("SKU-1", 1)], ship_by=soon, priority=1)
        add_order(session, 3, [("SKU-1", 1)], ship_by=soon, priority=2)
        add_order(session, 4, [("SKU-1", 1)], ship_by=soon, priority=1)
        add_order(session, 5, [("SKU-1", 1)])
    audit_orders(store, ACTOR)
    statuses = {number: order.status for number, order in _orders(store).items()}
    assert statuses == {"1": "held", "2": "ready", "3": "ready", "4": "ready", "5": "held"}
    with store.write() as session:
        add_stock(session, add_location(session, 2, 5), sku, 1)
        add_order(session, 6, [("SKU-1", 1)])
        add_order(session, 7, [("SKU-1", 1)])
    audit_orders(store, ACTOR)
    statuses = {number: order.status for number, order in _orders(store).items()}
    assert (statuses["6"], statuses["7"]) == ("ready", "held")


def test_a_held_order_leaves_its_stock_to_the_next(store: Store) -> None:
    with store.write() as session:
        add_carrier(session)
        first, second = add_skus(session, 2)
        add_stock(session, add_location(session, 1, 5), first, 5)
        add_stock(session, add_location(session, 2, 5), second, 4)
        add_order(session, 1, [("SKU-1", 3), ("SKU-2", 3), ("SKU-2", 2)], priority=9)
        add_order(session, 2, [("SKU-1", 5)], priority=5)
        add_order(session, 3, [("SKU-2", 2), ("SKU-2", 2)])
        add_order(session, 4, [("SKU-2", 1)])
    result = audit_orders(store, ACTOR)
    orders = _orders(store)
    assert orders["1"].hold_reason == "too little stock for SKU-2"  # 3 + 2 of 4
    assert {number: orders[number].status for number in "234"} == {
        "2": "ready",
        "3": "ready",
        "4": "held",
    }
    assert result.holds == {
        orders["1"].id: "too little stock for SKU-2",
        orders["4"].id: "too little stock for SKU-2",
    }


def test_merge_groups_same_buyer_address_and_carrier(store: Store) -> None:
    with store.write() as session:
        add_carrier(session)
        add_carrier(session, "UPS")
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 1, 5), sku, 100)
        add_order(session, 1, [("SKU-1", 1)], buyer_id="b1")
        add_order(session, 2, [("SKU-1", 1)], buyer_id="b1", ship_address1="1,  NANJING road")
        add_order(session, 3, [("SKU-1", 1)], buyer_id="b1", carrier="UPS")
        add_order(session, 4, [("SKU-1", 1)], buyer_id="b1", ship_city="Beijing")
        add_order(session, 5, [("SKU-1", 1)], buyer_id="")
        add_order(session, 6, [("SKU-1", 1)], buyer_id="")
        add_order(session, 7, [("NOPE", 1)], buyer_id="b1")  # held, still merged: it waits
        add_order(session, 8, [("SKU-1", 1)], buyer_id="b1", shop="market")
        add_order(session, 9, [("SKU-1", 1)], buyer_id="b1", status=OrderStatus.RELEASED)
    result = audit_orders(store, ACTOR)
    orders = _orders(store)
    group = f"M{orders['1'].id}"
    assert result.merge_groups == 1
    assert {n: o.merge_group for n, o in orders.items()} == {
        "1": group,
        "2": group,
        "7": group,
        "3": None,
        "4": None,
        "5": None,
        "6": None,
        "8": None,
        "9": None,
    }


def test_normalised_addresses() -> None:
    assert normalise_address("1 Nanjing Road", "Shanghai") == normalise_address(
        " 1,  NANJING ROAD ", "ＳＨＡＮＧＨＡＩ"
    )
    assert normalise_address("1 Nanjing Road") != normalise_address("11 Nanjing Road")


PIN = "4321"


def _merged_pair(store: Store) -> tuple[Order, Order]:
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 1, 5), sku, 100)
        add_operator(session, "OP-0001", Role.PICKER).pin_hash = hash_pin(PIN)
        add_operator(session, "OP-0009", Role.SUPERVISOR).pin_hash = hash_pin(PIN)
        first = add_order(session, 1, [("SKU-1", 1)], buyer_id="b1")
        second = add_order(session, 2, [("SKU-1", 1)], buyer_id="b1")
    audit_orders(store, ACTOR)
    return first, second


def test_a_supervisor_badge_and_pin_split_a_merge_for_good(store: Store) -> None:
    first, second = _merged_pair(store)
    result = split_merge(store, ACTOR, f"ORD-{second.id}", "op-0009", PIN)
    assert result.accepted and result.merge_group == f"M{first.id}"
    orders = _orders(store)
    assert orders["2"].no_merge and orders["2"].merge_group is None
    assert orders["1"].merge_group is None  # alone now
    with store.write() as session:
        add_order(session, 3, [("SKU-1", 1)], buyer_id="b1")
    audit_orders(store, ACTOR)
    orders = _orders(store)
    assert orders["1"].merge_group == orders["3"].merge_group == f"M{first.id}"
    assert orders["2"].merge_group is None
    with store.read() as session:
        row = session.exec(select(Journal).where(Journal.action == "merge-split")).one()
        supervisor_id = row.authorised_by
        assert row.accepted and row.order_id == second.id and supervisor_id is not None


def test_a_picker_badge_or_a_wrong_pin_cannot_split_a_merge(store: Store) -> None:
    first, _second = _merged_pair(store)
    result = split_merge(store, ACTOR, str(first.id), "OP-0001", PIN)
    assert not result.accepted and "supervisor" in result.reason
    assert not split_merge(store, ACTOR, "ORD-999", "OP-0009", PIN).accepted
    wrong = split_merge(store, ACTOR, str(first.id), "OP-0009", "0000")
    assert not wrong.accepted and "wrong PIN" in wrong.reason
    orders = _orders(store)
    assert orders["1"].merge_group == orders["2"].merge_group == f"M{first.id}"
    assert not orders["1"].no_merge
    with store.read() as session:
        rows = session.exec(select(Journal).where(Journal.action == "merge-split")).all()
        assert [(row.accepted, bool(row.reason)) for row in rows] == [(False, True)] * 3
        supervisor = session.exec(select(Operator).where(Operator.badge == "OP-0009")).one()
        assert supervisor.failed_pins == 1


def test_a_locked_supervisor_cannot_split_a_merge(store: Store) -> None:
    first, _second = _merged_pair(store)
    for _attempt in range(5):  # the login setting's attempts: the fifth wrong PIN locks
        assert not split_merge(store, ACTOR, str(first.id), "OP-0009", "0000").accepted
    locked = split_merge(store, ACTOR, str(first.id), "OP-0009", PIN)
    assert not locked.accepted and "Locked" in locked.reason
    assert not _orders(store)["1"].no_merge


def test_a_large_audit_writes_in_chunks_and_keeps_stock_to_the_most_urgent(store: Store) -> None:
    """1,200 orders compete for 1,000 units: the audit writes a chunk of orders per
    transaction (their `updated_at` differ), and still the first 1,000 by urgency are ready and
    the other 200 held, across the chunks."""
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 1, 5), sku, 1_000)
        for number in range(1, 1_201):
            add_order(session, number, [("SKU-1", 1)])
    result = audit_orders(store, ACTOR)
    assert (result.audited, result.ready, result.held) == (1_200, 1_000, 200)
    orders = sorted(_orders(store).values(), key=lambda order: order.id or 0)
    assert [order.status for order in orders] == [OrderStatus.READY] * 1_000 + [
        OrderStatus.HELD
    ] * 200
    assert len({order.updated_at for order in orders}) >= 2


def test_an_order_changed_after_the_audit_read_it_is_left_for_the_next_audit(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit decides in one read and writes after it: an order that got a newer version
    in between (here a line of a SKU nobody has) keeps `new`, rather than the verdict on the
    version it replaced; the next audit decides the new version."""
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        add_stock(session, add_location(session, 1, 5), sku, 10)
        changed = add_order(session, 1, [("SKU-1", 1)])
        add_order(session, 2, [("SKU-1", 1)])
    newer = OrderVersion(version=2, cancelled=False, fields={}, lines=(NewLine("SKU-9", 1),))
    decide = audit._decide

    def decide_then_change(session: Session) -> dict[int, Any]:
        verdicts = decide(session)
        with store.write() as other:
            replace_versions(other, [(changed.id, newer)])
        return verdicts

    monkeypatch.setattr(audit, "_decide", decide_then_change)
    first = audit_orders(store, ACTOR)
    assert (first.audited, first.ready) == (1, 1)
    orders = _orders(store)
    assert (orders["1"].status, orders["2"].status) == (OrderStatus.NEW, OrderStatus.READY)
    monkeypatch.undo()
    second = audit_orders(store, ACTOR)
    assert second.holds == {changed.id: "unknown SKU SKU-9"}
