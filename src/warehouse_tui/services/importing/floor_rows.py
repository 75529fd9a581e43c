"""Catalog, location and stock records checked into rows ready to write.

Each parser takes one record (its line number, its values, whether they came from CSV) and
returns a row or a `RowError` saying everything wrong with it. Repeats within a file (the same
SKU, barcode or location twice) are found after every row is parsed. Pure: no database; what
the database already holds is the writers' business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from warehouse_tui.domain.barcodes import gtin_from_digits
from warehouse_tui.i18n import _
from warehouse_tui.services.importing.fields import INT_MAX, Fields, joined_reason
from warehouse_tui.services.importing.records import RowError

_LOCATION_CODE = re.compile(r"LOC-\S+")

# --- catalog -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkuRow:
    line: int
    values: dict[str, Any]  # Sku columns
    barcodes: tuple[tuple[str, int], ...]  # (code, units one scan counts)


SKU_FIELDS = frozenset(
    {
        "sku",
        "name",
        "barcodes",
        "weight_g",
        "length_mm",
        "width_mm",
        "height_mm",
        "serial_tracked",
        "batch_tracked",
        "typed_qty_allowed",
        "code_entry_allowed",
    }
)
_BARCODE_ENTRY = re.compile(r"(?P<code>[^*\s|]+)(?:\*(?P<qty>\d+))?")


def normalised_barcode(code: str) -> str | None:
    """A GTIN as the 14 digits the scan parser reports (None if its check digit is wrong);
    any other code as it is."""
    if code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14):
        return gtin_from_digits(code)
    return code


def _barcodes(fields: Fields) -> tuple[tuple[str, int], ...]:
    found: list[tuple[str, int]] = []
    for entry in fields.words("barcodes"):
        match = _BARCODE_ENTRY.fullmatch(entry)
        code = normalised_barcode(match["code"]) if match else None
        digits = match["qty"] if match else None
        qty = 1 if not digits else int(digits) if len(digits) <= 10 else INT_MAX + 1
        if match is None or not 1 <= qty <= INT_MAX:
            fields.problem(
                "barcodes", _("bad entry {entry!r} (CODE or CODE*N)").format(entry=entry)
            )
        elif code is None:
            fields.problem("barcodes", _("{code}: check digit is wrong").format(code=match["code"]))
        else:
            found.append((code, qty))
    return tuple(found)


def parse_sku(line: int, values: Mapping[str, Any], from_csv: bool) -> SkuRow | RowError:
    fields = Fields(values, from_csv)
    if not from_csv:
        fields.unknown(SKU_FIELDS)
    fields.raw("barcodes", True)
    row = {
        "code": fields.text("sku", nonempty=True, key=True),
        "name": fields.text("name", nonempty=True),
        "weight_g": fields.integer("weight_g"),
        "length_mm": fields.integer("length_mm"),
        "width_mm": fields.integer("width_mm"),
        "height_mm": fields.integer("height_mm"),
        "serial_tracked": fields.flag("serial_tracked"),
        "batch_tracked": fields.flag("batch_tracked"),
        "typed_qty_allowed": fields.flag("typed_qty_allowed"),
        "code_entry_allowed": fields.flag("code_entry_allowed"),
    }
    barcodes = _barcodes(fields)
    if fields.problems:
        return RowError(line, joined_reason(fields.problems))
    return SkuRow(line, row, barcodes)


def repeats_in_catalog(rows: list[SkuRow]) -> list[RowError]:
    first_sku: dict[str, int] = {}
    first_code: dict[str, int] = {}
    errors = []
    for row in rows:
        problems = []
        earlier = first_sku.setdefault(row.values["code"], row.line)
        if earlier != row.line:
            problems.append(
                _("sku {sku} is already on line {line}").format(
                    sku=row.values["code"], line=earlier
                )
            )
        for code, _qty in row.barcodes:
            earlier = first_code.setdefault(code, row.line)
            if earlier != row.line:
                problems.append(
                    _("barcode {code} is already on line {line}").format(code=code, line=earlier)
                )
        if problems:
            errors.append(RowError(row.line, joined_reason(problems)))
    return errors


# --- locations ---------------------------------------------------------------------------------


LOCATION_FIELDS = frozenset(
    {
        "code",
        "zone",
        "block",
        "aisle",
        "position_m",
        "bay",
        "level",
        "pickable",
    }
)


@dataclass(frozen=True)
class LocationRow:
    line: int
    values: dict[str, Any]


def parse_location(line: int, values: Mapping[str, Any], from_csv: bool) -> LocationRow | RowError:
    fields = Fields(values, from_csv)
    if not from_csv:
        fields.unknown(LOCATION_FIELDS)
    code = fields.text("code", nonempty=True, key=True)
    if code and not _LOCATION_CODE.fullmatch(code):
        fields.problem("code", _("expected LOC-… without spaces"))
    row = {
        "code": code,
        "zone": fields.text("zone", nonempty=True, key=True),
        "block": fields.integer("block"),
        "aisle": fields.integer("aisle"),
        "position_m": fields.number("position_m"),
        "bay": fields.integer("bay"),
        "level": fields.integer("level"),
        "pickable": fields.flag("pickable", default=True),
    }
    if fields.problems:
        return RowError(line, joined_reason(fields.problems))
    return LocationRow(line, row)


def repeats_in_locations(rows: list[LocationRow]) -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        code = row.values["code"]
        earlier = first.setdefault(code, row.line)
        if earlier != row.line:
            errors.append(
                RowError(
                    row.line,
                    _("location {code} is already on line {line}").format(code=code, line=earlier),
                )
            )
    return errors


# --- stock -------------------------------------------------------------------------------------


STOCK_FIELDS = frozenset({"location", "sku", "qty", "batch", "expiry", "received_at"})


@dataclass(frozen=True)
class StockRow:
    line: int
    location: str
    sku: str
    qty: int
    batch: str
    expiry: date | None
    received_at: datetime | None


def parse_stock(line: int, values: Mapping[str, Any], from_csv: bool) -> StockRow | RowError:
    fields = Fields(values, from_csv)
    if not from_csv:
        fields.unknown(STOCK_FIELDS)
    row = StockRow(
        line,
        location=fields.text("location", nonempty=True, key=True),
        sku=fields.text("sku", nonempty=True, key=True),
        qty=fields.integer("qty", minimum=1),
        batch=fields.text("batch", required=False, key=True),
        expiry=fields.day("expiry"),
        received_at=fields.moment("received_at"),
    )
    if fields.problems:
        return RowError(line, joined_reason(fields.problems))
    return row
