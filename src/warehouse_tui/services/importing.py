"""Data in: catalog, locations, stock and orders from CSV or JSON Lines.

An import is all or nothing per file. Every row is read and checked first (syntax and types
only: an unknown SKU or an empty address is the audit's business, not the import's); every bad
row is reported as (line, reason), lines counted from 1 with a CSV header being line 1, and if
there is any, nothing of the file is written. A good file is written in one transaction with
bulk statements (one executemany per table and chunk), never row by row through the ORM.

Formats (the README documents them for shops):
- catalog: sku, name, barcodes, weight_g, length_mm, width_mm, height_mm, and optionally
  serial_tracked, batch_tracked, typed_qty_allowed. `barcodes` is a list (JSON) or a text of
  entries separated by "|" or spaces (CSV); an entry is "CODE" or "CODE*12" (a case counting 12).
  GTINs (8, 12, 13 or 14 digits) must have a right check digit and are stored as 14 digits,
  as the scan parser reports them; any other code is stored as given. A SKU that exists is
  updated, and the file's barcodes become its barcodes.
- locations: code (LOC-…), zone, block, aisle, position_m, bay, level, optionally pickable.
  A location that exists is updated.
- stock: location, sku, qty, optionally batch, expiry (date), received_at. Each row is a
  receipt: its quantity is added to the lot (a Stock row) and written to the ledger. The
  location and the SKU must exist (there is nowhere else to put the units).
- orders: one JSON object per line; or in CSV one row per order line with the order's columns
  repeated (ship_to and buyer flattened as ship_name, ship_address1, … buyer_id, buyer_name,
  buyer_tags), rows grouped by shop + shop_order_id + version, order columns read from the
  group's first row. A cancellation (`cancelled: true`) needs only shop, shop_order_id and
  version. An order that exists is changed only by a newer version: before release it is
  replaced (back to `new`) or cancelled; after release it is intercepted (services.orders).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlmodel import Session

from warehouse_tui.domain.barcodes import gtin_from_digits
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.orders import (
    AFTER_RELEASE,
    NewLine,
    OrderVersion,
    cancel_before_release,
    intercept,
    replace_versions,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Sku,
    Stock,
    StockMove,
    utcnow,
)

CHUNK = 500  # keys per IN (...) look-up
WRITE_BATCH = 5_000  # records per bulk insert between progress reports

_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]
_LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]
_SKUS: Table = Sku.__table__  # type: ignore[attr-defined]
_BARCODES: Table = Barcode.__table__  # type: ignore[attr-defined]
_LOCATIONS: Table = Location.__table__  # type: ignore[attr-defined]
_STOCK: Table = Stock.__table__  # type: ignore[attr-defined]
_MOVES: Table = StockMove.__table__  # type: ignore[attr-defined]

T = TypeVar("T")


class ImportKind(StrEnum):
    CATALOG = "catalog"
    LOCATIONS = "locations"
    STOCK = "stock"
    ORDERS = "orders"


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    """What an import did. With any error nothing was written and every count is 0."""

    errors: list[RowError] = field(default_factory=list)
    imported: int = 0  # records taken in
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # orders whose version was not newer, or already shipped or cancelled
    cancelled: int = 0  # orders cancelled before release
    intercepted: int = 0  # orders stopped after release

    @property
    def accepted(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        if self.errors:
            return {
                "imported": 0,
                "errors": [{"line": error.line, "reason": error.reason} for error in self.errors],
            }
        return {
            "imported": self.imported,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "cancelled": self.cancelled,
            "intercepted": self.intercepted,
        }


# (stage, done, total): stage is "read" (lines of the file) or "write" (records).
Progress = Callable[[str, int, int], None]


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


# --- reading files into (line number, record) --------------------------------------------------


def format_of(path: Path, override: str | None = None) -> FileFormat:
    """CSV or JSON Lines by the file's extension (.csv; .jsonl, .ndjson, .json) or override."""
    if override:
        return FileFormat(override.lower())
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return FileFormat.CSV
    if suffix in (".jsonl", ".ndjson", ".json"):
        return FileFormat.JSONL
    raise ValueError(
        _("Cannot tell the format of {name}: use --format csv or jsonl").format(name=path.name)
    )


