"""A version of an order as a shop sends it, and writing versions over orders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlmodel import Session

from warehouse_tui.services.orders.giveback import release_allocations
from warehouse_tui.store.models import (
    Order,
    OrderLine,
    OrderStatus,
    utcnow,
)

# sqlmodel's SQLModel declares no `__table__`, which SQLAlchemy sets on every table model.
_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]


LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]


class NewLine(NamedTuple):
    sku_code: str
    qty: int
    shop_line_id: str = ""
    unit_price_minor: int = 0


@dataclass(frozen=True)
class OrderVersion:
    """One version of a shop's order: its Order column values and lines, or a cancellation.

    `fields` holds Order columns other than the key and the version (ship_by as a datetime).
    """

    version: int
    cancelled: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)
    lines: tuple[NewLine, ...] = ()

    def to_pending(self) -> dict[str, Any]:
        """The JSON kept in `Order.pending` while the order waits for its restock."""
        fields = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in self.fields.items()
        }
        return {
            "version": self.version,
            "cancelled": self.cancelled,
            "fields": fields,
            "lines": [line._asdict() for line in self.lines],
        }

    @classmethod
    def from_pending(cls, pending: Mapping[str, Any]) -> OrderVersion:
        fields = dict(pending.get("fields", {}))
        if fields.get("ship_by"):
            fields["ship_by"] = datetime.fromisoformat(fields["ship_by"])
        return cls(
            version=pending["version"],
            cancelled=pending.get("cancelled", False),
            fields=fields,
            lines=tuple(NewLine(**line) for line in pending.get("lines", [])),
        )


def newest_version(order: Order) -> int:
    """The newest version this order has heard of: its own, or the one waiting beside it."""
    waiting = order.pending["version"] if order.pending else 0
    return max(order.shop_version, waiting)


def _line_rows(order_id: int, lines: Iterable[NewLine]) -> list[dict[str, Any]]:
    """OrderLine rows for a bulk insert (SKUs are resolved by the audit, not here)."""
    return [
        {
            "order_id": order_id,
            "shop_line_id": line.shop_line_id,
            "sku_code": line.sku_code,
            "sku_id": None,
            "qty": line.qty,
            "unit_price_minor": line.unit_price_minor,
            "picked": 0,
            "packed": 0,
        }
        for line in lines
    ]


def replace_versions(session: Session, versions: Sequence[tuple[int, OrderVersion]]) -> None:
    """Make each order (by id) its new version: fields and lines replaced, any stock it held
    given back, and back to `new` for the audit. Bulk statements, so an import of many
    updates stays fast; every version must carry the same set of fields."""
    if not versions:
        return
    order_ids = [order_id for order_id, _version in versions]
    release_allocations(session, order_ids)
    session.execute(delete(LINES).where(LINES.c.order_id.in_(order_ids)))
    rows = [row for order_id, version in versions for row in _line_rows(order_id, version.lines)]
    if rows:
        session.execute(insert(LINES), rows)
    now = utcnow()
    session.execute(
        update(_ORDERS).where(_ORDERS.c.id == bindparam("order_id")),
        [
            {
                **version.fields,
                "order_id": order_id,
                "shop_version": version.version,
                "status": OrderStatus.NEW.value,
                "hold_reason": "",
                "wave_id": None,
                "updated_at": now,
            }
            for order_id, version in versions
        ],
    )
