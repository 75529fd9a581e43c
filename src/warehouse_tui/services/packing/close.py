"""Close the parcel, then print its label; reprint a closed parcel's label.

The close and the print are two steps, in that order. The close takes the tracking number and
commits the parcel `closed` with it; only then is the label sent, outside any transaction, so a
slow printer holds no lock the other stations wait for, and a label is never printed with a
number the database has not kept. Then `label_printed_at` records that the printer took it.
A station that dies, or a printer that fails, between the two leaves a closed parcel whose
label did not print: the pack station shows it (and opens on it after a restart) and F10
prints it with the same number. A printer that plainly cannot print (`check_printer`: no
answer, no folder) is said before the parcel is closed, and the parcel stays open.

The pack's orders are `packed` when their last item is in a closed parcel: their totes and
put-wall slots are free again, and a shop that hears of shipments at label time hears of it
now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session, col

from warehouse_tui.devices.labels import LabelError, ShippingLabel, zpl_shipping_label
from warehouse_tui.devices.printer import PrinterError, check_printer, send_to_printer
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
from warehouse_tui.services.packing.results import CLOSE, PRINT, REPRINT, PackResult
from warehouse_tui.services.packing.step import Entry, parcel_step
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.settings import get_setting
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


@dataclass(frozen=True)
class _Labelled:
    """A close or reprint committed, and the label it leaves to print after the commit."""

    result: PackResult
    label: bytes = b""

    @property
    def accepted(self) -> bool:
        return self.result.accepted

    @property
    def reason(self) -> str:
        return self.result.reason


@dataclass(frozen=True)
class _Printed:
    accepted: bool
    reason: str = ""


def close_parcel(store: Store, actor: Actor, parcel_id: int, printer_dest: str) -> PackResult:
    """Close the parcel with a tracking number from the carrier's pool, commit, then print its
    label to `printer_dest`; the pack's orders are `packed` when its last item is in a closed
    parcel. A printer that cannot be reached keeps the parcel open; one that fails after the
    close leaves it closed, unprinted, for a reprint."""
    try:
        check_printer(printer_dest)
        unusable = ""
    except PrinterError as error:
        unusable = str(error)

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> _Labelled:
        if unusable:
            return _Labelled(
                PackResult(False, unusable, parcel_id=parcel_id, refusal=Refusal.DEVICE)
            )
        return _close(session, actor, parcel)

    closed = parcel_step(store, actor, CLOSE, parcel_id, step, raw=printer_dest)
    if not closed.accepted:
        return closed.result
    return _print(store, actor, parcel_id, printer_dest, closed)


def _close(session: Session, actor: Actor, parcel: Parcel | None) -> _Labelled:
    if parcel is None:
        return _Labelled(PackResult(False, _("No such parcel"), refusal=Refusal.NOT_FOUND))
    assert parcel.id is not None
    if parcel.status != ParcelStatus.OPEN:
        reason = _("Parcel {parcel} is {status}").format(
            parcel=parcel_label(parcel.id), status=state_name(parcel.status)
        )
        refused = PackResult(
            False,
            reason,
            parcel_id=parcel.id,
            tracking=parcel.tracking,
            refusal=Refusal.WRONG_STATE,
        )
        return _Labelled(refused)
    lead, group = members_of_parcel(session, parcel.order_id)
    stop = stop_check(session, actor, group)
    if stop:
        return _Labelled(
            PackResult(False, stop, parcel_id=parcel.id, stop=True, refusal=Refusal.INTERCEPT)
        )
    missing = _missing_before_close(session, parcel, group)
    if missing:
        return _Labelled(
            PackResult(False, missing, parcel_id=parcel.id, refusal=Refusal.INCOMPLETE)
        )
    savepoint = session.begin_nested()
    try:
        tracking = parcel.tracking or allocate_tracking(session, parcel.carrier)
        parcel.tracking = tracking
        parcel.status = ParcelStatus.CLOSED
        parcel.closed_at = utcnow()
        parcel.packed_by = actor.operator_id
        session.flush()
        # An order back to `released` is short a lot the pack station set aside: more comes.
        short = next((o for o in group if o.status == OrderStatus.RELEASED), None)
        complete = remaining(session, [o.id for o in group]) == 0 and short is None
        label = _label_zpl(session, parcel, lead, complete=complete, reprint=False)
    except (TrackingError, LabelError) as error:
        savepoint.rollback()
        return _Labelled(
            PackResult(False, str(error), parcel_id=parcel.id, refusal=Refusal.NO_LABEL)
        )
    savepoint.commit()
    if complete:
        _mark_packed(session, group)
    if complete:
        message = _("Parcel {parcel} closed, label printed: {tracking} — order packed")
    elif short is not None:
        message = _(
            "Parcel {parcel} closed, label printed: {tracking} — {order} is short: the rest "
            "comes in another parcel once a supervisor has it re-picked, or it ships short "
            "(Exceptions)"
        )
    else:
        message = _(
            "Parcel {parcel} closed, label printed: {tracking} — items left: F9 for the next parcel"
        )
    order = order_code(short.id) if short is not None else ""
    result = PackResult(
        True,
        message.format(parcel=parcel_label(parcel.id), tracking=tracking, order=order),
        parcel_id=parcel.id,
        order_packed=complete,
        tracking=tracking,
    )
    return _Labelled(result, label.encode("utf-8"))


def _print(
    store: Store, actor: Actor, parcel_id: int, printer_dest: str, labelled: _Labelled
) -> PackResult:
    """Send the committed parcel's label, outside any transaction; then record (journaled as
    PRINT) that the printer took it, or why not. A failed print turns the result into a
    refusal that says the parcel is closed and its label is to be printed again."""
    try:
        send_to_printer(printer_dest, labelled.label)
        failure = ""
    except PrinterError as error:
        failure = str(error)

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> _Printed:
        if failure:
            return _Printed(False, failure)
        if parcel is not None and parcel.label_printed_at is None:
            parcel.label_printed_at = utcnow()
        return _Printed(True)

    parcel_step(store, actor, PRINT, parcel_id, step, raw=printer_dest)
    if not failure:
        return labelled.result
    closed = labelled.result
    reason = _(
        "Parcel {parcel} is closed ({tracking}) but its label did not print: {reason} — "
        "F10 prints it again"
    ).format(parcel=parcel_label(parcel_id), tracking=closed.tracking, reason=failure)
    return PackResult(
        False,
        reason,
        parcel_id=parcel_id,
        order_packed=closed.order_packed,
        tracking=closed.tracking,
        label_printed=False,
        refusal=Refusal.DEVICE,
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
            select(col(Parcel.id))
            .where(col(Parcel.order_id) == lead.id, col(Parcel.status) != ParcelStatus.CANCELLED)
            .order_by(col(Parcel.id))
        )
        .scalars()
        .all()
    )
    number = parcels.index(parcel.id) + 1
    count = len(parcels) if complete or (reprint and parcel.id != parcels[-1]) else len(parcels) + 1
    carrier = (
        session.execute(select(Carrier).where(col(Carrier.code) == parcel.carrier))
        .scalars()
        .first()
    )
    service = session.execute(
        select(col(CarrierService.name))
        .join(Carrier, col(Carrier.id) == col(CarrierService.carrier_id))
        .where(col(Carrier.code) == parcel.carrier, col(CarrierService.code) == parcel.service)
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
        ship_date=_ship_date(session, parcel),
        sender=_sender(session),
    )
    return zpl_shipping_label(label)


def _ship_date(session: Session, parcel: Parcel) -> str:
    """The day the parcel was closed, in the warehouse's time zone."""
    closed = parcel.closed_at or utcnow()
    zone = ZoneInfo(get_setting(session, "timezone"))
    return closed.replace(tzinfo=closed.tzinfo or UTC).astimezone(zone).date().isoformat()


