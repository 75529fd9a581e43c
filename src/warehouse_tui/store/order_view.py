"""`order show` and `status` as SQL on the driver's connection, without the ORM.

A command that shows one order or counts states reads a few indexed rows; setting up SQLModel
and SQLAlchemy to do it costs a hundred times more than the reading. So these reads are plain
SQL through a `Rows` function, one for each driver (`rows_on`): the command line runs them on a
bare `sqlite3` connection before anything heavy is imported (commands/quick.py), the services
on their pooled driver connection (services/orders/show.py), so both show the same thing.
Standard library only: this module is imported before SQLAlchemy is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from warehouse_tui.domain.states import FLOOR_STATUSES, OrderStatus, WaveStatus, intercept_reason

Rows = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
"""Runs one SELECT written with `?` placeholders; its rows."""

LARGEST_ID = 2**63 - 1
"""The largest id either database stores (a bigger number names no order)."""

_ORDER_COLUMNS = (
    "id, shop, shop_order_id, status, hold_reason, carrier, service, wave_id, intercepted,"
    " pending, shop_version, ship_name, ship_address1, ship_address2, ship_city, ship_region,"
    " ship_postcode, ship_country, ship_phone"
)
_IMPORTING = OrderStatus.IMPORTING.value
"""An import's orders not yet complete: shown to nobody (services/importing/staged.py)."""
_SHIP_TO = ("name", "address1", "address2", "city", "region", "postcode", "country", "phone")


def rows_on(driver: Any, *, qmark: bool) -> Rows:
    """`Rows` on a DBAPI connection with an `execute` of its own (sqlite3, psycopg); `qmark`
    when the driver takes `?` placeholders, else they are sent as `%s`."""

    def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return list(driver.execute(sql if qmark else sql.replace("?", "%s"), params).fetchall())

    return rows


def status_counts(rows: Rows) -> dict[str, dict[str, int]]:
    """How many orders and waves are in each state; every state present, zeros included (an
    import's orders not yet complete are not counted)."""
    orders: dict[str, int] = dict(rows("SELECT status, count(*) FROM orders GROUP BY status", ()))
    waves: dict[str, int] = dict(rows("SELECT status, count(*) FROM wave GROUP BY status", ()))
    return {
        "orders": {status.value: orders.get(status.value, 0) for status in FLOOR_STATUSES},
        "waves": {status.value: waves.get(status.value, 0) for status in WaveStatus},
    }


def find_order_row(rows: Rows, ref: str) -> tuple[Any, ...] | None:
    """The order row `ref` names: an internal id ("123"), an order label ("ORD-123"), or the
    shop's own number ("SHOP:SHOP_ORDER_ID"); None when it names none."""
    ref = ref.strip()
    digits = ref[4:] if ref.upper().startswith("ORD-") else ref
    if digits.isascii() and digits.isdigit():
        if int(digits) > LARGEST_ID:
            return None
        found = rows(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = ? AND status <> ?",
            (int(digits), _IMPORTING),
        )
    else:
        shop, colon, shop_order_id = ref.partition(":")
        if not colon:
            return None
        found = rows(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE shop = ? AND shop_order_id = ?"
            " AND status <> ? ORDER BY id LIMIT 1",
            (shop, shop_order_id, _IMPORTING),
        )
    return found[0] if found else None


def order_summary(rows: Rows, ref: str) -> dict[str, Any] | None:
    """`order show --json`: the order, its lines with how far each got, its parcels and its
    journal. None when `ref` names no order."""
    order = find_order_row(rows, ref)
    if order is None:
        return None
    order_id, shop, shop_order_id, status, hold_reason, carrier, service, wave_id = order[:8]
    intercepted, pending, shop_version = order[8:11]
    if isinstance(pending, str):  # SQLite keeps JSON as text; PostgreSQL's driver decodes it
        pending = json.loads(pending)
    ship_to = {key: value for key, value in zip(_SHIP_TO, order[11:], strict=True) if value}
    return {
        "id": order_id,
        "shop": shop,
        "shop_order_id": shop_order_id,
        "status": status,
        "hold_reason": hold_reason or None,
        "carrier": carrier,
        "service": service or None,
        "ship_to": ship_to,
        "wave": wave_id,
        "intercept": intercept_reason(bool(intercepted), pending, shop_version) or None,
        "lines": _lines(rows, order_id),
        "parcels": _parcels(rows, order_id),
        "returns": _returns(rows, order_id),
        "journal": _journal(rows, order_id),
    }


def _lines(rows: Rows, order_id: int) -> list[dict[str, Any]]:
    found = rows(
        "SELECT l.sku_code, l.qty,"
        " (SELECT coalesce(sum(a.qty), 0) FROM allocation a WHERE a.order_line_id = l.id),"
        " l.picked, l.packed FROM orderline l WHERE l.order_id = ? ORDER BY l.id",
        (order_id,),
    )
    return [
        {"sku": sku, "ordered": qty, "allocated": int(held), "picked": picked, "packed": packed}
        for sku, qty, held, picked, packed in found
    ]


def _parcels(rows: Rows, order_id: int) -> list[dict[str, Any]]:
    """The order's own parcels and those holding its items: a merged order's items travel in
    parcels that belong to its group's lead."""
    found = rows(
        "SELECT p.id, p.status, p.weight_g, p.tracking FROM parcel p WHERE p.order_id = ?"
        " OR p.id IN (SELECT pl.parcel_id FROM parcelline pl"
        " JOIN orderline l ON l.id = pl.order_line_id WHERE l.order_id = ?) ORDER BY p.id",
        (order_id, order_id),
    )
    return [
        {"id": parcel_id, "status": status, "weight_g": weight_g, "tracking": tracking}
        for parcel_id, status, weight_g, tracking in found
    ]


def _returns(rows: Rows, order_id: int) -> list[dict[str, Any]]:
    """The order's returns, each with its units (services/returns): SKU, serial, condition,
    where the unit's way stands."""
    found = rows(
        "SELECT r.id, r.rma, r.status, u.id, s.code, u.serial, u.condition, u.status"
        ' FROM "return" r LEFT JOIN returnunit u ON u.return_id = r.id'
        " LEFT JOIN sku s ON s.id = u.sku_id"
        " WHERE r.order_id = ? ORDER BY r.id, u.id",
        (order_id,),
    )
    returns: dict[int, dict[str, Any]] = {}
    for return_id, rma, status, unit_id, sku, serial, condition, unit_status in found:
        shown = returns.setdefault(
            return_id, {"id": return_id, "rma": rma or None, "status": status, "units": []}
        )
        if unit_id is not None:
            unit = {"unit": unit_id, "sku": sku, "condition": condition or None}
            shown["units"].append({**unit, "serial": serial or None, "status": unit_status})
    return list(returns.values())


def _journal(rows: Rows, order_id: int) -> list[dict[str, Any]]:
    found = rows(
        "SELECT j.at, o.badge, j.station, j.action, j.accepted, j.reason FROM journal j"
        " LEFT JOIN operator o ON o.id = j.operator_id WHERE j.order_id = ? ORDER BY j.at, j.id",
        (order_id,),
    )
    return [
        {
            "at": _iso(at),
            "operator": badge,
            "station": station,
            "action": action,
            "accepted": bool(accepted),
            "reason": reason,
        }
        for at, badge, station, action, accepted, reason in found
    ]


def _iso(at: datetime | str) -> str:
    """A stored time as ISO 8601 in UTC, with its offset (SQLite keeps it as text without one,
    PostgreSQL's driver hands back a datetime): times are stored in UTC."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).isoformat()
