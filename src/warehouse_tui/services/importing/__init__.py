"""Data in: catalog, locations, stock and orders from CSV or JSON Lines.

An import is all or nothing per file. Every row is read and checked first: syntax, types and
what both databases can store (`fields` says which limits); an unknown SKU on an order or an
empty address is the audit's business, not the import's. Then, in the write transaction and
before anything is written, what only the database can tell: a stock row naming an unknown
place or SKU, a place off the layout, a barcode on another SKU. Every bad row is reported as
(line, reason), lines counted from 1 with a CSV header being line 1, and if there is any,
nothing of the file is written. A good file is written with bulk statements (one executemany
per table and chunk), never row by row through the ORM: orders in short writes no reader sees
until the last (`staged`), a JSON Lines file of them read, checked and staged a line at a
time, so its size does not bound what fits in memory; the rest in one transaction.

Formats (the README documents them for shops):
- catalog: sku, name, barcodes, weight_g, length_mm, width_mm, height_mm, and optionally
  serial_tracked, batch_tracked, typed_qty_allowed, code_entry_allowed (the SKU's own code
  may be keyed in for a scan, for items with no barcode). `barcodes` is a list (JSON) or a text of
  entries separated by "|" or spaces (CSV); an entry is "CODE" or "CODE*12" (a case counting 12).
  GTINs (8, 12, 13 or 14 digits) must have a right check digit and are stored as 14 digits,
  as the scan parser reports them; any other code is stored as given. A SKU that exists is
  updated, and the file's barcodes become its barcodes; a barcode on another SKU is refused,
  naming both, unless the import may move barcodes (then each move is journaled).
- locations: code (LOC-…), zone, block, aisle, position_m, bay, level, optionally pickable.
  The place must be on the `layout` setting (aisle, position along it, block); a location that
  exists is updated.
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

from warehouse_tui.services.importing.checking import check_records
from warehouse_tui.services.importing.floor_rows import normalised_barcode
from warehouse_tui.services.importing.order_rows import newest_per_order
from warehouse_tui.services.importing.records import (
    BadFile,
    FileFormat,
    ImportKind,
    RowError,
    csv_records,
    format_of,
    jsonl_records,
)
from warehouse_tui.services.importing.result import ImportResult, Progress
from warehouse_tui.services.importing.run import import_file, import_records, import_text
from warehouse_tui.services.importing.staged import recover_imports

__all__ = [
    "BadFile",
    "FileFormat",
    "ImportKind",
    "ImportResult",
    "Progress",
    "RowError",
    "check_records",
    "csv_records",
    "format_of",
    "import_file",
    "import_records",
    "import_text",
    "jsonl_records",
    "newest_per_order",
    "normalised_barcode",
    "recover_imports",
]