class BadFile(Exception):
    """The file as a whole cannot be read: one (line, reason), nothing read."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.error = RowError(line, reason)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(data.count(b"\n", 0, error.start) + 1, _("not UTF-8 text")) from None


def jsonl_records(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or a RowError) for every non-blank line."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, RowError(number, _("not valid JSON: {problem}").format(problem=error.msg))


def csv_records(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, {column: text} or a RowError) for every non-blank row after the header;
    the header itself comes first as (1, list of column names)."""
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    start = 1
    header: list[str] | None = None
    try:
        for row in reader:
            number, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [name.strip() for name in row]
                yield number, header
            elif len(row) != len(header):
                yield (
                    number,
                    RowError(
                        number,
                        _("expected {want} fields, found {got}").format(
                            want=len(header), got=len(row)
                        ),
                    ),
                )
            else:
                yield number, dict(zip(header, row, strict=True))
    except csv.Error as error:
        raise BadFile(start, _("not valid CSV: {problem}").format(problem=error)) from None


# --- checking values ---------------------------------------------------------------------------


_INTEGER = re.compile(r"[+-]?\d+")
_LOCATION_CODE = re.compile(r"LOC-\S+")
_LIST_SEPARATOR = re.compile(r"[|\s]+")


class Fields:
    """One record's values, read field by field. Every problem is noted, none raised, so a row
    is reported with all that is wrong with it. CSV values are text, and an empty CSV cell is
    an absent value; JSON values must already have the right type, and null is absent."""

    def __init__(self, values: Mapping[str, Any], from_csv: bool, prefix: str = "") -> None:
        self.values = values
        self.from_csv = from_csv
        self.prefix = prefix
        self.problems: list[str] = []

    def problem(self, name: str, message: str) -> None:
        self.problems.append(f"{self.prefix}{name}: {message}")

    def raw(self, name: str, required: bool) -> Any:
        """The value as given, or None when absent (missing, null, or an empty CSV cell)."""
        value = self.values.get(name)
        if value == "" and self.from_csv:
            value = None
        if value is None and required:
            self.problem(name, _("missing"))
        return value

    def text(self, name: str, *, required: bool = True, nonempty: bool = False) -> str:
        value = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()
            if nonempty and not value:
                self.problem(name, _("must not be empty"))
            return value
        if value is None:
            if required:
                self.problem(name, _("missing"))
        else:
            self.problem(name, _("expected text"))
        return ""

    def integer(
        self, name: str, *, required: bool = True, default: int = 0, minimum: int = 0
    ) -> int:
        value = self.values.get(name)
        if type(value) is int and value >= minimum:
            return value  # the usual case, first
        value = self.raw(name, required)
        if value is None:
            return default
        if self.from_csv and isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(name, _("expected a whole number"))
            return default
        if value < minimum:
            self.problem(name, _("must be at least {minimum}").format(minimum=minimum))
        return value

    def number(self, name: str, *, minimum: float = 0.0) -> float:
        value = self.raw(name, True)
        if value is None:
            return 0.0
        if self.from_csv and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            self.problem(name, _("expected a number"))
            return 0.0
        if value < minimum:
            self.problem(name, _("must be at least {minimum}").format(minimum=minimum))
        return float(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name, False)
        if value is None:
            return default
        if self.from_csv and isinstance(value, str):
            word = value.strip().lower()
            if word in ("1", "true", "yes", "y"):
                return True
            if word in ("0", "false", "no", "n"):
                return False
        if not isinstance(value, bool):
            self.problem(name, _("expected true or false"))
            return default
        return value

    def day(self, name: str) -> date | None:
        value = self.raw(name, False)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.problem(name, _("expected a date (YYYY-MM-DD)"))
            return None

    def moment(self, name: str) -> datetime | None:
        """An ISO 8601 date and time; one without a UTC offset is taken as UTC."""
        value = self.raw(name, False)
        if value is None:
            return None
        try:
            return _utc_moment(value)
        except (TypeError, ValueError, OverflowError):
            self.problem(name, _("expected an ISO 8601 date and time"))
            return None

    def words(self, name: str) -> list[str]:
        """A list of texts: a JSON array, or CSV text separated by "|" or spaces."""
        value = self.raw(name, False)
        if value is None:
            return []
        if self.from_csv:
            return [word for word in _LIST_SEPARATOR.split(value.strip()) if word]
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            self.problem(name, _("expected a list of texts"))
            return []
        return [word.strip() for word in value if word.strip()]

    def mapping(self, name: str, *, required: bool) -> Mapping[str, Any]:
        value = self.raw(name, required)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(name, _("expected an object"))
            return {}
        return value

    def identifier(self, name: str, *, required: bool = True) -> str:
        """A shop's own id: text, or a whole number as many shops send them."""
        value = self.values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(name, required=required, nonempty=required)

    def unknown(self, known: frozenset[str]) -> None:
        if self.values.keys() <= known:
            return
        for name in self.values:
            if name not in known:
                self.problem(name, _("unknown field"))


