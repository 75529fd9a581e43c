"""Order records checked into versions ready to write: JSON objects, or CSV rows grouped.

A CSV order file has one row per order line with the order's columns repeated; each row is
turned into the shape of a JSON order first (`csv_order_record`), checked the same way, and the
rows of one order grouped after (`group_csv_orders`). A file may hold several versions of one
order: only the newest is applied (`newest_per_order`). Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.services.importing.fields import (
    INT_MAX,
    KEY_LENGTH,
    TEXT_LENGTH,
    Fields,
    joined_reason,
)
from warehouse_tui.services.importing.records import RowError
from warehouse_tui.services.orders import NewLine, OrderVersion

ORDER_FIELDS = frozenset(
    {
        "shop",
        "shop_order_id",
        "version",
        "buyer",
        "ship_to",
        "carrier",
        "service",
        "priority",
        "ship_by",
        "pack_instructions",
        "lines",
        "cancelled",
    }
)
SHIP_TO_REQUIRED = ("name", "address1", "city", "postcode", "country")
SHIP_TO_OPTIONAL = ("address2", "region", "phone")
SHIP_TO_FIELDS = frozenset(SHIP_TO_REQUIRED + SHIP_TO_OPTIONAL)
_SHIP_TO = tuple(  # (key in ship_to, Order column, required)
    (name, f"ship_{name}", name in SHIP_TO_REQUIRED) for name in SHIP_TO_REQUIRED + SHIP_TO_OPTIONAL
)
BUYER_FIELDS = frozenset({"id", "name", "tags"})
LINE_FIELDS = frozenset({"sku", "qty", "shop_line_id", "unit_price_minor"})
CSV_ORDER_COLUMNS = frozenset(
    {
        "shop",
        "shop_order_id",
        "version",
        "carrier",
        "service",
        "priority",
        "ship_by",
        "pack_instructions",
        "cancelled",
        "buyer_id",
        "buyer_name",
        "buyer_tags",
        *(f"ship_{name}" for name in SHIP_TO_FIELDS),
        "sku",
        "qty",
        "shop_line_id",
        "unit_price_minor",
    }
)


@dataclass(frozen=True)
class OrderRow:
    line: int
    shop: str
    shop_order_id: str
    version: OrderVersion

    @property
    def key(self) -> tuple[str, str]:
        return self.shop, self.shop_order_id


def parse_order(line: int, values: Mapping[str, Any], from_csv: bool) -> OrderRow | RowError:
    fields = Fields(values, from_csv)
    if not from_csv:
        fields.unknown(ORDER_FIELDS)
    shop = fields.text("shop", nonempty=True, key=True)
    shop_order_id = fields.identifier("shop_order_id")
    version_number = fields.integer("version", required=False, default=1, minimum=1)
    cancelled = fields.flag("cancelled")
    if cancelled and not any(name in values for name in ("ship_to", "carrier", "lines")):
        version = OrderVersion(version_number, cancelled=True)
    else:
        version = OrderVersion(
            version_number, cancelled, _order_columns(fields), _order_lines(fields)
        )
    if fields.problems:
        return RowError(line, joined_reason(fields.problems))
    return OrderRow(line, shop, shop_order_id, version)


def _order_columns(fields: Fields) -> dict[str, Any]:
    ship_to = Fields(fields.mapping("ship_to", required=True), fields.from_csv, "ship_to.")
    buyer = Fields(fields.mapping("buyer", required=False), fields.from_csv, "buyer.")
    plain = None if fields.from_csv else _plain_ship_to(ship_to.values)
    columns: dict[str, Any] = plain or {
        column: ship_to.text(name, required=required) for name, column, required in _SHIP_TO
    }
    columns.update(
        buyer_id=buyer.identifier("id", required=False),
        buyer_name=buyer.text("name", required=False),
        buyer_tags=buyer.words("tags"),
        carrier=fields.text("carrier", key=True),
        service=fields.text("service", required=False, key=True),
        priority=fields.integer("priority", required=False, minimum=-1_000_000),
        ship_by=fields.moment("ship_by"),
        pack_instructions=fields.text("pack_instructions", required=False),
    )
    if not fields.from_csv:
        ship_to.unknown(SHIP_TO_FIELDS)
        buyer.unknown(BUYER_FIELDS)
    fields.problems += ship_to.problems + buyer.problems
    return columns


def _plain_ship_to(values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The usual, well-formed JSON ship-to, read in one go (a third of an order's fields); None
    sends anything else to the field-by-field check, which says what is wrong."""
    if type(values) is not dict or not values.keys() <= SHIP_TO_FIELDS:
        return None
    columns: dict[str, Any] = {}
    for name, column, required in _SHIP_TO:
        value = values.get(name)
        if type(value) is str and len(value) <= TEXT_LENGTH and value.isprintable():
            columns[column] = value.strip()
        elif value is None and not required:
            columns[column] = ""
        else:
            return None
    return columns


