"""Load and ship: parcels onto the truck, the order shipped and announced in one transaction,
refusals journaled, the missing list and the day's manifest."""

from __future__ import annotations

import csv
import io
import re
import threading
import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlmodel import select

from tests.support.shipping_floor import (
    LOADER,
    journal_rows,
    outbox_rows,
    packed_order,
    shipped_floor_fixture,  # noqa: F401 (a fixture)
)
from warehouse_tui.devices.labels import font_path_for
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.services.shipping import (
    LoadResult,
    announce_fulfilment,
    carriers,
    fulfilment_key,
    load_parcel,
    loaded_count,
    manifest,
    manifest_csv,
    manifest_pdf,
    missing_parcels,
    write_manifest,
)
from warehouse_tui.services.shipping.load import _load
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Order,
    OrderStatus,
    Parcel,
    ParcelStatus,
)


def test_last_parcel_loaded_ships_the_order_and_announces_it(floor: Store) -> None:
    with floor.write() as session:
        order, (first, second) = packed_order(session, "1001", parcels=2)

    result = load_parcel(floor, LOADER, "UPS", f"PCL-{first.id}")
    assert result.accepted and not result.order_shipped
    assert result.parcel_id == first.id
    assert outbox_rows(floor) == []

    result = load_parcel(floor, LOADER, "UPS", second.tracking or "")
    assert result.accepted and result.order_shipped

    with floor.read() as session:
        assert session.get(Order, order.id).status == OrderStatus.SHIPPED  # type: ignore[union-attr]
        parcels = session.exec(select(Parcel).where(Parcel.order_id == order.id)).all()
    assert {p.status for p in parcels} == {ParcelStatus.LOADED}
    assert all(p.loaded_at is not None for p in parcels)

    [event] = outbox_rows(floor)
    assert event.idempotency_key == fulfilment_key(order, [first.tracking, second.tracking])
    assert event.idempotency_key.startswith("fulfilment:WEB:1001:1:")
    assert event.event == "fulfilment" and event.shop == "WEB" and event.delivered_at is None
    payload = event.payload
    assert payload["tracking_numbers"] == [first.tracking, second.tracking]
    assert payload["carrier"] == "UPS"
    assert [(line["sku"], line["qty"]) for line in payload["lines"]] == [("MUG", 2), ("TEA", 1)]
    assert [len(p["lines"]) for p in payload["parcels"]] == [1, 1]

    accepted = [row for row in journal_rows(floor) if row.action == "load.parcel"]
    assert [row.accepted for row in accepted] == [True, True]
    assert accepted[0].order_id == order.id and accepted[0].station == "dock-1"


def test_refusals_change_nothing_and_are_journaled(floor: Store) -> None:
    with floor.write() as session:
        _order, [ups] = packed_order(session, "2001")
        _order, [dhl] = packed_order(session, "2002", carrier="DHL")
        _order, [open_parcel] = packed_order(session, "2003")
        open_parcel.status = ParcelStatus.OPEN
        open_parcel.tracking = None

    assert load_parcel(floor, LOADER, "UPS", f"PCL-{ups.id}").accepted
    cases = {
        f"PCL-{ups.id}": "already loaded",
        f"PCL-{dhl.id}": "goes with DHL, not with UPS",
        dhl.tracking or "": "goes with DHL",
        f"PCL-{open_parcel.id}": "not closed yet",
        "PCL-99999": "No parcel has the code",
        "TOTE-0001": "is not a parcel label",
        "garbage!": "unknown barcode",
    }
    for code, reason in cases.items():
        result = load_parcel(floor, LOADER, "UPS", code)
        assert not result.accepted and reason in result.reason, (code, result.reason)
        assert not result.stop

    unknown = load_parcel(floor, LOADER, "NOPE", f"PCL-{dhl.id}")
    assert not unknown.accepted and "Unknown carrier" in unknown.reason

    with floor.read() as session:
        assert session.get(Parcel, dhl.id).status == ParcelStatus.CLOSED  # type: ignore[union-attr]
        assert session.get(Parcel, open_parcel.id).status == ParcelStatus.OPEN  # type: ignore[union-attr]
    refused = [row for row in journal_rows(floor) if not row.accepted]
    assert len(refused) == len(cases) + 1
    assert {row.raw for row in refused} >= set(cases)
    assert all(row.reason for row in refused)