@functools.lru_cache(maxsize=4096)
def _utc_moment(text: str) -> datetime:
    """An ISO 8601 date and time in UTC, one without a UTC offset taken as UTC; the same object
    for the same text, as a file's cut-off times repeat. TypeError, ValueError or OverflowError
    for anything else."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _reason(problems: list[str]) -> str:
    return "; ".join(problems)


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
        qty = int(match["qty"]) if match and match["qty"] else 1
        if match is None or qty < 1:
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
        "code": fields.text("sku", nonempty=True),
        "name": fields.text("name", nonempty=True),
        "weight_g": fields.integer("weight_g"),
        "length_mm": fields.integer("length_mm"),
        "width_mm": fields.integer("width_mm"),
        "height_mm": fields.integer("height_mm"),
        "serial_tracked": fields.flag("serial_tracked"),
        "batch_tracked": fields.flag("batch_tracked"),
        "typed_qty_allowed": fields.flag("typed_qty_allowed"),
    }
    barcodes = _barcodes(fields)
    if fields.problems:
        return RowError(line, _reason(fields.problems))
    return SkuRow(line, row, barcodes)


def _repeats_in_catalog(rows: list[SkuRow]) -> list[RowError]:
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
            errors.append(RowError(row.line, _reason(problems)))
    return errors


def _write_catalog(
    session: Session, rows: list[SkuRow], result: ImportResult, progress: Progress
) -> None:
    codes = [row.values["code"] for row in rows]
    existing = _ids_by(session, _SKUS.c.code, codes)
    new = [row.values for row in rows if row.values["code"] not in existing]
    known = [
        {**row.values, "sku_id": existing[row.values["code"]]}
        for row in rows
        if row.values["code"] in existing
    ]
    ids = dict(existing)
    for batch in _batches(new, WRITE_BATCH):
        inserted = session.execute(insert(_SKUS).returning(_SKUS.c.code, _SKUS.c.id), batch)
        ids.update({code: sku_id for code, sku_id in inserted})
    if known:
        session.execute(update(_SKUS).where(_SKUS.c.id == bindparam("sku_id")), known)
    # The file's barcodes become the SKU's: drop the old ones of these SKUs, and these codes
    # wherever they were registered before.
    barcode_codes = [code for row in rows for code, _qty in row.barcodes]
    for chunk in _batches(list(existing.values()), CHUNK):
        session.execute(delete(_BARCODES).where(_BARCODES.c.sku_id.in_(chunk)))
    for chunk in _batches(barcode_codes, CHUNK):
        session.execute(delete(_BARCODES).where(_BARCODES.c.code.in_(chunk)))
    barcodes = [
        {"code": code, "sku_id": ids[row.values["code"]], "quantity": qty}
        for row in rows
        for code, qty in row.barcodes
    ]
    if barcodes:
        session.execute(insert(_BARCODES), barcodes)
    progress("write", len(rows), len(rows))
    result.created, result.updated = len(new), len(known)


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
    code = fields.text("code", nonempty=True)
    if code and not _LOCATION_CODE.fullmatch(code):
        fields.problem("code", _("expected LOC-… without spaces"))
    row = {
        "code": code,
        "zone": fields.text("zone", nonempty=True),
        "block": fields.integer("block"),
        "aisle": fields.integer("aisle"),
        "position_m": fields.number("position_m"),
        "bay": fields.integer("bay"),
        "level": fields.integer("level"),
        "pickable": fields.flag("pickable", default=True),
    }
    if fields.problems:
        return RowError(line, _reason(fields.problems))
    return LocationRow(line, row)


def _repeats_in_locations(rows: list[LocationRow]) -> list[RowError]:
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


def _write_locations(
    session: Session, rows: list[LocationRow], result: ImportResult, progress: Progress
) -> None:
    existing = _ids_by(session, _LOCATIONS.c.code, [row.values["code"] for row in rows])
    new = [row.values for row in rows if row.values["code"] not in existing]
    known = [
        {**row.values, "location_id": existing[row.values["code"]]}
        for row in rows
        if row.values["code"] in existing
    ]
    for batch in _batches(new, WRITE_BATCH):
        session.execute(insert(_LOCATIONS), batch)
    if known:
        session.execute(
            update(_LOCATIONS).where(_LOCATIONS.c.id == bindparam("location_id")), known
        )
    progress("write", len(rows), len(rows))
    result.created, result.updated = len(new), len(known)


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
        location=fields.text("location", nonempty=True),
        sku=fields.text("sku", nonempty=True),
        qty=fields.integer("qty", minimum=1),
        batch=fields.text("batch", required=False),
        expiry=fields.day("expiry"),
        received_at=fields.moment("received_at"),
    )
    if fields.problems:
        return RowError(line, _reason(fields.problems))
    return row


def _location_ids(session: Session, codes: list[str]) -> dict[str, int]:
    """Location ids by code as written in the file, with or without the LOC- prefix."""
    stored = {code: code if code.upper().startswith("LOC-") else f"LOC-{code}" for code in codes}
    found = _ids_by(session, _LOCATIONS.c.code, sorted(set(stored.values())))
    return {code: found[label] for code, label in stored.items() if label in found}


def _unknown_references(
    rows: list[StockRow], locations: dict[str, int], skus: dict[str, int]
) -> list[RowError]:
    errors = []
    for row in rows:
        problems = []
        if row.location not in locations:
            problems.append(_("location: no location {code}").format(code=row.location))
        if row.sku not in skus:
            problems.append(_("sku: no SKU {code}").format(code=row.sku))
        if problems:
            errors.append(RowError(row.line, _reason(problems)))
    return errors


def _write_stock(
    session: Session, rows: list[StockRow], result: ImportResult, progress: Progress
) -> list[RowError]:
    """Receive every row into its lot; refuses the whole file (writing nothing) when a row
    names a location or SKU this warehouse does not have."""
    locations = _location_ids(session, sorted({row.location for row in rows}))
    skus = _ids_by(session, _SKUS.c.code, sorted({row.sku for row in rows}))
    errors = _unknown_references(rows, locations, skus)
    if errors:
        return errors
    now = utcnow()
    lots: dict[tuple[int, int, str], dict[str, Any]] = {}
    moves = []
    for row in rows:
        key = (locations[row.location], skus[row.sku], row.batch)
        lot = lots.setdefault(
            key,
            {
                "location_id": key[0],
                "sku_id": key[1],
                "batch": key[2],
                "expiry": row.expiry,
                "received_at": row.received_at or now,
                "on_hand": 0,
                "allocated": 0,
            },
        )
        lot["on_hand"] += row.qty
        moves.append(
            {
                "at": now,
                "sku_id": key[1],
                "location_id": key[0],
                "batch": row.batch,
                "delta": row.qty,
                "reason": "receive",
                "ref": "import",
                "operator_id": None,
            }
        )
    existing = _existing_lots(session, list(lots))
    added = [
        {"stock_id": existing[key], "qty": lot["on_hand"]}
        for key, lot in lots.items()
        if key in existing
    ]
    new = [lot for key, lot in lots.items() if key not in existing]
    if added:
        session.execute(
            update(_STOCK)
            .where(_STOCK.c.id == bindparam("stock_id"))
            .values(on_hand=_STOCK.c.on_hand + bindparam("qty")),
            added,
        )
    for batch in _batches(new, WRITE_BATCH):
        session.execute(insert(_STOCK), batch)
    for batch in _batches(moves, WRITE_BATCH):
        session.execute(insert(_MOVES), batch)
    progress("write", len(rows), len(rows))
    result.created, result.updated = len(new), len(added)
    return []


def _existing_lots(session: Session, keys: list[tuple[int, int, str]]) -> dict[Any, int]:
    """Stock ids of the lots among `keys` (location, SKU, batch) that exist, found by SKU."""
    wanted = set(keys)
    found: dict[Any, int] = {}
    for chunk in _batches(sorted({sku for _location, sku, _batch in keys}), CHUNK):
        rows = session.execute(
            select(_STOCK.c.location_id, _STOCK.c.sku_id, _STOCK.c.batch, _STOCK.c.id).where(
                _STOCK.c.sku_id.in_(chunk)
            )
        )
        found.update(
            {
                (location, sku, batch): stock
                for location, sku, batch, stock in rows
                if (location, sku, batch) in wanted
            }
        )
    return found


# --- orders ------------------------------------------------------------------------------------


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
    shop = fields.text("shop", nonempty=True)
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
        return RowError(line, _reason(fields.problems))
    return OrderRow(line, shop, shop_order_id, version)


def _order_columns(fields: Fields) -> dict[str, Any]:
    ship_to = Fields(fields.mapping("ship_to", required=True), fields.from_csv, "ship_to.")
    buyer = Fields(fields.mapping("buyer", required=False), fields.from_csv, "buyer.")
    columns = {column: ship_to.text(name, required=required) for name, column, required in _SHIP_TO}
    columns.update(
        buyer_id=buyer.identifier("id", required=False),
        buyer_name=buyer.text("name", required=False),
        buyer_tags=buyer.words("tags"),
        carrier=fields.text("carrier"),
        service=fields.text("service", required=False),
        priority=fields.integer("priority", required=False, minimum=-1_000_000),
        ship_by=fields.moment("ship_by"),
        pack_instructions=fields.text("pack_instructions", required=False),
    )
    if not fields.from_csv:
        ship_to.unknown(SHIP_TO_FIELDS)
        buyer.unknown(BUYER_FIELDS)
    fields.problems += ship_to.problems + buyer.problems
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
        and qty >= 1
        and type(line_id) is str
        and type(price) is int
        and price >= 0
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
        sku_code=line.text("sku"),
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


def _group_csv_orders(rows: list[OrderRow]) -> list[OrderRow]:
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


# The Order columns a version sets (OrderVersion.fields), with their values when absent.
_VERSION_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("buyer_id", ""),
    ("buyer_name", ""),
    ("buyer_tags", []),
    *((f"ship_{name}", "") for name in SHIP_TO_REQUIRED + SHIP_TO_OPTIONAL),
    ("carrier", ""),
    ("service", ""),
    ("priority", 0),
    ("ship_by", None),
    ("pack_instructions", ""),
)
_VERSION_COLUMNS = tuple(name for name, _default in _VERSION_DEFAULTS)
_VERSION_ABSENT = tuple(default for _name, default in _VERSION_DEFAULTS)
_NEW_ORDER_COLUMNS = (
    "shop",
    "shop_order_id",
    "shop_version",
    "status",
    *_VERSION_COLUMNS,
    "imported_at",
    "updated_at",
    "hold_reason",
    "no_merge",
    "intercepted",
)
_NEW_LINE_COLUMNS = (
    "order_id",
    "shop_line_id",
    "sku_code",
    "qty",
    "unit_price_minor",
    "picked",
    "packed",
    "short",
)


@dataclass(frozen=True)
class _Existing:
    id: int
    status: str
    shop_version: int
    intercepted: bool
    pending: dict[str, Any] | None


def _write_orders(
    session: Session, actor: Actor, rows: list[OrderRow], result: ImportResult, progress: Progress
) -> None:
    rows = newest_per_order(rows)
    done = 0
    for batch in _batches(rows, WRITE_BATCH):
        existing = _existing_orders(session, [row.key for row in batch])
        new: list[OrderRow] = []
        known: list[OrderRow] = []
        for row in batch:
            (known if row.key in existing else new).append(row)
        _create_orders(session, new, result)
        _update_orders(session, actor, known, existing, result)
        done += len(batch)
        progress("write", done, len(rows))


def _existing_orders(session: Session, keys: list[tuple[str, str]]) -> dict[Any, _Existing]:
    """The orders we already have among `keys`, looked up shop by shop (`shop = ? AND
    shop_order_id IN (…)` uses the unique index; a row-value IN would scan the table)."""
    by_shop: dict[str, list[str]] = {}
    for shop, shop_order_id in keys:
        by_shop.setdefault(shop, []).append(shop_order_id)
    found: dict[Any, _Existing] = {}
    for shop, numbers in by_shop.items():
        for chunk in _batches(numbers, CHUNK):
            rows = session.execute(
                select(
                    _ORDERS.c.shop_order_id,
                    _ORDERS.c.id,
                    _ORDERS.c.status,
                    _ORDERS.c.shop_version,
                    _ORDERS.c.intercepted,
                    _ORDERS.c.pending,
                ).where(_ORDERS.c.shop == shop, _ORDERS.c.shop_order_id.in_(chunk))
            )
            for shop_order_id, *rest in rows:
                found[shop, shop_order_id] = _Existing(*rest)
    return found


def _create_orders(session: Session, rows: list[OrderRow], result: ImportResult) -> None:
    if not rows:
        return
    now = utcnow()
    order_rows = [
        (
            row.shop,
            row.shop_order_id,
            row.version.version,
            OrderStatus.CANCELLED.value if row.version.cancelled else OrderStatus.NEW.value,
            *map(row.version.fields.get, _VERSION_COLUMNS, _VERSION_ABSENT),
            now,
            now,
            "",
            False,
            False,
        )
        for row in rows
    ]
    ids = _insert_orders(session, order_rows)
    lines = [
        (order_id, line.shop_line_id, line.sku_code, line.qty, line.unit_price_minor, 0, 0, 0)
        for row, order_id in zip(rows, ids, strict=True)
        for line in row.version.lines
    ]
    bulk_insert(session, _LINES, _NEW_LINE_COLUMNS, lines)
    result.created += len(rows)


def _insert_orders(session: Session, rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert new orders (rows of _NEW_ORDER_COLUMNS); their ids, in the same order.

    A plain executemany is several times faster than one with RETURNING. The new rows' ids are
    all above the highest id before the insert (on PostgreSQL too: they come from the sequence
    later), and their keys are unique, so one range query finds them all."""
    highest = session.execute(select(func.coalesce(func.max(_ORDERS.c.id), 0))).scalar_one()
    bulk_insert(session, _ORDERS, _NEW_ORDER_COLUMNS, rows)
    found = session.execute(
        select(_ORDERS.c.shop, _ORDERS.c.shop_order_id, _ORDERS.c.id).where(_ORDERS.c.id > highest)
    )
    ids = {(shop, number): order_id for shop, number, order_id in found}
    return [ids[row[0], row[1]] for row in rows]