def _sender(session: Session) -> tuple[str, ...]:
    """The `return_address` setting as label lines: name, street, postcode and city, country."""
    address = get_setting(session, "return_address")
    town = f"{address['postcode']} {address['city']}".strip()
    return tuple(
        line for line in (address["name"], address["address"], town, address["country"]) if line
    )


def reprint_label(store: Store, actor: Actor, parcel_id: int, printer_dest: str) -> PackResult:
    """Print a closed parcel's label again, with its own tracking number; never for an
    intercepted order. A label that never printed goes out unmarked, a second one marked
    REPRINT."""

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> _Labelled:
        return _reprint(session, actor, parcel)

    labelled = parcel_step(store, actor, REPRINT, parcel_id, step, raw=printer_dest)
    if not labelled.accepted:
        return labelled.result
    return _print(store, actor, parcel_id, printer_dest, labelled)


def _reprint(session: Session, actor: Actor, parcel: Parcel | None) -> _Labelled:
    if parcel is None or parcel.status not in (ParcelStatus.CLOSED, ParcelStatus.LOADED):
        not_closed = _("Only a closed parcel has a label to reprint")
        return _Labelled(PackResult(False, not_closed, refusal=Refusal.WRONG_STATE))
    assert parcel.id is not None
    lead, group = members_of_parcel(session, parcel.order_id)
    stop = stop_check(session, actor, group)
    if stop:
        return _Labelled(
            PackResult(False, stop, parcel_id=parcel.id, stop=True, refusal=Refusal.INTERCEPT)
        )
    complete = all(o.status != OrderStatus.PICKED for o in group)
    again = parcel.label_printed_at is not None
    try:
        label = _label_zpl(session, parcel, lead, complete=complete, reprint=again)
    except LabelError as error:
        return _Labelled(
            PackResult(False, str(error), parcel_id=parcel.id, refusal=Refusal.NO_LABEL)
        )
    result = PackResult(
        True,
        _("Label of {parcel} reprinted").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        tracking=parcel.tracking,
    )
    return _Labelled(result, label.encode("utf-8"))


def unprinted_parcel_at_station(store: Store, station: str) -> int | None:
    """The parcel this station closed whose label never printed (the printer failed, or the
    station stopped between the close and the print), if any: the bench opens on it."""
    with store.read() as session:
        return session.execute(
            select(col(Parcel.id))
            .where(
                col(Parcel.station) == station,
                col(Parcel.status) == ParcelStatus.CLOSED,
                col(Parcel.label_printed_at).is_(None),
            )
            .order_by(col(Parcel.id).desc())
            .limit(1)
        ).scalar()