@pytest.mark.parametrize("change", ["cancelled", "intercepted", "new version"])
def test_an_order_stopped_after_packing_is_refused_unmistakably(floor: Store, change: str) -> None:
    with floor.write() as session:
        order, [parcel] = packed_order(session, "3001")
        if change == "cancelled":
            order.status = OrderStatus.CANCELLED
        elif change == "intercepted":
            order.intercepted = True
        else:
            order.pending = {"shop_version": 2}

    result = load_parcel(floor, LOADER, "UPS", f"PCL-{parcel.id}")

    assert not result.accepted and result.stop
    assert result.reason.startswith("STOP")
    assert ("CANCELLED" if change == "cancelled" else "CHANGED") in result.reason
    with floor.read() as session:
        assert session.get(Parcel, parcel.id).status == ParcelStatus.CLOSED  # type: ignore[union-attr]
    assert outbox_rows(floor) == []


def test_a_shop_told_at_label_time_is_not_told_again_at_load(floor: Store) -> None:
    with floor.write() as session:
        order, [parcel] = packed_order(session, "4001", shop="MKT")
        # What the pack station does when it closes the last parcel of an order of this shop.
        first = announce_fulfilment(session, order)
        again = announce_fulfilment(session, order)
        assert first.id == again.id

    result = load_parcel(floor, LOADER, "UPS", f"PCL-{parcel.id}")

    assert result.accepted and result.order_shipped
    [event] = outbox_rows(floor)
    assert event.idempotency_key.startswith("fulfilment:MKT:4001:1:")
    assert event.payload["tracking_numbers"] == [parcel.tracking]


def test_an_order_not_packed_yet_is_not_shipped(floor: Store) -> None:
    """An order whose next parcel is not even opened yet is still `picked`."""
    with floor.write() as session:
        order, [parcel] = packed_order(session, "5001")
        order.status = OrderStatus.PICKED

    assert load_parcel(floor, LOADER, "UPS", f"PCL-{parcel.id}").accepted
    with floor.read() as session:
        assert session.get(Order, order.id).status == OrderStatus.PICKED  # type: ignore[union-attr]
    assert outbox_rows(floor) == []


def test_missing_parcels_and_counts(floor: Store) -> None:
    with floor.write() as session:
        _order, (a, b) = packed_order(session, "6001", parcels=2)
        _order, [c] = packed_order(session, "6002", carrier="DHL")
        cancelled, [d] = packed_order(session, "6003")
        cancelled.status = OrderStatus.CANCELLED
        intercepted, [e] = packed_order(session, "6004")
        intercepted.intercepted = True
    assert [p.parcel_id for p in missing_parcels(floor, "UPS")] == [a.id, b.id]
    assert [p.label for p in missing_parcels(floor, "DHL")] == [f"PCL-{c.id}"]

    load_parcel(floor, LOADER, "UPS", f"PCL-{a.id}")
    [left] = missing_parcels(floor, "UPS")
    assert left.parcel_id == b.id and left.order == "6001" and left.tracking == b.tracking
    today = datetime.now(UTC).date()
    assert loaded_count(floor, "UPS", today) == 1
    assert loaded_count(floor, "DHL", today) == 0
    assert [c.code for c in carriers(floor)] == ["DHL", "UPS"]
    assert {d.id, e.id}.isdisjoint(p.parcel_id for p in missing_parcels(floor, "UPS"))


# --- two loaders at once ---


def test_loading_the_last_two_parcels_at_once_ships_the_order(floor: Store) -> None:
    """Loader A has loaded parcel 1 but not committed when loader B loads parcel 2. B must wait
    for A (the order's row lock) and then see parcel 1 loaded; otherwise each would count the
    other's parcel as still waiting and the order would never ship (READ COMMITTED)."""
    with floor.write() as session:
        order, (first, second) = packed_order(session, "7001", parcels=2)
    outcome: list[LoadResult] = []
    loader_b = threading.Thread(
        target=lambda: outcome.append(load_parcel(floor, LOADER, "UPS", f"PCL-{second.id}"))
    )

    with floor.write() as session:
        assert _load(session, "UPS", f"PCL-{first.id}").accepted
        loader_b.start()
        loader_b.join(0.5)
        assert loader_b.is_alive()  # waiting for loader A's transaction
    loader_b.join(10)

    assert outcome[0].accepted and outcome[0].order_shipped
    with floor.read() as session:
        assert session.get(Order, order.id).status == OrderStatus.SHIPPED  # type: ignore[union-attr]
    assert len(outbox_rows(floor)) == 1