def _update_orders(
    session: Session,
    actor: Actor,
    rows: list[OrderRow],
    existing: Mapping[Any, _Existing],
    result: ImportResult,
) -> None:
    """Newer versions of orders we have: replaced or cancelled before release, intercepted
    after it; older or equal versions, and shipped or cancelled orders, stay as they are."""
    replacements = []
    for row in rows:
        current = existing[row.key]
        waiting = current.pending["version"] if current.pending else 0
        newer = row.version.version > max(current.shop_version, waiting)
        if not newer or current.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
            result.unchanged += 1
        elif current.intercepted or current.status in AFTER_RELEASE:
            _intercept(session, actor, current.id, row.version)
            result.intercepted += 1
        elif row.version.cancelled:
            _cancel(session, actor, current.id)
            result.cancelled += 1
        else:
            replacements.append((current.id, row.version))
    replace_versions(session, replacements)
    if replacements:
        _journal_updates(session, actor, [order_id for order_id, _version in replacements])
    result.updated += len(replacements)


def _intercept(session: Session, actor: Actor, order_id: int, version: OrderVersion) -> None:
    order = session.get(Order, order_id, with_for_update=True)
    assert order is not None
    intercept(session, actor, order, version)


def _cancel(session: Session, actor: Actor, order_id: int) -> None:
    order = session.get(Order, order_id, with_for_update=True)
    assert order is not None
    cancel_before_release(session, actor, order)


