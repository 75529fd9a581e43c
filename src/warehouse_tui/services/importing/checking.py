"""Every record of a file checked: the good rows, and every bad row as (line, reason).

The per-kind parsers are chosen here, a CSV header is checked against the kind's columns, CSV
order rows are grouped into orders and repeats within the file are found. Pure: no database,
so the whole of a file's syntax is judged before a write transaction begins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.services.importing.fields import joined_reason, shown
from warehouse_tui.services.importing.floor_rows import (
    LOCATION_FIELDS,
    SKU_FIELDS,
    STOCK_FIELDS,
    parse_location,
    parse_sku,
    parse_stock,
    repeats_in_catalog,
    repeats_in_locations,
)
from warehouse_tui.services.importing.order_rows import (
    CSV_ORDER_COLUMNS,
    csv_order_record,
    group_csv_orders,
    parse_order,
)
from warehouse_tui.services.importing.records import ImportKind, RowError
from warehouse_tui.services.importing.result import Progress, no_progress

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
        _("unknown column {name}").format(name=shown(name))
        for name in header
        if name not in CSV_COLUMNS[kind]
    ]
    problems += [
        _("missing column {name}").format(name=name)
        for name in CSV_REQUIRED[kind]
        if name not in header
    ]
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    problems += [_("column {name} given twice").format(name=shown(name)) for name in repeated]
    return [RowError(1, joined_reason(problems))] if problems else []


def check_records(
    kind: ImportKind,
    records: Iterable[tuple[int, Any]],
    *,
    from_csv: bool,
    total: int,
    progress: Progress = no_progress,
) -> tuple[list[Any], list[RowError]]:
    """Every (line number, record) checked: (good rows, errors sorted by line). A CSV's header
    comes first as a list of column names."""
    rows: list[Any] = []
    errors: list[RowError] = []
    for checked in checked_records(
        kind, records, from_csv=from_csv, total=total, progress=progress
    ):
        (errors if isinstance(checked, RowError) else rows).append(checked)
    if from_csv and kind is ImportKind.ORDERS:
        rows = group_csv_orders(rows)
    errors += _repeats(kind, rows)
    return rows, sorted(errors, key=lambda error: error.line)


def checked_records(
    kind: ImportKind,
    records: Iterable[tuple[int, Any]],
    *,
    from_csv: bool,
    total: int,
    progress: Progress = no_progress,
) -> Iterator[Any]:
    """Each record checked, as it is read: its row, or a `RowError`. A CSV header with a
    problem ends the file there (nothing after it can be read by name)."""
    parse = PARSERS[kind]
    for number, item in records:
        if number % 10_000 == 0:
            progress("read", number, total)
        if isinstance(item, RowError):
            yield item
        elif from_csv and isinstance(item, list):
            problems = _header_problems(kind, item)
            yield from problems
            if problems:
                break
        elif not isinstance(item, dict):
            yield RowError(number, _("expected a JSON object"))
        else:
            if from_csv and kind is ImportKind.ORDERS:
                item = csv_order_record(item)
            yield parse(number, item, from_csv)
    progress("read", total, total)


def _repeats(kind: ImportKind, rows: list[Any]) -> list[RowError]:
    if kind is ImportKind.CATALOG:
        return repeats_in_catalog(rows)
    if kind is ImportKind.LOCATIONS:
        return repeats_in_locations(rows)
    return []
