"""Goods in reaching the shops: `stock` events set the shop's quantity (Shopify's available
quantity at our location, WooCommerce's stock_quantity of a product or a variation), a SKU the
shop does not sell or track is done without a call that changes anything, and an older value
never arrives after a newer one; `return` events record each returned unit once as a refund of
no money and no restock (a second unit back records only itself, units the seller refunded
already are not recorded again); whatever the fault script, each event changes the shop once;
Returns opened in Shopify come in as announced returns, once, and units back on one are
processed on that Return, each once, with no money moved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from tests.support.shops import FakeShopify, FakeWoo, sentinel
from tests.support.sync import connector, importer, returned, shipped, stock_now
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Outbox, OutboxState, Return, ReturnLine
from warehouse_tui.sync.outbox import retry_dead
from warehouse_tui.sync.runner import ShopReport, sync_once

TOKEN = sentinel("goods-in-token")
WOO_KEY, WOO_SECRET = sentinel("goods-in-woo-key"), sentinel("goods-in-woo-secret")
ENV = {
    "WAREHOUSE_SHOP_SPY_TOKEN": TOKEN,
    "WAREHOUSE_SHOP_WOO_KEY": WOO_KEY,
    "WAREHOUSE_SHOP_WOO_SECRET": WOO_SECRET,
    "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml",
}
LATER = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
def spy() -> Iterator[FakeShopify]:
    shop = FakeShopify(TOKEN)
    yield shop
    shop.close()


@pytest.fixture
def woo() -> Iterator[FakeWoo]:
    shop = FakeWoo(WOO_KEY, WOO_SECRET)
    yield shop
    shop.close()


def run(
    store: Store, fake: FakeShopify | FakeWoo, now: datetime | None = None, max_attempts: int = 8
) -> ShopReport:
    """One sync as the command runs it, returns announced through the import's path."""
    if isinstance(fake, FakeShopify):
        shop = connector(
            "SPY", "shopify", {"url": fake.url, "location": "71", "timeout_s": 2.0}, ENV
        )
    else:
        shop = connector("WOO", "woocommerce", {"url": fake.url, "timeout_s": 2.0}, ENV)
    apply = importer(store)
    try:
        return sync_once(
            store, shop, apply, now=now, max_attempts=max_attempts, announce=apply.announce_returns
        )
    finally:
        shop.close()


def events(store: Store) -> list[Outbox]:
    with store.read() as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)))


def spy_units(refunds: list[dict[str, Any]]) -> list[int]:
    """Units in each Shopify refund."""
    return [sum(item["quantity"] for item in r["refundLineItems"]["nodes"]) for r in refunds]


def woo_units(refunds: list[dict[str, Any]]) -> list[int]:
    """Units in each WooCommerce refund (its line items count down), oldest first."""
    return [-sum(item["quantity"] for item in r["line_items"]) for r in reversed(refunds)]


# --- stock ------------------------------------------------------------------------------------


def test_shopify_stock_sets_the_available_quantity_at_our_location(
    store: Store, spy: FakeShopify
) -> None:
    spy.add_variant("MUG", 3)
    spy.add_variant("MUG-XL", 9)  # Shopify's sku: search also finds this one
    spy.add_variant("TEA", 0, stocked=False)
    spy.add_variant("GIFT", 0, tracked=False)
    for sku, free in (("MUG", 7), ("TEA", 2), ("GIFT", 1), ("PEN", 4)):
        stock_now(store, "SPY", sku, free)
    report = run(store, spy, LATER)
    assert (report.delivered, report.failed, report.dead) == (4, 0, 0)
    assert spy.stock_sets == [("MUG", 7)] and spy.available_of("MUG-XL") == 9
    assert [event.reference for event in events(store)][1:] == [
        "not-stocked-here:TEA",
        "not-tracked:GIFT",
        "not-sold:PEN",
    ]

    stock_now(store, "SPY", "MUG", 7)  # the same state again is the same event: nothing new
    stock_now(store, "SPY", "MUG", 0)
    run(store, spy, LATER)
    assert spy.stock_sets == [("MUG", 7), ("MUG", 0)]


def test_an_older_stock_value_never_overwrites_a_newer_one(store: Store, spy: FakeShopify) -> None:
    spy.add_variant("MUG", 3)
    stock_now(store, "SPY", "MUG", 7)
    spy.faults.add("500", "InventorySet")  # the first value fails and waits for a retry
    run(store, spy, LATER)
    stock_now(store, "SPY", "MUG", 5)
    run(store, spy, LATER + timedelta(hours=1))
    assert spy.stock_sets == [("MUG", 5)] and spy.available_of("MUG") == 5
    first, second = events(store)
    assert first.state == second.state == OutboxState.DELIVERED
    assert first.reference == f"superseded-by:{second.id}"


