"""What the floor knows of one unit's serial: whether its SKU's deliveries are received with
serials at all, whether this serial came in on one, and whether a return put it back in stock.

One indexed round trip, prepared (store/prepared.py): the pack scan of a serial-tracked item
runs it on its hot path. services/serials.py decides what the answer means.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from sqlalchemy import Select, bindparam, exists, or_, select

from warehouse_tui.store.models import ReceiptSerial, ReturnUnit, UnitStatus, table_of
from warehouse_tui.store.prepared import Query, Tx

_receipt_serial = table_of(ReceiptSerial)
_return_unit = table_of(ReturnUnit)
# A returned unit is back in stock on a shelf, put there or released from quarantine.
_IN_STOCK = (UnitStatus.SHELVED, UnitStatus.RELEASED)


class SerialHistory(NamedTuple):
    sku_receives_serials: bool  # some delivery brought serials of this SKU
    received: bool  # this serial came in on a delivery
    returned: bool  # a return put this serial back in stock


_HISTORY_SELECT = cast(
    "Select[Any]",
    select(
        exists()
        .where(_receipt_serial.c.sku_id == bindparam("sku_id"))
        .label("sku_receives_serials"),
        exists()
        .where(
            _receipt_serial.c.sku_id == bindparam("sku_id"),
            _receipt_serial.c.serial == bindparam("serial"),
        )
        .label("received"),
        exists()
        .where(
            _return_unit.c.sku_id == bindparam("sku_id"),
            _return_unit.c.serial == bindparam("serial"),
            or_(*(_return_unit.c.status == status for status in _IN_STOCK)),
        )
        .label("returned"),
    ),
)
_HISTORY = Query(_HISTORY_SELECT, SerialHistory)


def serial_history(tx: Tx, sku_id: int, serial: str) -> SerialHistory:
    (row,) = _HISTORY.rows(tx, {"sku_id": sku_id, "serial": serial})
    return SerialHistory(*(bool(value) for value in row))
