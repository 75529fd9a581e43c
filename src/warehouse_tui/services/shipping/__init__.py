"""Load and ship: parcels scanned onto a carrier's truck, the shop told, the day's manifest.

The shop hears of a shipment when the order's last parcel is loaded (ARCHITECTURE.md, States), so a
parcel found missing at the truck was never announced; a shop whose `announce_at` is "label"
hears of it when the pack station closes the last parcel instead (`announce_fulfilment`).
Either way the fulfilment goes into the outbox in the transaction of the state change.

A buyer's merged orders are packed together into parcels of the group's lead order (see
services.packing), so an order's parcels are those holding its lines (ParcelLine → OrderLine),
whichever order a parcel belongs to. Each order of a pack ships, and is announced with its own
lines and tracking numbers, when it is packed and the last parcel holding its lines is loaded.

Modules: `announce` (fulfilment events for the outbox), `load` (the truck scan and the load
board), `manifest` (the day's manifest as CSV and PDF).
"""

from __future__ import annotations

from warehouse_tui.services.shipping.announce import (
    announce_at,
    announce_fulfilment,
    fulfilment_key,
    fulfilment_payload,
    orders_holding_lines,
    parcel_label,
    withdraw_fulfilment,
)
from warehouse_tui.services.shipping.load import (
    LOAD_ACTION,
    CarrierChoice,
    LoadBoard,
    LoadResult,
    MissingParcel,
    carriers,
    load_board,
    load_parcel,
    loaded_count,
    local_day_bounds,
    local_today,
    missing_parcels,
)
from warehouse_tui.services.shipping.manifest import (
    MANIFEST_COLUMNS,
    ManifestRow,
    manifest,
    manifest_csv,
    manifest_font,
    manifest_pdf,
    write_manifest,
)

__all__ = [
    "LOAD_ACTION",
    "MANIFEST_COLUMNS",
    "CarrierChoice",
    "LoadBoard",
    "LoadResult",
    "ManifestRow",
    "MissingParcel",
    "announce_at",
    "announce_fulfilment",
    "carriers",
    "fulfilment_key",
    "fulfilment_payload",
    "load_board",
    "load_parcel",
    "loaded_count",
    "local_day_bounds",
    "local_today",
    "manifest",
    "manifest_csv",
    "manifest_font",
    "manifest_pdf",
    "missing_parcels",
    "orders_holding_lines",
    "parcel_label",
    "withdraw_fulfilment",
    "write_manifest",
]