def test_a_dead_stock_event_holds_back_no_later_one_and_is_superseded_when_retried(
    store: Store, spy: FakeShopify
) -> None:
    spy.add_variant("MUG", 3)
    stock_now(store, "SPY", "MUG", 7)
    spy.faults.add("500", "InventorySet", times=3)
    for hours in range(3):  # out of attempts: dead
        run(store, spy, LATER + timedelta(hours=hours), max_attempts=3)
    stock_now(store, "SPY", "MUG", 5)
    report = run(store, spy, LATER + timedelta(hours=4))
    assert (report.delivered, report.dead) == (1, 1) and spy.stock_sets == [("MUG", 5)]

    [dead, _sent] = events(store)
    retry_dead(store, [dead.id or 0], now=LATER + timedelta(hours=5))
    run(store, spy, LATER + timedelta(hours=5))
    assert spy.stock_sets == [("MUG", 5)]  # the old value never comes after the new one
    assert events(store)[0].reference.startswith("superseded-by:")


def test_woocommerce_stock_sets_the_product_or_the_variation(store: Store, woo: FakeWoo) -> None:
    woo.add_product("MUG", 3)
    woo.add_product("SHIRT", 1)
    woo.add_product("SHIRT-L", 2, variation_of="SHIRT")
    woo.add_product("PEN", None, manage=False)
    for sku, free in (("MUG", 7), ("SHIRT-L", 4), ("PEN", 1), ("TEA", 2)):
        stock_now(store, "WOO", sku, free)
    report = run(store, woo, LATER)
    assert (report.delivered, report.dead) == (4, 0)
    assert woo.stock_sets == [("MUG", 7), ("SHIRT-L", 4)]
    assert (woo.stock("SHIRT"), woo.stock("PEN")) == (1, None)
    assert [event.reference for event in events(store)][2:4] == ["not-managed:PEN", "not-sold:TEA"]


# --- returns ----------------------------------------------------------------------------------


def test_shopify_records_each_returned_unit_once_without_money_or_restock(
    store: Store, spy: FakeShopify
) -> None:
    order_id = spy.add_order("5001", [("MUG", 2), ("TEA", 1)])
    run(store, spy)
    shipped(store, "SPY", order_id)
    return_id = returned(store, "SPY", order_id, [("MUG", "resaleable")], rma="RMA-7")
    run(store, spy, LATER)
    [first] = spy.refunded(order_id)
    assert f"[return {return_id} RMA-7]" in first["note"] and "1 x MUG" in first["note"]
    assert [(n["quantity"], n["restockType"]) for n in first["refundLineItems"]["nodes"]] == [
        (1, "NO_RESTOCK")
    ]

    returned(store, "SPY", order_id, [("MUG", "damaged"), ("TEA", "wrong-item")], rma="RMA-7")
    run(store, spy, LATER)
    refunds = spy.refunded(order_id)
    assert spy_units(refunds) == [1, 2]  # the second records only what is new
    assert "damaged 1" in refunds[1]["note"] and "resaleable 1" in refunds[1]["note"]
    assert {event.state for event in events(store)} == {OutboxState.DELIVERED}


def test_units_the_seller_refunded_already_are_not_recorded_again(
    store: Store, spy: FakeShopify
) -> None:
    order_id = spy.add_order("5002", [("MUG", 2)])
    run(store, spy)
    shipped(store, "SPY", order_id)
    for item in spy.orders[order_id]["lineItems"]["nodes"]:
        item["refundableQuantity"] = 0  # refunded in Shopify's admin before the parcel came
    returned(store, "SPY", order_id, [("MUG", "resaleable")])
    report = run(store, spy, LATER)
    assert (report.delivered, report.dead) == (1, 0)
    assert spy.refunded(order_id) == [] and events(store)[0].reference == "nothing-to-record"


def test_woocommerce_records_each_returned_unit_once_and_moves_no_money(
    store: Store, woo: FakeWoo
) -> None:
    woo.add_product("MUG", 5)
    order_id = woo.add_order([("MUG", 2), ("TEA", 1)])
    run(store, woo)
    shipped(store, "WOO", str(order_id))
    return_id = returned(store, "WOO", str(order_id), [("MUG", "resaleable")])
    run(store, woo, LATER)
    returned(store, "WOO", str(order_id), [("MUG", "missing-parts")])
    run(store, woo, LATER)
    newest, oldest = woo.refunded(order_id)
    assert woo_units([newest, oldest]) == [1, 1]
    assert f"[return {return_id}]" in oldest["reason"] and "missing-parts 1" in newest["reason"]
    assert (oldest["amount"], oldest["refunded_payment"], woo.money_refunded) == ("0.00", False, 0)
    assert woo.stock("MUG") == 5  # no restock: the stock events say what is free


# --- faults -----------------------------------------------------------------------------------

