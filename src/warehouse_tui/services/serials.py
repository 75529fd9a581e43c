"""Serial numbers the warehouse took in, and the rule picking and packing hold them to.

A serial-tracked SKU's units are received one at a time, each by the GS1 code that carries its
serial (AI 21): `ReceiptSerial` keeps a serial once, with the delivery line it came on, and
the same serial received again is refused.

Once any delivery brought serials of a SKU, a serial of that SKU no delivery brought is
refused at the pick (when the scan carries one) and at the pack station — unless a return put
it back in stock (`ReturnUnit` shelved or released), since a unit shipped before its SKU's
deliveries were received with serials comes back through a return. The rule starts per SKU,
not with the first serial received of any SKU: stock of every other serial-tracked SKU
received before serials were captured would otherwise be refused at once, all of it, on the
day the first delivery of one SKU is scanned with its serials.

A refused unit is set aside for a supervisor: the refusal records a set-aside floor task
(services/set_asides.py), ended on the Exceptions screen or with `warehouse-tui exceptions`.
A unit in stock from before its SKU's deliveries were received with serials is that SKU's
real stock: the supervisor records its serial as received (`record_unreceived_serial`, a
`ReceiptSerial` on no delivery line, by that supervisor), and it picks and packs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, text
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import _
from warehouse_tui.store.models import (
    PackedSerial,
    Receipt,
    ReceiptLine,
    ReceiptSerial,
    Sku,
    table_of,
    utcnow,
)
from warehouse_tui.store.prepared import Tx
from warehouse_tui.store.serials import SerialHistory, serial_history


def never_received(history: SerialHistory) -> bool:
    """The rule above: the SKU's deliveries bring serials, and neither one nor a return
    brought this one."""
    return history.sku_receives_serials and not (history.received or history.returned)


def refused_as_never_received(session: Session, sku: Sku, serial: str) -> bool:
    """The rule refuses this serial of `sku` now (a supervisor may record it as received)."""
    assert sku.id is not None
    return never_received(serial_history(Tx.of(session.connection()), sku.id, serial))


def never_received_refusal(serial: str, sku: str) -> str:
    return _(
        "Serial {serial} of {sku} was never received: put the unit in the set-aside tote and "
        "take another; a supervisor receives the serial or settles it (Exceptions, or "
        "warehouse-tui serials receive)"
    ).format(serial=serial, sku=sku)


def serial_card(session: Session, sku_id: int, serial: str) -> dict[str, Any]:
    """Where one unit's serial stands, for `product show` and the look-up: the delivery that
    brought it, whether a return put it back in stock, the parcel it is packed in, and whether
    the pick and pack stations refuse it as never received."""
    history = serial_history(Tx.of(session.connection()), sku_id, serial)
    parcel_id = session.execute(
        select(col(PackedSerial.parcel_id)).where(
            col(PackedSerial.sku_id) == sku_id, col(PackedSerial.serial) == serial
        )
    ).scalar()
    return {
        "serial": serial,
        "received_on": received_on(session, sku_id, serial) or None,
        "returned": history.returned,
        "packed_in": format_label(ScanKind.PARCEL, parcel_id) if parcel_id else None,
        "never_received": never_received(history),
        "received_by_supervisor": history.received and not received_on(session, sku_id, serial),
    }


def serial_card_line(card: dict[str, Any]) -> str:
    """A serial card as the line an operator reads."""
    if card["packed_in"]:
        where = _("packed in {parcel}").format(parcel=card["packed_in"])
    elif card["never_received"]:
        where = _("never received: refused at pick and pack")
    elif card["returned"]:
        where = _("back in stock from a return")
    elif card["received_on"]:
        where = _("received on delivery {ref}").format(ref=card["received_on"])
    elif card["received_by_supervisor"]:
        where = _("received by a supervisor: in stock from before serials were received")
    else:
        where = _("no delivery of this SKU is received with serials yet")
    return _("Serial {serial}: {where}").format(serial=card["serial"], where=where)


def received_on(session: Session, sku_id: int, serial: str) -> str:
    """The reference of the delivery that brought the serial, or "" if none did."""
    reference: str | None = session.execute(
        select(col(Receipt.reference))
        .join(ReceiptLine, col(ReceiptLine.receipt_id) == Receipt.id)
        .join(ReceiptSerial, col(ReceiptSerial.receipt_line_id) == ReceiptLine.id)
        .where(col(ReceiptSerial.sku_id) == sku_id, col(ReceiptSerial.serial) == serial)
    ).scalar()
    return reference or ""


# Both databases take ON CONFLICT DO NOTHING: a serial received already inserts nothing.
_RECEIVE = text(
    "INSERT INTO receiptserial (receipt_line_id, sku_id, serial, received_by, received_at)"
    " VALUES (:line_id, :sku_id, :serial, :operator_id, :at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("at", type_=table_of(ReceiptSerial).c.received_at.type))


def receive_serial(
    session: Session, line_id: int | None, sku_id: int, serial: str, operator_id: int | None
) -> bool:
    """Record the serial on the delivery line; False (nothing written) when it was received
    before. The unique (SKU, serial) row decides, so two handhelds cannot both receive it."""
    inserted = session.execute(
        _RECEIVE,
        {
            "line_id": line_id,
            "sku_id": sku_id,
            "serial": serial,
            "operator_id": operator_id,
            "at": utcnow(),
        },
    )
    return bool(inserted.rowcount == 1)  # type: ignore[attr-defined]


def record_unreceived_serial(
    session: Session, sku: Sku, serial: str, operator_id: int | None
) -> str:
    """Record a serial the rule refuses as never received as received, on no delivery line, by
    the supervisor `operator_id`; or why not, nothing written (the rule does not refuse it, or
    another supervisor recorded it a moment ago)."""
    assert sku.id is not None
    history = serial_history(Tx.of(session.connection()), sku.id, serial)
    if not sku.serial_tracked or not history.sku_receives_serials:
        return _(
            "{sku}'s deliveries are not received with serials: its units are not refused, "
            "nothing to record"
        ).format(sku=sku.code)
    recorded = never_received(history) and receive_serial(
        session, None, sku.id, serial, operator_id
    )
    if not recorded:
        return _("Serial {serial} of {sku} is received already: the unit packs").format(
            serial=serial, sku=sku.code
        )
    return ""
