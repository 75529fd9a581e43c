"""WooCommerce against the fake REST API v3: OAuth 1.0a over HTTP checked as WooCommerce checks
it, Basic auth over HTTPS, pages until X-WP-TotalPages with de-duplication and an overlap
window, the order completed with its tracking in one note whatever the fault script, and the
shop's 429 waited out."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme
from sqlmodel import select

from tests.support.shops import FakeWoo, sentinel
from tests.support.sync import connector, floor_order, importer, ship
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus, Outbox, OutboxState
from warehouse_tui.sync import woocommerce
from warehouse_tui.sync.connector import RetryableError
from warehouse_tui.sync.runner import ShopReport, sync_once
from warehouse_tui.sync.shops import settings_refusal
from warehouse_tui.sync.woocommerce import oauth_signature

KEY, SECRET = sentinel("woo-key"), sentinel("woo-secret")
ENV = {
    "WAREHOUSE_SHOP_WOO_KEY": KEY,
    "WAREHOUSE_SHOP_WOO_SECRET": SECRET,
    "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml",
}
LATER = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeWoo]:
    shop = FakeWoo(KEY, SECRET)
    yield shop
    shop.close()


def run(store: Store, fake: FakeWoo, now: datetime | None = None, env=ENV):  # type: ignore[no-untyped-def]
    settings = {
        "url": fake.url,
        "timeout_s": 2.0,
        "overlap_s": 60,
        "carriers": {"flat_rate": "DHL"},
    }
    shop = connector("WOO", "woocommerce", settings, env)
    try:
        return sync_once(store, shop, importer(store), now=now)
    finally:
        shop.close()


def test_the_signature_is_rfc5849_hmac_sha256_keyed_with_the_secret_and_ampersand() -> None:
    # The base string RFC 5849 section 3.4.1 builds, signed by hand.
    import hashlib
    import hmac

    params = {"oauth_consumer_key": "ck", "page": "2", "modified_after": "2026-11-02T08:00:00"}
    base = (
        "GET&http%3A%2F%2Fshop.example%2Fwp-json%2Fwc%2Fv3%2Forders&"
        "modified_after%3D2026-11-02T08%253A00%253A00%26oauth_consumer_key%3Dck%26page%3D2"
    )
    expected = base64.b64encode(hmac.new(b"cs&", base.encode(), hashlib.sha256).digest()).decode()
    assert (
        oauth_signature("GET", "http://shop.example/wp-json/wc/v3/orders", params, "cs") == expected
    )


def test_orders_are_pulled_page_by_page_mapped_and_deduplicated(
    store: Store, fake: FakeWoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(woocommerce, "PER_PAGE", 2)
    ids = [
        fake.add_order(
            [("MUG", 1)],
            first="Zoë",
            last="Ünal",
            address=("Königstraße 5", "München", "80331", "DE"),
        ),
        fake.add_order(
            [("TEA", 2), ("PEN", 10), ("MUG", 1)],
            first="芳",
            last="王",
            address=("南京西路 1266 号", "上海", "200040", "CN"),
            state="SH",
        ),
        fake.add_order([("MUG", 1)]),
        fake.add_order([("MUG", 1)], status="pending"),  # not paid: not the floor's work
        fake.add_order([("MUG", 1)], status="completed"),  # shipped elsewhere: never created
    ]
    fake.faults.add("duplicate", "orders.list")
    fake.faults.add("reorder", "orders.list")
    report = run(store, fake)
    assert report.rejected == 0 and fake.requests.count("orders.list") == 3
    with store.read() as session:
        found = sorted(int(o.shop_order_id) for o in session.exec(select(Order)))
    assert found == ids[:3]
    chinese = floor_order(store, "WOO", str(ids[1]))
    assert (chinese.ship_name, chinese.ship_city, chinese.ship_region, chinese.carrier) == (
        "芳 王",
        "上海",
        "SH",
        "DHL",
    )

    fake.set_status(ids[2], "cancelled")
    fake.change_quantity(ids[0], "MUG", 3)
    report = run(store, fake)
    assert report.imported == 2
    assert floor_order(store, "WOO", str(ids[2])).status == OrderStatus.CANCELLED
    assert floor_order(store, "WOO", str(ids[0])).shop_version == 2
    assert (
        floor_order(store, "WOO", str(ids[1])).shop_version == 1
    )  # seen again (overlap): unchanged


FAULTS = {
    "a 500 on the note": [("500", "notes.post")],
    "the note applied, then the connection dropped": [("drop", "notes.post")],
    "completed, the answer cut in half": [("reset", "orders.put")],
    "a timeout listing the notes": [("delay", "notes.get")],
}


@pytest.mark.parametrize("script", FAULTS.values(), ids=FAULTS.keys())
def test_completed_with_one_note_per_parcel_set_whatever_the_faults(
    store: Store, fake: FakeWoo, script: list[tuple[str, str]]
) -> None:
    orders = [fake.add_order([("MUG", n + 1)]) for n in range(3)]
    run(store, fake)
    for n, order_id in enumerate(orders):
        ship(store, "WOO", str(order_id), f"JJD00000000000000000{n}")
    for kind, match in script:
        fake.faults.add(kind, match, seconds=3.0)
    now = LATER
    for _ in range(5):
        run(store, fake, now)
        now += timedelta(hours=2)
    assert fake.faults.left() == 0
    for n, order_id in enumerate(orders):
        [note] = fake.shipped_notes(order_id)
        assert f"JJD00000000000000000{n}" in note
        assert fake.orders[order_id]["status"] == "completed"
    with store.read() as session:
        assert {row.state for row in session.exec(select(Outbox))} == {OutboxState.DELIVERED}
    order = floor_order(store, "WOO", str(orders[0]))
    assert order.status == OrderStatus.PACKED and not order.intercepted  # completed: no change


def test_a_429_is_waited_out_as_the_shop_says(store: Store) -> None:
    fake = FakeWoo(KEY, SECRET, budget=(2, 30.0))
    try:
        fake.add_order([("MUG", 1)])
        shop = connector("WOO", "woocommerce", {"url": fake.url}, ENV)
        shop.pull("")
        shop.pull("")
        with pytest.raises(RetryableError) as refused:
            shop.pull("")
        assert refused.value.wait is not None and 25 <= refused.value.wait <= 30
        shop.close()
    finally:
        fake.close()


def test_a_wrong_secret_is_refused_by_the_signature_check(store: Store, fake: FakeWoo) -> None:
    fake.add_order([("MUG", 1)])
    wrong = {**ENV, "WAREHOUSE_SHOP_WOO_SECRET": sentinel("wrong")}
    report = run(store, fake, env=wrong)
    assert report.refused and "WAREHOUSE_SHOP_WOO_SECRET" in report.error
    assert sentinel("wrong") not in report.error and KEY not in report.error


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_fake(authority: trustme.CA) -> Iterator[FakeWoo]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    shop = FakeWoo(KEY, SECRET, tls=context)
    yield shop
    shop.close()


def run_tls(store: Store, fake: FakeWoo, ca_file: str, now: datetime | None = None) -> ShopReport:
    settings = {"url": fake.url, "timeout_s": 5.0, "ca_file": ca_file}
    assert settings_refusal("woocommerce", settings) == ""
    shop = connector("WOO", "woocommerce", settings, ENV)
    try:
        return sync_once(store, shop, importer(store), now=now)
    finally:
        shop.close()


def test_over_https_with_the_shops_authority_basic_auth_unsigned_pulls_and_delivers(
    store: Store, tls_fake: FakeWoo, authority: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "shop-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    order_id = tls_fake.add_order(
        [("MUG", 2)], first="Zoë", address=("长安街 1号", "北京", "100000", "CN")
    )
    report = run_tls(store, tls_fake, str(ca_file))
    assert (report.pulled, report.imported, report.error) == (1, 1, "")
    ship(store, "WOO", str(order_id), "JJDTLS0001")
    report = run_tls(store, tls_fake, str(ca_file), LATER)
    assert (report.delivered, report.error) == (1, "")
    [note] = tls_fake.shipped_notes(order_id)
    assert "JJDTLS0001" in note and tls_fake.orders[order_id]["status"] == "completed"


def test_a_certificate_from_an_authority_not_given_is_refused_naming_ca_file(
    store: Store, tls_fake: FakeWoo, tmp_path: Path
) -> None:
    order_id = tls_fake.add_order([("MUG", 1)])
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    report = run_tls(store, tls_fake, str(other))
    assert report.refused and "--ca-file" in report.error
    assert tls_fake.requests == []  # the handshake failed: no request reached the shop
    with store.read() as session:
        assert session.exec(select(Order)).all() == []
    assert KEY not in report.error and SECRET not in report.error
    assert tls_fake.orders[order_id]["status"] == "processing"


def test_a_ca_file_that_is_not_there_is_refused_when_connecting(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    refusal = settings_refusal(
        "woocommerce", {"url": "https://shop.example", "ca_file": str(missing)}
    )
    assert str(missing) in refusal and "--ca-file" in refusal