SHOPIFY_FAULTS = {
    "a 500, then a reset mid-body": [
        ("500", "RefundCreate"),
        ("reset", "ReturnState"),
        ("500", "InventorySet"),
        ("reset", "StockState"),
    ],
    "applied, then the connection dropped": [("drop", "RefundCreate"), ("drop", "InventorySet")],
    "applied, the answer cut in half": [("reset", "RefundCreate"), ("reset", "InventorySet")],
}
WOO_FAULTS = {
    "a 500, then a reset mid-body": [
        ("500", "refunds.post"),
        ("reset", "refunds.get"),
        ("500", "products.put"),
        ("reset", "products.get"),
    ],
    "applied, then the connection dropped": [("drop", "refunds.post"), ("drop", "products.put")],
    "applied, the answer cut in half": [("reset", "refunds.post"), ("reset", "products.put")],
}


def _faulted_runs(store: Store, fake: FakeShopify | FakeWoo, script: list[tuple[str, str]]) -> None:
    for kind, match in script:
        fake.faults.add(kind, match)
    now = LATER
    for _ in range(5):
        run(store, fake, now)
        now += timedelta(hours=2)
    assert fake.faults.left() == 0
    assert {event.state for event in events(store)} == {OutboxState.DELIVERED}


@pytest.mark.parametrize("script", SHOPIFY_FAULTS.values(), ids=SHOPIFY_FAULTS.keys())
def test_shopify_one_refund_and_one_stock_set_per_event_whatever_the_faults(
    store: Store, spy: FakeShopify, script: list[tuple[str, str]]
) -> None:
    spy.add_variant("MUG", 0)
    order_id = spy.add_order("5003", [("MUG", 2)])
    run(store, spy)
    shipped(store, "SPY", order_id)
    returned(store, "SPY", order_id, [("MUG", "resaleable")])
    stock_now(store, "SPY", "MUG", 6)
    _faulted_runs(store, spy, script)
    assert spy_units(spy.refunded(order_id)) == [1]
    assert spy.stock_sets == [("MUG", 6)]


@pytest.mark.parametrize("script", WOO_FAULTS.values(), ids=WOO_FAULTS.keys())
def test_woocommerce_one_refund_and_one_stock_set_per_event_whatever_the_faults(
    store: Store, woo: FakeWoo, script: list[tuple[str, str]]
) -> None:
    woo.add_product("MUG", 0)
    order_id = woo.add_order([("MUG", 2)])
    run(store, woo)
    shipped(store, "WOO", str(order_id))
    returned(store, "WOO", str(order_id), [("MUG", "resaleable")])
    stock_now(store, "WOO", "MUG", 6)
    _faulted_runs(store, woo, script)
    assert woo_units(woo.refunded(order_id)) == [1]
    assert woo.stock_sets == [("MUG", 6)]


# --- returns opened at the shop ---------------------------------------------------------------


def test_returns_opened_in_shopify_are_announced_once(store: Store, spy: FakeShopify) -> None:
    order_id = spy.add_order("5004", [("MUG", 2), ("TEA", 1)])
    other = spy.add_order("5005", [("TEA", 1)])
    run(store, spy)
    assert spy.requests.count("OrderReturns") == 0  # asked only of orders with a return open
    shipped(store, "SPY", order_id)
    name = spy.open_return(order_id, [("MUG", 1, "SIZE_TOO_SMALL"), ("TEA", 1, "DEFECTIVE")])
    spy.open_return(order_id, [("MUG", 1, "UNWANTED")], status="REQUESTED")  # not approved
    spy.open_return(other, [("TEA", 1, "UNWANTED")])  # never shipped by us: refused, told
    report = run(store, spy)
    assert (report.returns, report.rejected) == (1, 1)
    run(store, spy)  # the orders come again (our pull looks back): nothing twice
    with store.read() as session:
        [ret] = session.exec(select(Return)).all()
        lines = session.exec(select(ReturnLine).order_by(ReturnLine.id)).all()
    assert ret.rma == name
    assert [(line.qty, line.reason) for line in lines] == [
        (1, "size too small"),
        (1, "defective"),
    ]


def test_units_back_on_a_shopify_return_process_that_return_once(
    store: Store, spy: FakeShopify
) -> None:
    order_id = spy.add_order("5006", [("MUG", 2)])
    run(store, spy)
    shipped(store, "SPY", order_id)
    name = spy.open_return(order_id, [("MUG", 2, "DEFECTIVE")])
    run(store, spy)  # announced
    returned(store, "SPY", order_id, [("MUG", "damaged")], rma=name)
    spy.faults.add("drop", "ReturnProcess")  # processed, the answer lost
    run(store, spy, LATER)
    run(store, spy, LATER + timedelta(hours=1))
    returned(store, "SPY", order_id, [("MUG", "resaleable")], rma=name)
    run(store, spy, LATER + timedelta(hours=2))
    assert spy.processed == [(name, 1), (name, 1)] and spy.refunded(order_id) == []
    assert spy.orders[order_id]["returns"]["nodes"][0]["status"] == "CLOSED"
    assert [event.state for event in events(store)] == [OutboxState.DELIVERED] * 2
