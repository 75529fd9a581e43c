"""What the pack screen shows: the parcel and its pack, read in one short look.

The screen keeps no state of its own beyond the parcel's id: after every scan it reads the
pack again, so what it shows is what the database holds, whatever another terminal did. That
makes this read as frequent as the scan, so it runs on the pack view's prepared reads
(store/pack_view.py), sent together in one short read transaction; the rules it shows — the
box suggested, the expected weight, the STOP, the instructions — are the same functions the
pack steps use.
"""

from __future__ import annotations

from warehouse_tui.services.packing.finish import BoxItem, smallest_box
from warehouse_tui.services.packing.group import instructions, stop_reason, stopped
from warehouse_tui.services.packing.results import INSTRUCTIONS, LineView, PackView
from warehouse_tui.services.settings import DEFAULTS
from warehouse_tui.services.shipping import parcel_label
from warehouse_tui.store import pack_view as reads
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ParcelStatus
from warehouse_tui.store.pack_view import PackLine
from warehouse_tui.store.prepared import fast_read


def pack_view(store: Store, parcel_id: int) -> PackView | None:
    """Everything the pack screen shows about a parcel and its pack, read in one short look."""
    with fast_read(store) as tx:  # all three sent before any is read: one round trip
        orders = reads.pack_orders(tx, parcel_id, parcel_label(parcel_id), INSTRUCTIONS)
        pack_lines = reads.pack_lines(tx, parcel_id)
        box_sizes = reads.box_sizes(tx)
    group = orders()
    if not group:
        return None
    rows = pack_lines()
    parcel = group[0]
    is_open = parcel.parcel_status == ParcelStatus.OPEN
    lead = next(order for order in group if order.id == parcel.lead_id)
    in_parcel = [row for row in rows if row.in_parcel is not None]
    suggested = None
    if is_open:
        items = _items(in_parcel, True) or _items([row for row in rows if row.in_pack], False)
        fill = float(parcel.fill) if parcel.fill is not None else DEFAULTS["box_fill_factor"]
        suggested = smallest_box(box_sizes(), items, fill) if items else None
    expected = None
    if parcel.box_tare_g is not None:
        weight = sum(row.weight_g * (row.in_parcel or 0) for row in in_parcel)
        expected = weight + parcel.box_tare_g
    halted = next((order for order in group if stopped(order)), None)
    return PackView(
        parcel_id=parcel_id,
        status=ParcelStatus(parcel.parcel_status),
        order_ids=tuple(order.id for order in group),
        shop_orders=tuple(order.shop_order_id for order in group),
        ship_name=lead.ship_name,
        carrier=parcel.carrier,
        service=parcel.service,
        lines=tuple(
            LineView(
                row.line_id,
                row.order_id,
                row.sku_code,
                row.name,
                row.picked,
                row.packed,
                row.in_parcel or 0,
            )
            for row in rows
            if row.in_pack
        ),
        box_code=parcel.box_code,
        suggested_box=suggested.code if suggested else None,
        instructions=tuple(instructions(group)),
        instructions_confirmed=parcel.confirmations > 0,
        expected_weight_g=expected,
        weight_g=parcel.weight_g,
        tracking=parcel.tracking,
        parcel_number=parcel.parcel_number,
        label_due=parcel.parcel_status == ParcelStatus.CLOSED and parcel.label_printed_at is None,
        stop=stop_reason(halted) if halted else "",
    )


def _items(rows: list[PackLine], in_parcel: bool) -> list[BoxItem]:
    """What goes into the box: the parcel's lines, or before any scan what is left to pack
    (services/packing/finish.suggest_box reads the same)."""
    items = []
    for row in rows:
        qty = (row.in_parcel or 0) if in_parcel else row.picked - row.packed
        if in_parcel or qty > 0:
            items.append(BoxItem(row.length_mm, row.width_mm, row.height_mm, row.weight_g, qty))
    return items
