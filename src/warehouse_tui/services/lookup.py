"""What a scanned code is in this warehouse's database, for domain.barcodes.parse_scan.

`resolve_code` is parse_scan's `lookup_code`: it gets the 14-digit GTIN (or SSCC) of a product
scan, the whole label of one of ours ("LOC-A03-12-2", "PCL-5531"), a tracking number, or any
other scanned text, and says which row it names. A label's code may be stored with or without
its prefix ("LOC-A03-12-2" or "A03-12-2"); both are found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import Resolved, Scan, ScanKind, parse_scan
from warehouse_tui.i18n import _
from warehouse_tui.services.serials import serial_card, serial_card_line
from warehouse_tui.services.tracking import tracking_patterns
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    Sku,
    Stock,
    Tote,
    WallSlot,
)

# Our own labels whose code column holds the label: prefix → (id column, code column, type).
_LABEL_TABLES: dict[str, tuple[Any, Any, str]] = {
    "LOC-": (Location.id, Location.code, "location"),
    "TOTE-": (Tote.id, Tote.code, "tote"),
    "WALL-": (WallSlot.id, WallSlot.code, "slot"),
    "BOX-": (BoxType.id, BoxType.code, "box"),
    "OP-": (Operator.id, Operator.badge, "operator"),
}
# Our own labels that carry the row's id: prefix → (id column, type).
_ID_LABELS: dict[str, tuple[Any, str]] = {
    "ORD-": (Order.id, "order"),
    "PCL-": (Parcel.id, "parcel"),
}
_LARGEST_ID = 2**31 - 1
# Orders whose lines still want units from the shelves.
OPEN_ORDER_STATES = (
    OrderStatus.NEW,
    OrderStatus.HELD,
    OrderStatus.READY,
    OrderStatus.RELEASED,
)  # ids are INTEGER columns; PostgreSQL refuses a larger literal


def resolve_code(session: Session, code: str) -> Resolved | None:
    """The row `code` names: a SKU (with the units one scan counts), one of our labels' rows,
    or a parcel by its tracking number; None if nothing here has that code."""
    upper = code.upper()
    for prefix, (id_column, code_column, kind) in _LABEL_TABLES.items():
        if upper.startswith(prefix):
            return _by_label(session, id_column, code_column, kind, code, code[len(prefix) :])
    for prefix, (id_column, kind) in _ID_LABELS.items():
        if upper.startswith(prefix):
            return _by_id(session, id_column, kind, code[len(prefix) :])
    return _product(session, code) or _parcel_by_tracking(session, code)


def _by_label(
    session: Session, id_column: Any, code_column: Any, kind: str, label: str, bare: str
) -> Resolved | None:
    found = session.execute(
        select(id_column).where(or_(code_column == label, code_column == bare)).limit(1)
    ).scalar()
    return Resolved(kind, found) if found is not None else None


def _by_id(session: Session, id_column: Any, kind: str, digits: str) -> Resolved | None:
    if not (digits.isascii() and digits.isdigit()) or int(digits) > _LARGEST_ID:
        return None
    found = session.execute(select(id_column).where(id_column == int(digits))).scalar()
    return Resolved(kind, found) if found is not None else None


def gtin_forms(code: str) -> list[str]:
    """A 14-digit GTIN as it may be registered: GTIN-14, EAN-13, UPC-A or EAN-8."""
    if len(code) != 14 or not (code.isascii() and code.isdigit()):
        return [code]
    return [code[14 - length :] for length in (14, 13, 12, 8) if not code[: 14 - length].strip("0")]


def _product(session: Session, code: str) -> Resolved | None:
    barcode = session.execute(
        select(col(Barcode.sku_id), col(Barcode.quantity))
        .where(col(Barcode.code).in_(gtin_forms(code)))
        .limit(1)
    ).first()
    if barcode is not None:
        return Resolved("sku", barcode.sku_id, barcode.quantity)
    sku_id = session.execute(select(col(Sku.id)).where(col(Sku.code) == code)).scalar()
    return Resolved("sku", sku_id, keyed=True) if sku_id is not None else None


def _parcel_by_tracking(session: Session, code: str) -> Resolved | None:
    parcel_id = session.execute(select(col(Parcel.id)).where(col(Parcel.tracking) == code)).scalar()
    return Resolved("parcel", parcel_id) if parcel_id is not None else None


def parse_in_store(session: Session, raw: str, expect_tracking: bool = False) -> Scan:
    """parse_scan with this database's carriers' patterns and codes.

    A code no carrier pattern knows but that is a parcel's tracking number (a pre-printed label
    of a carrier without a pattern) comes back as a tracking scan of that parcel.
    """
    scan = parse_scan(
        raw,
        tracking_patterns=tracking_patterns(session),
        lookup_code=lambda code: resolve_code(session, code),
        expect_tracking=expect_tracking,
    )
    if scan.kind is ScanKind.PRODUCT and scan.resolves and scan.resolves.type == "parcel":
        return Scan(
            raw=scan.raw,
            kind=ScanKind.TRACKING,
            valid=True,
            symbology=scan.symbology,
            code=scan.code,
            resolves=scan.resolves,
        )
    return scan


def product_card(store: Store, code: str) -> dict[str, Any] | None:
    """`product show`: a product found by any of its codes (a barcode, a case code, a GS1
    string, its SKU) with its barcodes, tracking, weight and size, stock per location and lot,
    and the open demand on it; for a GS1 string carrying a serial-tracked unit's serial, where
    that serial stands (`unit`). None when `code` names no product."""
    with store.read() as session:
        sku = _sku_of(session, code)
        if sku is None:
            return None
        assert sku.id is not None
        serial = parse_in_store(session, code).serial if sku.serial_tracked else None
        unit = serial_card(session, sku.id, serial) if serial else None
        barcodes = session.execute(
            select(col(Barcode.code), col(Barcode.quantity))
            .where(col(Barcode.sku_id) == sku.id)
            .order_by(col(Barcode.quantity), col(Barcode.code))
        ).all()
        stock = session.execute(
            select(
                col(Location.code),
                col(Stock.batch),
                col(Stock.expiry),
                col(Stock.on_hand),
                col(Stock.allocated),
            )
            .join(Location, col(Location.id) == col(Stock.location_id))
            .where(col(Stock.sku_id) == sku.id, col(Stock.on_hand) != 0)
            .order_by(col(Location.code), col(Stock.batch))
        ).all()
        demand = session.execute(
            select(
                func.count(func.distinct(OrderLine.order_id)),
                func.coalesce(func.sum(OrderLine.qty - OrderLine.picked), 0),
            )
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(col(OrderLine.sku_code) == sku.code, col(Order.status).in_(OPEN_ORDER_STATES))
        ).one()
    return {
        "sku": sku.code,
        "name": sku.name,
        "barcodes": [{"code": barcode, "units": units} for barcode, units in barcodes],
        "serial_tracked": sku.serial_tracked,
        "batch_tracked": sku.batch_tracked,
        "typed_qty_allowed": sku.typed_qty_allowed,
        "weight_g": sku.weight_g,
        "size_mm": [sku.length_mm, sku.width_mm, sku.height_mm],
        "stock": [
            {
                "location": location,
                "batch": batch or None,
                "expiry": expiry.isoformat() if expiry else None,
                "on_hand": on_hand,
                "allocated": allocated,
            }
            for location, batch, expiry, on_hand, allocated in stock
        ],
        "open_orders": demand[0],
        "open_units": int(demand[1]),
        "unit": unit,
    }


def product_card_lines(card: dict[str, Any]) -> list[str]:
    """A product card as the lines an operator reads (`product show`, the look-up key)."""
    lines = [
        f"{card['sku']}  {card['name']}",
        _("Barcodes: {codes}").format(
            codes=", ".join(
                barcode["code"] + (f" ×{barcode['units']}" if barcode["units"] > 1 else "")
                for barcode in card["barcodes"]
            )
            or "—"
        ),
        _("Weight {weight} g, size {l}×{w}×{h} mm").format(
            weight=card["weight_g"],
            l=card["size_mm"][0],
            w=card["size_mm"][1],
            h=card["size_mm"][2],
        ),
    ]
    tracking = [
        name
        for name, on in ((_("serial"), card["serial_tracked"]), (_("batch"), card["batch_tracked"]))
        if on
    ]
    if tracking:
        lines.append(_("Tracked by {what}").format(what=", ".join(tracking)))
    if card["unit"] is not None:
        lines.append(serial_card_line(card["unit"]))
    for row in card["stock"]:
        place = " ".join(part for part in (row["location"], row["batch"], row["expiry"]) if part)
        lines.append(
            _("{place}: {on_hand} on hand, {allocated} allocated").format(
                place=place,
                on_hand=row["on_hand"],
                allocated=row["allocated"],
            )
        )
    lines.append(
        _("Open demand: {units} units in {orders} orders").format(
            units=card["open_units"], orders=card["open_orders"]
        )
    )
    return lines


def _sku_of(session: Session, code: str) -> Sku | None:
    """The SKU a typed or scanned code names: a barcode or GS1 string through the scan parser,
    else the SKU's own code."""
    scan = parse_in_store(session, code)
    if scan.resolves is not None and scan.resolves.type == "sku":
        return session.get(Sku, scan.resolves.id)
    return session.execute(select(Sku).where(col(Sku.code) == code.strip())).scalar()
