"""A batch-tracked SKU's lot, confirmed at the stop by the GS1 code the picker scans.

The stop's allocated lot is confirmed by a scan carrying it. Another lot of the same SKU at the
same location is taken only if enough of it is free there for the whole stop, and before any
unit of the stop is counted: the stop and its allocation move to that lot (the allocated units
with them), so stock, the pick's stock move and the lots the pack station accepts all follow
the lot really picked. A lot the location does not hold is refused, and so is a lot that
expires too soon for the order (services/lots.py).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from warehouse_tui.domain.barcodes import Scan
from warehouse_tui.i18n import _
from warehouse_tui.services.lots import expiry_refusal
from warehouse_tui.store.models import Allocation, PickStop, Sku, Stock


def lot_refusal(session: Session, stop: PickStop, sku: Sku, scan: Scan) -> str:
    """Why the scanned item's lot may not be picked at this stop, or "" (after moving the stop
    to the scanned lot when it is another free lot at this location)."""
    if not sku.batch_tracked:
        return ""
    allocated = session.get(Stock, stop.stock_id)
    assert allocated is not None
    if not scan.batch:
        return _("{sku} is batch-tracked: scan the GS1 code with its batch ({batch})").format(
            sku=sku.code, batch=allocated.batch
        )
    lot = allocated if scan.batch == allocated.batch else _lots_here(session, allocated, scan.batch)
    if lot is None:
        return _("Batch {scanned} of {sku} is not stocked here: pick batch {batch}").format(
            scanned=scan.batch, sku=sku.code, batch=allocated.batch
        )
    expired = expiry_refusal(session, lot.batch, lot.expiry or scan.expiry, [stop.order_id])
    if expired or lot is allocated:
        return expired
    return _move_to(session, stop, allocated, lot)


def _lots_here(session: Session, allocated: Stock, batch: str) -> Stock | None:
    """The lot `batch` at the allocated lot's location, if any. Both rows are locked, in id
    order (as every station locks stock), and read afresh: the move changes both."""
    rows = session.exec(
        select(Stock)
        .where(
            Stock.location_id == allocated.location_id,
            Stock.sku_id == allocated.sku_id,
            col(Stock.batch).in_((allocated.batch, batch)),
        )
        .order_by(col(Stock.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return next((row for row in rows if row.batch == batch), None)


def _move_to(session: Session, stop: PickStop, allocated: Stock, lot: Stock) -> str:
    """Move the stop and its allocation to `lot`, or say why they cannot."""
    allocation = session.get(Allocation, stop.allocation_id) if stop.allocation_id else None
    keep = _("pick batch {batch}").format(batch=allocated.batch)
    if allocation is None or stop.picked or allocation.picked:
        return _("Batch {scanned} cannot join this stop: {keep}").format(
            scanned=lot.batch, keep=keep
        )
    units = allocation.qty
    if lot.on_hand - lot.allocated < units:
        return _("Only {free} of batch {scanned} are free here: {keep}").format(
            free=max(lot.on_hand - lot.allocated, 0), scanned=lot.batch, keep=keep
        )
    assert lot.id is not None
    allocated.allocated -= units
    lot.allocated += units
    allocation.stock_id = stop.stock_id = lot.id
    return ""