def _journal_updates(session: Session, actor: Actor, order_ids: list[int]) -> None:
    for order_id in order_ids:
        record(session, actor, "order-updated", order_id=order_id, task_ref=f"ORD-{order_id}")


# --- the import itself -------------------------------------------------------------------------


Parser = Callable[[int, Mapping[str, Any], bool], Any]
PARSERS: dict[ImportKind, Parser] = {
    ImportKind.CATALOG: parse_sku,
    ImportKind.LOCATIONS: parse_location,
    ImportKind.STOCK: parse_stock,
    ImportKind.ORDERS: parse_order,
}
CSV_COLUMNS: dict[ImportKind, frozenset[str]] = {
    ImportKind.CATALOG: SKU_FIELDS,
    ImportKind.LOCATIONS: LOCATION_FIELDS,
    ImportKind.STOCK: STOCK_FIELDS,
    ImportKind.ORDERS: CSV_ORDER_COLUMNS,
}
CSV_REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.CATALOG: (
        "sku",
        "name",
        "barcodes",
        "weight_g",
        "length_mm",
        "width_mm",
        "height_mm",
    ),
    ImportKind.LOCATIONS: ("code", "zone", "block", "aisle", "position_m", "bay", "level"),
    ImportKind.STOCK: ("location", "sku", "qty"),
    ImportKind.ORDERS: (
        "shop",
        "shop_order_id",
        "ship_name",
        "ship_address1",
        "ship_city",
        "ship_postcode",
        "ship_country",
        "carrier",
        "sku",
        "qty",
    ),
}


