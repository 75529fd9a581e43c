"""What a scanned code is in the database, and parse_scan with the database's carriers and codes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warehouse_tui.domain.barcodes import Resolved, ScanKind
from warehouse_tui.services.lookup import parse_in_store, resolve_code
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Carrier,
    Location,
    Operator,
    Order,
    Parcel,
    Sku,
    Tote,
    WallSlot,
)


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    """One row of every kind; labels stored with their prefix, except tote and slot."""
    with store.write() as session:
        mug = Sku(code="MUG-RED", name="Mug", weight_g=300, length_mm=1, width_mm=1, height_mm=1)
        session.add(mug)
        session.flush()
        session.add(Barcode(code="4006381333931", sku_id=mug.id))  # EAN-13
        session.add(Barcode(code="14006381333938", sku_id=mug.id, quantity=12))  # its case
        session.add(Barcode(code="96385074", sku_id=mug.id))  # EAN-8
        location = Location(
            code="LOC-A03-12-2", zone="A", block=0, aisle=2, position_m=1, bay=12, level=2
        )
        tote = Tote(code="0042")
        slot = WallSlot(code="1-07", wall=1, slot=7)
        box = BoxType(
            code="BOX-M2", name="Medium", length_mm=300, width_mm=200, height_mm=150, tare_g=80
        )
        badge = Operator(badge="OP-0007", name="Lukas", pin_hash="x", role="packer")
        order = Order(shop="WEB", shop_order_id="1001")
        session.add(
            Carrier(
                code="UPS", name="UPS", tracking_pattern=r"1Z[0-9A-Z]{15}\d", check_scheme="ups_1z"
            )
        )
        session.add_all([location, tote, slot, box, badge, order])
        session.flush()
        parcel = Parcel(order_id=order.id, status="closed", tracking="1Z999AA10123456784")
        preprinted = Parcel(order_id=order.id, status="closed", tracking="XYZ-000123")
        session.add_all([parcel, preprinted])
        session.flush()
        return {
            "sku": mug.id,
            "location": location.id,
            "tote": tote.id,
            "slot": slot.id,
            "box": box.id,
            "operator": badge.id,
            "order": order.id,
            "parcel": parcel.id,
            "preprinted": preprinted.id,
        }  # type: ignore[return-value]


def test_every_kind_of_code_resolves(store: Store, ids: dict[str, int]) -> None:
    cases = {
        "04006381333931": Resolved("sku", ids["sku"]),  # the GTIN-14 parse_scan passes
        "14006381333938": Resolved("sku", ids["sku"], 12),
        "00000096385074": Resolved("sku", ids["sku"]),
        "MUG-RED": Resolved("sku", ids["sku"], keyed=True),  # the SKU's own code
        "LOC-A03-12-2": Resolved("location", ids["location"]),
        "TOTE-0042": Resolved("tote", ids["tote"]),
        "WALL-1-07": Resolved("slot", ids["slot"]),
        "BOX-M2": Resolved("box", ids["box"]),
        "OP-0007": Resolved("operator", ids["operator"]),
        f"ORD-{ids['order']}": Resolved("order", ids["order"]),
        f"PCL-{ids['parcel']}": Resolved("parcel", ids["parcel"]),
        "1Z999AA10123456784": Resolved("parcel", ids["parcel"]),
    }
    with store.read() as session:
        for code, expected in cases.items():
            assert resolve_code(session, code) == expected, code
        for unknown in ("LOC-B01-01-1", "TOTE-9", "ORD-999999999999", "PCL-0", "nothing", "M2"):
            assert resolve_code(session, unknown) is None, unknown


def test_scans_in_the_store(store: Store, ids: dict[str, int]) -> None:
    with store.read() as session:
        case = parse_in_store(session, "14006381333938")
        assert case.kind is ScanKind.PRODUCT and case.resolves == Resolved("sku", ids["sku"], 12)

        tracking = parse_in_store(session, " 1Z999AA10123456784\r\n", expect_tracking=True)
        assert tracking.kind is ScanKind.TRACKING and tracking.carrier == "UPS"
        assert tracking.resolves == Resolved("parcel", ids["parcel"])

        wrong_check = parse_in_store(session, "1Z999AA10123456785")
        assert not wrong_check.valid and "check digit" in (wrong_check.error or "")

        # A pre-printed label no carrier pattern knows, registered to a parcel.
        preprinted = parse_in_store(session, "XYZ-000123", expect_tracking=True)
        assert preprinted.kind is ScanKind.TRACKING and preprinted.valid
        assert preprinted.resolves == Resolved("parcel", ids["preprinted"])

        internal = parse_in_store(session, "MUG-RED")
        assert internal.kind is ScanKind.PRODUCT and internal.resolves == Resolved(
            "sku", ids["sku"], keyed=True
        )

        tote = parse_in_store(session, "tote-0042")
        assert tote.kind is ScanKind.TOTE and tote.resolves == Resolved("tote", ids["tote"])

        unknown = parse_in_store(session, "NO-SUCH-THING")
        assert not unknown.valid and unknown.error == "unknown barcode"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40))
def test_any_text_gives_a_scan(sqlite_store: Store, text: str) -> None:
    with sqlite_store.read() as session:
        scan = parse_in_store(session, text, expect_tracking=len(text) % 2 == 0)
    assert scan.raw == text
    assert scan.valid or scan.error
