"""What the pack screen shows: the parcel and its pack, read in one short look.

The screen keeps no state of its own beyond the parcel's id: after every step it reads the
pack again, so what it shows is what the database holds, whatever another terminal did.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from warehouse_tui.services.packing.finish import (
    expected_weight,
    instructions_confirmed,
    suggest_box,
)
from warehouse_tui.services.packing.group import (
    instructions,
    members_of_parcel,
    stop_reason,
    stopped,
)
from warehouse_tui.services.packing.results import LineView, PackView
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import BoxType, OrderLine, Parcel, ParcelLine, ParcelStatus, Sku


def pack_view(store: Store, parcel_id: int) -> PackView | None:
    """Everything the pack screen shows about a parcel and its pack, read in one short look."""
    with store.read() as session:
        parcel = session.get(Parcel, parcel_id)
        if parcel is None:
            return None
        lead, group = members_of_parcel(session, parcel.order_id)
        rows = session.execute(
            select(OrderLine, Sku.code, Sku.name, ParcelLine.qty)
            .join(Sku, Sku.id == OrderLine.sku_id)
            .outerjoin(
                ParcelLine,
                (ParcelLine.order_line_id == OrderLine.id) & (ParcelLine.parcel_id == parcel.id),
            )
            .where(col(OrderLine.order_id).in_([o.id for o in group]))
            .order_by(OrderLine.order_id, OrderLine.id)
        ).all()
        lines = tuple(
            LineView(ol.id, ol.order_id, code, name, ol.picked, ol.packed, in_parcel or 0)
            for ol, code, name, in_parcel in rows
        )
        box = session.get(BoxType, parcel.box_type_id) if parcel.box_type_id else None
        suggested = suggest_box(session, parcel) if parcel.status == ParcelStatus.OPEN else None
        parcels = (
            session.execute(select(Parcel.id).where(Parcel.order_id == lead.id).order_by(Parcel.id))
            .scalars()
            .all()
        )
        halted = next((o for o in group if stopped(o)), None)
        return PackView(
            parcel_id=parcel_id,
            status=parcel.status,
            order_ids=tuple(o.id for o in group if o.id is not None),
            shop_orders=tuple(o.shop_order_id for o in group),
            ship_name=lead.ship_name,
            carrier=parcel.carrier,
            service=parcel.service,
            lines=lines,
            box_code=box.code if box else None,
            suggested_box=suggested.code if suggested else None,
            instructions=tuple(instructions(group)),
            instructions_confirmed=instructions_confirmed(session, parcel),
            expected_weight_g=expected_weight(session, parcel),
            weight_g=parcel.weight_g,
            tracking=parcel.tracking,
            parcel_number=parcels.index(parcel_id) + 1,
            stop=stop_reason(halted) if halted else "",
        )