def _header_problems(kind: ImportKind, header: list[str]) -> list[RowError]:
    problems = [
        _("unknown column {name}").format(name=name)
        for name in header
        if name not in CSV_COLUMNS[kind]
    ]
    problems += [
        _("missing column {name}").format(name=name)
        for name in CSV_REQUIRED[kind]
        if name not in header
    ]
    repeated = sorted({name for name in header if header.count(name) > 1})
    problems += [_("column {name} given twice").format(name=name) for name in repeated]
    return [RowError(1, _reason(problems))] if problems else []


def check_records(
    kind: ImportKind,
    records: Iterable[tuple[int, Any]],
    *,
    from_csv: bool,
    total: int,
    progress: Progress = _no_progress,
) -> tuple[list[Any], list[RowError]]:
    """Every (line number, record) checked: (good rows, errors sorted by line). A CSV's header
    comes first as a list of column names."""
    parse = PARSERS[kind]
    rows: list[Any] = []
    errors: list[RowError] = []
    for number, item in records:
        if number % 10_000 == 0:
            progress("read", number, total)
        if isinstance(item, RowError):
            errors.append(item)
        elif from_csv and isinstance(item, list):
            errors += _header_problems(kind, item)
            if errors:
                break
        elif not isinstance(item, dict):
            errors.append(RowError(number, _("expected a JSON object")))
        else:
            if from_csv and kind is ImportKind.ORDERS:
                item = csv_order_record(item)
            parsed = parse(number, item, from_csv)
            (errors if isinstance(parsed, RowError) else rows).append(parsed)
    progress("read", total, total)
    if from_csv and kind is ImportKind.ORDERS:
        rows = _group_csv_orders(rows)
    errors += _repeats(kind, rows)
    return rows, sorted(errors, key=lambda error: error.line)