# --- the manifest ---


def _loaded_at(store: Store, parcel_id: int, when: datetime) -> None:
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        assert parcel is not None
        parcel.loaded_at = when


def test_the_manifest_holds_the_local_day(floor: Store) -> None:
    with floor.write() as session:
        set_setting(session, "timezone", "Asia/Shanghai")
        _order, (a, b) = packed_order(session, "8001", parcels=2, ship_name="张伟")
        _order, [c] = packed_order(session, "8002")
    for parcel in (a, b, c):
        assert load_parcel(floor, LOADER, "UPS", f"PCL-{parcel.id}").accepted
    # 2024-05-06 in Shanghai runs from 05-05 16:00 to 05-06 16:00 UTC.
    _loaded_at(floor, a.id, datetime(2024, 5, 5, 16, 30, tzinfo=UTC))
    _loaded_at(floor, b.id, datetime(2024, 5, 6, 15, 59, tzinfo=UTC))
    _loaded_at(floor, c.id, datetime(2024, 5, 6, 16, 0, tzinfo=UTC))

    rows = manifest(floor, "UPS", date(2024, 5, 6))

    assert [row.parcel for row in rows] == [f"PCL-{a.id}", f"PCL-{b.id}"]
    assert rows[0].ship_name == "张伟" and rows[0].tracking == a.tracking
    assert [row.parcel for row in manifest(floor, "UPS", date(2024, 5, 7))] == [f"PCL-{c.id}"]
    assert manifest(floor, "DHL", date(2024, 5, 6)) == []

    table = list(csv.DictReader(io.StringIO(manifest_csv(rows))))
    assert [r["tracking"] for r in table] == [a.tracking, b.tracking]
    assert table[0]["ship_name"] == "张伟" and table[0]["weight_g"] == "750"
    assert table[1]["loaded_at"] == "2024-05-06T15:59:00+00:00"


def _pdf_text(pdf: bytes) -> bytes:
    """The content streams of a PDF, inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    out = b""
    for stream in streams:
        try:
            out += zlib.decompress(stream)
        except zlib.error:
            continue
    return out


def test_manifest_pdf_lists_every_parcel(floor: Store, tmp_path: Path) -> None:
    with floor.write() as session:
        made = [
            packed_order(session, str(9000 + n), ship_name="张伟 Zhang")[1][0] for n in range(40)
        ]
    for parcel in made:
        load_parcel(floor, LOADER, "UPS", f"PCL-{parcel.id}")
    today = datetime.now(UTC).date()
    rows = manifest(floor, "UPS", today)

    pdf = manifest_pdf(rows, "UPS", today, font=None)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for parcel in made:
        assert (parcel.tracking or "").encode() in text
    assert b"?? Zhang" in text  # Helvetica cannot show Chinese: a visible stand-in, no crash
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 2  # 40 rows run onto a second page

    unicode_font = font_path_for("Zhang")
    if unicode_font is not None:
        assert manifest_pdf(rows, "UPS", today, font=unicode_font).startswith(b"%PDF")

    out = tmp_path / "ups.csv"
    assert write_manifest(floor, "UPS", today, out) == 40
    assert out.read_text(encoding="utf-8").count("\n") == 41
    assert write_manifest(floor, "UPS", today, tmp_path / "ups.pdf") == 40
    assert (tmp_path / "ups.pdf").read_bytes().startswith(b"%PDF")


def test_a_double_trigger_on_the_truck_is_refused_as_a_duplicate(floor: Store) -> None:
    with floor.write() as session:
        _order, [parcel] = packed_order(session, "1301")
        set_setting(session, "duplicate_scan_window_ms", 60_000)
    # a station of this run's own: the guard keeps each station's last code in the process
    loader = Actor(operator_id=None, station=f"dock-{uuid4().hex[:8]}", screen="LoadScreen")
    assert load_parcel(floor, loader, "UPS", f"PCL-{parcel.id}").accepted

    double = load_parcel(floor, loader, "UPS", f"PCL-{parcel.id}")

    assert not double.accepted and "double trigger" in double.reason
    refused = [row for row in journal_rows(floor) if not row.accepted]
    assert [(row.raw, row.task_ref) for row in refused] == [(f"PCL-{parcel.id}", "UPS")]
