"""Shopify against the fake Admin GraphQL API: orders pulled in pages and mapped (accents,
Chinese addresses, several lines, a cancellation, an edit), versions that advance only on
content, our own fulfilment never intercepting our packed order, one fulfilment per parcel set
whatever the fault script, the void, throttling, and refused credentials."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from sqlmodel import select

from tests.support.shops import FakeShopify, sentinel
from tests.support.sync import connector, floor_order, importer, ship, void
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus, Outbox, OutboxState
from warehouse_tui.sync import shopify
from warehouse_tui.sync.connector import AuthError
from warehouse_tui.sync.runner import sync_once

TOKEN = sentinel("shopify-token")
ENV = {"WAREHOUSE_SHOP_SPY_TOKEN": TOKEN, "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml"}
LATER = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeShopify]:
    shop = FakeShopify(TOKEN)
    yield shop
    shop.close()


def settings(fake: FakeShopify) -> dict[str, object]:
    return {"url": fake.url, "location": "71", "timeout_s": 2.0, "carriers": {"UPS": "UPS"}}


def run(store: Store, fake: FakeShopify, now: datetime | None = None, env=ENV):  # type: ignore[no-untyped-def]
    shop = connector("SPY", "shopify", settings(fake), env)
    try:
        return sync_once(store, shop, importer(store), now=now)
    finally:
        shop.close()


def seed(fake: FakeShopify) -> dict[str, str]:
    return {
        "accented": fake.add_order(
            "1001",
            [("MUG", 2)],
            name="Zoë Ünal-Ibáñez",
            address=("Königstraße 5", "München", "80331", "DE"),
        ),
        "chinese": fake.add_order(
            "1002",
            [("TEA", 1)],
            name="王芳",
            address=("南京西路 1266 号", "上海", "200040", "CN"),
            province="上海市",
            note="请轻放",
        ),
        "multi": fake.add_order("1003", [("MUG", 1), ("TEA", 3), ("PEN", 12)]),
        "cancelled": fake.add_order("1004", [("MUG", 1)]),
        "changed": fake.add_order("1005", [("TEA", 2)]),
    }


def test_orders_are_pulled_in_pages_and_mapped(
    store: Store, fake: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shopify, "PAGE_SIZE", 2)  # five orders: three pages
    ids = seed(fake)
    report = run(store, fake)
    assert (report.pulled, report.imported, report.rejected) == (5, 5, 0)
    assert fake.requests.count("Orders") == 3
    chinese = floor_order(store, "SPY", ids["chinese"])
    assert (chinese.ship_name, chinese.ship_address1, chinese.ship_city) == (
        "王芳",
        "南京西路 1266 号",
        "上海",
    )
    assert (chinese.ship_region, chinese.pack_instructions, chinese.carrier) == (
        "上海市",
        "请轻放",
        "UPS",
    )
    assert floor_order(store, "SPY", ids["accented"]).ship_name == "Zoë Ünal-Ibáñez"

    fake.cancel(ids["cancelled"])
    fake.change_quantity(ids["changed"], "TEA", 5)
    fake.tag(ids["multi"], "gift")  # updatedAt moves, the content does not
    report = run(store, fake)
    assert (report.imported, report.unchanged) == (2, 1)
    assert floor_order(store, "SPY", ids["cancelled"]).status == OrderStatus.CANCELLED
    changed = floor_order(store, "SPY", ids["changed"])
    assert changed.shop_version == 2
    assert floor_order(store, "SPY", ids["multi"]).shop_version == 1


def test_our_own_fulfilment_coming_back_never_intercepts_our_packed_order(
    store: Store, fake: FakeShopify
) -> None:
    order_id = fake.add_order("2001", [("MUG", 2), ("TEA", 1)])
    run(store, fake)
    ship(store, "SPY", order_id, "1Z999AA10123456784")
    report = run(store, fake, LATER)
    assert report.delivered == 1
    [made] = fake.live_fulfillments(order_id)
    assert [info["number"] for info in made["trackingInfo"]] == ["1Z999AA10123456784"]
    assert fake.orders[order_id]["displayFulfillmentStatus"] == "FULFILLED"

    report = run(store, fake, LATER)  # the order comes back, updated by our fulfilment
    assert report.pulled >= 1 and report.imported == 0
    order = floor_order(store, "SPY", order_id)
    assert order.status == OrderStatus.PACKED and not order.intercepted and order.pending is None
    assert order.shop_version == 1


FAULTS = {
    "a 500, then a reset mid-body": [("500", "FulfillmentCreate"), ("reset", "FulfilmentState")],
    "applied, then the connection dropped": [("drop", "FulfillmentCreate")],
    "applied, the answer cut in half": [("reset", "FulfillmentCreate")],
    "a timeout": [("delay", "FulfilmentState")],
}


@pytest.mark.parametrize("script", FAULTS.values(), ids=FAULTS.keys())
def test_one_fulfilment_per_parcel_set_whatever_the_faults(
    store: Store, fake: FakeShopify, script: list[tuple[str, str]]
) -> None:
    orders = [fake.add_order(f"30{n}", [("MUG", 1), ("TEA", n + 1)]) for n in range(3)]
    run(store, fake)
    for n, order_id in enumerate(orders):
        ship(store, "SPY", order_id, f"1Z00000000000000{n}")
    for kind, match in script:
        fake.faults.add(kind, match, seconds=3.0)
    now = LATER
    for _ in range(6):
        run(store, fake, now)
        now += timedelta(hours=2)
    assert fake.faults.left() == 0
    for n, order_id in enumerate(orders):
        [made] = fake.live_fulfillments(order_id)
        assert [info["number"] for info in made["trackingInfo"]] == [f"1Z00000000000000{n}"]
    with store.read() as session:
        rows = list(session.exec(select(Outbox)))
    assert {row.state for row in rows} == {OutboxState.DELIVERED}
    assert all(row.reference.startswith("gid://shopify/Fulfillment/") for row in rows)


def test_a_void_cancels_the_fulfilment_and_the_new_parcel_is_fulfilled(
    store: Store, fake: FakeShopify
) -> None:
    order_id = fake.add_order("4001", [("MUG", 1)])
    run(store, fake)
    ship(store, "SPY", order_id, "1ZOLD")
    void(store, "SPY", order_id)
    ship(store, "SPY", order_id, "1ZNEW")
    fake.faults.add("drop", "FulfillmentCancel")
    run(store, fake, LATER)
    run(store, fake, LATER + timedelta(hours=1))
    cancelled = [f for f in fake.fulfillments[order_id] if f["status"] == "CANCELLED"]
    assert [[i["number"] for i in f["trackingInfo"]] for f in cancelled] == [["1ZOLD"]]
    [live] = fake.live_fulfillments(order_id)
    assert [i["number"] for i in live["trackingInfo"]] == ["1ZNEW"]
    assert fake.requests.count("FulfillmentCreate") == 2


def test_pull_faults_lose_no_order_and_import_none_twice(store: Store, fake: FakeShopify) -> None:
    ids = seed(fake)
    fake.faults.add("duplicate", "Orders")
    fake.faults.add("reorder", "Orders")
    fake.faults.add("reset", "Orders")
    first = run(store, fake)
    assert "connection failed" in first.error or "not JSON" in first.error
    run(store, fake)
    with store.read() as session:
        found = sorted(o.shop_order_id for o in session.exec(select(Order)))
    assert found == sorted(ids.values())
    assert fake.faults.left() == 0


def test_throttling_is_read_from_the_cost_extension(store: Store) -> None:
    fake = FakeShopify(TOKEN, bucket=60, restore_rate=100)
    try:
        for n in range(3):
            fake.add_order(f"50{n}", [("MUG", 1)])
        shop = connector("SPY", "shopify", settings(fake), ENV)
        shop.pull("")  # 52 of the bucket's 60: the next request must wait for the refill
        started = datetime.now(UTC)
        shop.pull("")
        waited = (datetime.now(UTC) - started).total_seconds()
        shop.close()
        assert waited >= 0.3  # (52 - 8) / 100 points a second
        assert "THROTTLED" not in str(fake.requests)
    finally:
        fake.close()


def test_refused_or_missing_credentials_name_the_setting_never_the_value(
    store: Store, fake: FakeShopify
) -> None:
    fake.add_order("6001", [("MUG", 1)])
    wrong = {**ENV, "WAREHOUSE_SHOP_SPY_TOKEN": sentinel("wrong-token")}
    report = run(store, fake, env=wrong)
    assert report.refused and "WAREHOUSE_SHOP_SPY_TOKEN" in report.error
    assert sentinel("wrong-token") not in report.error
    with pytest.raises(AuthError, match="WAREHOUSE_SHOP_SPY_TOKEN"):
        connector("SPY", "shopify", settings(fake), {"WAREHOUSE_SHOPS_FILE": "/nonexistent"})


def test_a_malformed_order_is_refused_alone(store: Store, fake: FakeShopify) -> None:
    good = fake.add_order("7001", [("MUG", 1)])
    bad = fake.add_order("7002", [("MUG", 1)])
    fake.orders[bad]["lineItems"]["nodes"][0]["currentQuantity"] = "many"
    report = run(store, fake)
    assert (report.pulled, report.imported, report.rejected) == (2, 1, 1)
    assert floor_order(store, "SPY", good).shop_version == 1


def test_over_https_the_shops_authority_given_as_ca_file_is_trusted(
    store: Store, tmp_path: Path
) -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    fake = FakeShopify(TOKEN, tls=context)
    ca_file = tmp_path / "shop-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    try:
        order_id = fake.add_order("2001", [("MUG", 2)])
        shop = connector("SPY", "shopify", {**settings(fake), "ca_file": str(ca_file)}, ENV)
        try:
            report = sync_once(store, shop, importer(store))
            assert (report.imported, report.error) == (1, "")
            ship(store, "SPY", order_id, "1ZTLS00001")
            report = sync_once(store, shop, importer(store), now=datetime(2100, 1, 1, tzinfo=UTC))
        finally:
            shop.close()
        assert (report.delivered, report.error) == (1, "")
        [made] = fake.live_fulfillments(order_id)
        assert [info["number"] for info in made["trackingInfo"]] == ["1ZTLS00001"]
    finally:
        fake.close()