def _repeats(kind: ImportKind, rows: list[Any]) -> list[RowError]:
    if kind is ImportKind.CATALOG:
        return _repeats_in_catalog(rows)
    if kind is ImportKind.LOCATIONS:
        return _repeats_in_locations(rows)
    return []


def import_text(
    store: Store,
    kind: ImportKind,
    text: str,
    fmt: FileFormat,
    *,
    actor: Actor | None = None,
    source: str = "",
    progress: Progress = _no_progress,
) -> ImportResult:
    """Import the text of a file: all of it, or (with any error) nothing but a journal row."""
    with cyclic_gc_paused():
        return _check_and_store(
            store, kind, text, fmt, actor or Actor(None, screen="import"), source, progress
        )


def _check_and_store(
    store: Store,
    kind: ImportKind,
    text: str,
    fmt: FileFormat,
    actor: Actor,
    source: str,
    progress: Progress,
) -> ImportResult:
    from_csv = fmt is FileFormat.CSV
    records = csv_records(text) if from_csv else jsonl_records(text)
    try:
        rows, errors = check_records(
            kind, records, from_csv=from_csv, total=text.count("\n") + 1, progress=progress
        )
    except BadFile as bad:
        rows, errors = [], [bad.error]
    return _store_rows(store, kind, rows, errors, actor, source, progress)