def _order_lines(fields: Fields) -> tuple[NewLine, ...]:
    value = fields.raw("lines", True)
    if value is None:
        return ()
    if not isinstance(value, list):
        fields.problem("lines", _("expected a list"))
        return ()
    lines = []
    for index, item in enumerate(value):
        line = None if fields.from_csv else _plain_line(item)
        lines.append(line or _checked_line(fields, index, item))
    return tuple(lines)


def _plain_line(item: Any) -> NewLine | None:
    """The usual, well-formed JSON order line, checked in one go (most of an order file is
    lines); None sends anything else to the full check, which says what is wrong."""
    if type(item) is not dict or not item.keys() <= LINE_FIELDS:
        return None
    sku, qty = item.get("sku"), item.get("qty")
    line_id, price = item.get("shop_line_id", ""), item.get("unit_price_minor", 0)
    if (
        type(sku) is str
        and type(qty) is int
        and 1 <= qty <= INT_MAX
        and type(line_id) is str
        and type(price) is int
        and 0 <= price <= INT_MAX
        and len(sku) <= KEY_LENGTH
        and len(line_id) <= KEY_LENGTH
        and sku.isprintable()
        and line_id.isprintable()
    ):
        return NewLine(sku.strip(), qty, line_id.strip(), price)
    return None


def _checked_line(fields: Fields, index: int, item: Any) -> NewLine:
    if not isinstance(item, dict):
        fields.problem(f"lines[{index}]", _("expected an object"))
        return NewLine("", 0)
    line = Fields(item, fields.from_csv, f"lines[{index}].")
    if not fields.from_csv:
        line.unknown(LINE_FIELDS)
    checked = NewLine(
        sku_code=line.text("sku", key=True),
        qty=line.integer("qty", minimum=1),
        shop_line_id=line.identifier("shop_line_id", required=False),
        unit_price_minor=line.integer("unit_price_minor", required=False),
    )
    fields.problems += line.problems
    return checked


def csv_order_record(row: Mapping[str, str]) -> dict[str, Any]:
    """One CSV row (an order line with its order's columns) in the shape of a JSON order."""
    record: dict[str, Any] = {
        name: row[name]
        for name in (
            "shop",
            "shop_order_id",
            "version",
            "carrier",
            "service",
            "priority",
            "ship_by",
            "pack_instructions",
            "cancelled",
        )
        if name in row
    }
    record["ship_to"] = {
        name: row[f"ship_{name}"] for name in SHIP_TO_FIELDS if f"ship_{name}" in row
    }
    record["buyer"] = {
        name: row[f"buyer_{name}"] for name in BUYER_FIELDS if f"buyer_{name}" in row
    }
    line = {name: row[name] for name in LINE_FIELDS if name in row}
    record["lines"] = [line] if row.get("sku") or row.get("qty") else []
    return record


def group_csv_orders(rows: list[OrderRow]) -> list[OrderRow]:
    """CSV rows of one order (same shop, shop order id and version) → one order with their
    lines, reported by its first row's line."""
    groups: dict[tuple[str, str, int], OrderRow] = {}
    for row in rows:
        key = (row.shop, row.shop_order_id, row.version.version)
        first = groups.get(key)
        if first is None:
            groups[key] = row
        else:
            version = first.version
            merged = OrderVersion(
                version.version,
                version.cancelled,
                version.fields,
                version.lines + row.version.lines,
            )
            groups[key] = OrderRow(first.line, first.shop, first.shop_order_id, merged)
    return list(groups.values())


def newest_per_order(rows: Iterable[OrderRow]) -> list[OrderRow]:
    """Applying a file's versions of one order in turn ends at its newest (the first of equal
    ones); so only that one is applied. A bare cancellation keeps the content of the version
    it cancels, as it would have had the versions come in one by one."""
    newest: dict[tuple[str, str], OrderRow] = {}
    for row in rows:
        key = row.key
        kept = newest.get(key)
        if kept is None or row.version.version > kept.version.version:
            newest[key] = _cancelling(kept, row) if kept else row
    return list(newest.values())


def _cancelling(older: OrderRow, newer: OrderRow) -> OrderRow:
    version = newer.version
    if not (version.cancelled and not version.fields):
        return newer
    content = older.version
    cancelled = OrderVersion(version.version, True, content.fields, content.lines)
    return OrderRow(newer.line, newer.shop, newer.shop_order_id, cancelled)
