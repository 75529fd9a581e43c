"""Close the parcel and print its label; reprint a closed parcel's label.

The label is handed to the printer before the transaction commits, so a parcel is closed
exactly when its label went out; a printer that fails leaves it open (and the tracking number
unused). The pack's orders are `packed` when their last item is in a closed parcel: their
totes and put-wall slots are free again, and a shop that hears of shipments at label time
hears of it now.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlmodel import Session, col

from warehouse_tui.devices.labels import LabelError, ShippingLabel, zpl_shipping_label
from warehouse_tui.devices.printer import PrinterError, send_to_printer
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.packing.finish import has_items, instructions_confirmed
from warehouse_tui.services.packing.group import (
    instructions,
    members_of_parcel,
    order_code,
    remaining,
    stop_check,
)
from warehouse_tui.services.packing.results import CLOSE, REPRINT, PackResult
from warehouse_tui.services.packing.step import Entry, parcel_step
from warehouse_tui.services.shipping import announce_at, announce_fulfilment, parcel_label
from warehouse_tui.services.states import state_name
from warehouse_tui.services.tracking import TrackingError, allocate_tracking
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Carrier,
    CarrierService,
    Order,
    OrderStatus,
    Parcel,
    ParcelStatus,
    Tote,
    WallSlot,
    utcnow,
)


def close_parcel(store: Store, actor: Actor, parcel_id: int, printer_dest: str) -> PackResult:
    """Close the parcel: a tracking number from the carrier's pool, the shipping label to
    `printer_dest`; the pack's orders are `packed` when its last item is in a closed parcel."""

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> PackResult:
        return _close(session, actor, parcel, printer_dest)

    return parcel_step(store, actor, CLOSE, parcel_id, step, raw=printer_dest)


def _close(session: Session, actor: Actor, parcel: Parcel | None, printer_dest: str) -> PackResult:
    if parcel is None:
        return PackResult(False, _("No such parcel"))
    assert parcel.id is not None
    if parcel.status != ParcelStatus.OPEN:
        return PackResult(
            False,
            _("Parcel {parcel} is {status}").format(
                parcel=parcel_label(parcel.id), status=state_name(parcel.status)
            ),
            parcel_id=parcel.id,
        )
    lead, group = members_of_parcel(session, parcel.order_id)
    stop = stop_check(session, actor, group)
    if stop:
        return PackResult(False, stop, parcel_id=parcel.id, stop=True)
    missing = _missing_before_close(session, parcel, group)
    if missing:
        return PackResult(False, missing, parcel_id=parcel.id)
    savepoint = session.begin_nested()
    try:
        tracking = parcel.tracking or allocate_tracking(session, parcel.carrier)
        parcel.tracking = tracking
        parcel.status = ParcelStatus.CLOSED
        parcel.closed_at = utcnow()
        parcel.packed_by = actor.operator_id
        session.flush()
        complete = remaining(session, [o.id for o in group]) == 0
        zpl = _label_zpl(session, parcel, lead, complete=complete, reprint=False)
        send_to_printer(printer_dest, zpl.encode("utf-8"))
    except (TrackingError, LabelError, PrinterError) as error:
        savepoint.rollback()
        return PackResult(False, str(error), parcel_id=parcel.id)
    savepoint.commit()
    if complete:
        _mark_packed(session, group)
    message = (
        _("Parcel {parcel} closed, label printed: {tracking} — order packed")
        if complete
        else _(
            "Parcel {parcel} closed, label printed: {tracking} — items left: F9 for the next parcel"
        )
    )
    return PackResult(
        True,
        message.format(parcel=parcel_label(parcel.id), tracking=tracking),
        parcel_id=parcel.id,
        order_packed=complete,
        tracking=tracking,
    )


def _missing_before_close(session: Session, parcel: Parcel, group: Sequence[Order]) -> str:
    """What must still happen before the parcel can be closed, or ""."""
    if not has_items(session, parcel):
        return _("Scan the items first")
    if parcel.box_type_id is None:
        return _("Choose the box first (scan BOX-…)")
    if instructions(group) and not instructions_confirmed(session, parcel):
        return _("Confirm the pack instructions first (I)")
    if parcel.weight_g is None:
        return _("Weigh the parcel first")
    if not parcel.carrier:
        return _("Order {order} has no carrier").format(order=order_code(parcel.order_id))
    return ""