def _store_rows(
    store: Store,
    kind: ImportKind,
    rows: list[Any],
    errors: list[RowError],
    actor: Actor,
    source: str,
    progress: Progress,
) -> ImportResult:
    """Write the checked rows in one transaction, or journal the refusal and write nothing."""
    result = ImportResult()
    with store.write() as session:
        if not errors:
            errors = _write(session, actor, kind, rows, result, progress)
        if errors:
            reason = _("{count} bad rows, nothing imported").format(count=len(errors))
            record(session, actor, f"import-{kind}", accepted=False, reason=reason, raw=source)
            return ImportResult(errors=errors)
        result.imported = len(rows)
        record(session, actor, f"import-{kind}", raw=source)
        return result


def _write(
    session: Session,
    actor: Actor,
    kind: ImportKind,
    rows: list[Any],
    result: ImportResult,
    progress: Progress,
) -> list[RowError]:
    if kind is ImportKind.CATALOG:
        _write_catalog(session, rows, result, progress)
    elif kind is ImportKind.LOCATIONS:
        _write_locations(session, rows, result, progress)
    elif kind is ImportKind.STOCK:
        return _write_stock(session, rows, result, progress)
    else:
        _write_orders(session, actor, rows, result, progress)
    return []


def import_file(
    store: Store,
    kind: ImportKind,
    path: Path,
    *,
    fmt: str | None = None,
    actor: Actor | None = None,
    progress: Progress = _no_progress,
) -> ImportResult:
    """Import one file (CSV or JSON Lines by extension unless `fmt` says)."""
    file_format = format_of(path, fmt)
    try:
        text = _decode(path.read_bytes())
    except BadFile as bad:
        return ImportResult(errors=[bad.error])
    return import_text(
        store, kind, text, file_format, actor=actor, source=path.name, progress=progress
    )


def import_records(
    store: Store,
    kind: ImportKind,
    records: Iterable[Mapping[str, Any]],
    *,
    actor: Actor | None = None,
    source: str = "",
) -> ImportResult:
    """Import records already in memory, shaped as a JSON Lines file's (record N counts as
    line N) — how the demo and connectors hand orders in."""
    listed = list(records)
    rows, errors = check_records(
        kind, enumerate(listed, start=1), from_csv=False, total=len(listed)
    )
    return _store_rows(
        store, kind, rows, errors, actor or Actor(None, screen="import"), source, _no_progress
    )


# --- helpers -----------------------------------------------------------------------------------


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """An executemany of `rows` (values in `columns` order) into `table`, by `bulk_execute`."""
    statement = insert(table).inline().values({name: bindparam(name) for name in columns})
    bulk_execute(session, statement, columns, rows)


def bulk_execute(
    session: Session, statement: Any, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """An executemany of `statement` straight through the driver: each row gives the values of
    its bound parameters `names` (every one of them), in that order.

    The same statement and the same value conversions SQLAlchemy would use (compiled once for
    this database, each parameter type's own bind processor), without its per-row parameter
    handling, which otherwise costs more than the database's own work: the values are put in
    the driver's order and converted a column at a time, when there is any of that to do."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    order = list(compiled.positiontup or names)  # the order the driver wants
    processors = {
        name: processor
        for name in order
        if (processor := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
    }
    params: list[Any] = list(rows)
    if processors or compiled.positiontup != list(names):
        given = dict(zip(names, zip(*rows, strict=True), strict=True))
        values = [
            _converted(processors[name], given[name]) if name in processors else given[name]
            for name in order
        ]
        params = list(zip(*values, strict=True))
        if compiled.positiontup is None:
            params = [dict(zip(order, row, strict=True)) for row in params]
    connection.exec_driver_sql(compiled.string, params)


def _converted(processor: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """`values` through a bind processor, each object once: the same import time, flag or
    cut-off time (parsed once per text) stands on many rows."""
    distinct = {id(value): value for value in values}
    done = {key: processor(value) for key, value in distinct.items()}
    return [done[id(value)] for value in values]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an import builds millions of small objects:
    its repeated full passes over them cost about a third of the import. Reference counting
    still frees everything; the collector is back on (if it was) when the import ends. Drop
    what the import built before that (return from the function that holds it): the first
    pass after would otherwise go through all of it once more."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _ids_by(session: Session, column: Any, values: Sequence[str]) -> dict[str, int]:
    """{value: id} for the rows whose `column` holds one of `values`."""
    table = column.table
    found: dict[str, int] = {}
    for chunk in _batches(values, CHUNK):
        rows = session.execute(select(column, table.c.id).where(column.in_(chunk)))
        found.update({value: row_id for value, row_id in rows})
    return found