def _mark_packed(session: Session, group: Sequence[Order]) -> None:
    """The pack's orders are packed: their totes and put-wall slots are free again."""
    order_ids = [o.id for o in group]
    session.execute(
        update(Order)
        .where(col(Order.id).in_(order_ids), col(Order.status) == OrderStatus.PICKED)
        .values(status=OrderStatus.PACKED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Tote)
        .where(col(Tote.order_id).in_(order_ids))
        .values(order_id=None, task_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(WallSlot)
        .where(col(WallSlot.order_id).in_(order_ids))
        .values(order_id=None, status="free")
        .execution_options(synchronize_session=False)
    )
    for order in group:
        session.refresh(order)
        if announce_at(session, order.shop) == "label":
            announce_fulfilment(session, order)


def _label_zpl(
    session: Session, parcel: Parcel, lead: Order, *, complete: bool, reprint: bool
) -> str:
    assert parcel.id is not None
    parcels = (
        session.execute(
            select(Parcel.id)
            .where(Parcel.order_id == lead.id, Parcel.status != ParcelStatus.CANCELLED)
            .order_by(Parcel.id)
        )
        .scalars()
        .all()
    )
    number = parcels.index(parcel.id) + 1
    count = len(parcels) if complete or (reprint and parcel.id != parcels[-1]) else len(parcels) + 1
    carrier = (
        session.execute(select(Carrier).where(Carrier.code == parcel.carrier)).scalars().first()
    )
    service = session.execute(
        select(CarrierService.name)
        .join(Carrier, Carrier.id == CarrierService.carrier_id)
        .where(Carrier.code == parcel.carrier, CarrierService.code == parcel.service)
    ).scalar()
    label = ShippingLabel(
        order_code=order_code(lead.id),
        tracking_number=parcel.tracking or "",
        carrier=carrier.name if carrier else parcel.carrier,
        service=service or parcel.service,
        weight_kg=(parcel.weight_g or 0) / 1000,
        ship_to_name=lead.ship_name,
        address_lines=tuple(a for a in (lead.ship_address1, lead.ship_address2) if a),
        city=lead.ship_city,
        postcode=lead.ship_postcode,
        country=lead.ship_country,
        phone=lead.ship_phone,
        parcel_code=parcel_label(parcel.id),
        parcel_number=number,
        parcel_count=count,
        reprint=reprint,
    )
    return zpl_shipping_label(label)


def reprint_label(store: Store, actor: Actor, parcel_id: int, printer_dest: str) -> PackResult:
    """Print a closed parcel's label again, marked REPRINT; never for an intercepted order."""

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> PackResult:
        return _reprint(session, actor, parcel, printer_dest)

    return parcel_step(store, actor, REPRINT, parcel_id, step, raw=printer_dest)


def _reprint(
    session: Session, actor: Actor, parcel: Parcel | None, printer_dest: str
) -> PackResult:
    if parcel is None or parcel.status not in (ParcelStatus.CLOSED, ParcelStatus.LOADED):
        return PackResult(False, _("Only a closed parcel has a label to reprint"))
    assert parcel.id is not None
    lead, group = members_of_parcel(session, parcel.order_id)
    stop = stop_check(session, actor, group)
    if stop:
        return PackResult(False, stop, parcel_id=parcel.id, stop=True)
    complete = all(o.status != OrderStatus.PICKED for o in group)
    try:
        zpl = _label_zpl(session, parcel, lead, complete=complete, reprint=True)
        send_to_printer(printer_dest, zpl.encode("utf-8"))
    except (LabelError, PrinterError) as error:
        return PackResult(False, str(error), parcel_id=parcel.id)
    return PackResult(
        True,
        _("Label of {parcel} reprinted").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        tracking=parcel.tracking,
    )
