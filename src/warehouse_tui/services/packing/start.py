"""Start or resume a pack, and open the next parcel of a pack too big for one box.

A pack starts from whatever the packer has in hand: a tote, a lit put-wall slot, the order's
`ORD-` label or a parcel's `PCL-` label. Starting again resumes the parcel left open, so a
restarted terminal goes on where it stopped; a closed parcel's label shows the parcel (to
reprint its label) instead of opening a new one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import Scan, ScanKind, parse_scan, prefixed_label
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.lookup import resolve_code
from warehouse_tui.services.packing.group import (
    lead_of,
    members,
    members_of_parcel,
    order_code,
    remaining,
    stop_check,
)
from warehouse_tui.services.packing.results import NEW_PARCEL, START, PackResult
from warehouse_tui.services.packing.step import Entry, journaled, parcel_step
from warehouse_tui.services.results import Refusal, unknown_label
from warehouse_tui.services.shipping import parcel_label
from warehouse_tui.services.shortages import order_standing
from warehouse_tui.services.states import kind_name
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus, Parcel, ParcelStatus, Tote, WallSlot


def start_pack(store: Store, actor: Actor, code: str) -> PackResult:
    """Start (or resume) packing by a tote, put-wall slot, order (ORD-) or parcel label (PCL-)."""

    def step(session: Session, entry: Entry) -> PackResult:
        result = _start(session, actor, code, entry)
        entry.task_ref = parcel_label(result.parcel_id) if result.parcel_id else ""
        return result

    return journaled(store, actor, START, step, raw=code)


def _start(session: Session, actor: Actor, code: str, entry: Entry) -> PackResult:
    scan = parse_scan(code, lookup_code=lambda key: resolve_code(session, key))
    if not scan.valid:
        return PackResult(False, scan.error or _("unknown barcode"), refusal=Refusal.UNREADABLE)
    order, refusal, kind = _order_of_scan(session, scan)
    if order is None:
        return PackResult(False, refusal, refusal=kind)
    entry.order_id = order.id
    parcel = (
        session.get(Parcel, scan.resolves.id)
        if scan.kind is ScanKind.PARCEL and scan.resolves is not None
        else None
    )
    if parcel is not None and parcel.status == ParcelStatus.CANCELLED:
        return _show_finished_parcel(parcel)
    lead = lead_of(session, order)
    group = members(session, lead)
    stop = stop_check(session, actor, group)
    if stop:
        return PackResult(False, stop, stop=True, refusal=Refusal.INTERCEPT)
    if parcel is not None and parcel.status != ParcelStatus.OPEN:
        return _show_finished_parcel(parcel)
    waiting = [o for o in group if o.status != OrderStatus.PICKED]
    if waiting and all(o.status in (OrderStatus.PACKED, OrderStatus.SHIPPED) for o in group):
        return PackResult(
            False,
            _("Order {order} is already packed").format(order=order_code(order.id)),
            refusal=Refusal.WRONG_STATE,
        )
    if waiting:
        standings = [order_standing(session, other) for other in waiting]
        return PackResult(
            False,
            next((text for coming, text in standings if not coming), standings[0][1]),
            refusal=Refusal.WRONG_STATE,
        )
    entry.order_id = lead.id
    parcel = _open_parcel(session, lead)
    if parcel is None:
        parcel = _add_parcel(session, actor, lead)
        message = _("Parcel {parcel} opened for {orders}")
    else:
        message = _("Parcel {parcel} resumed for {orders}")
    assert parcel.id is not None
    orders = ", ".join(order_code(o.id) for o in group)
    text = message.format(parcel=parcel_label(parcel.id), orders=orders)
    places = _places_of(session, group)
    if len(group) > 1 and places:
        text += " · " + _("bring {places}").format(places=", ".join(places))
    return PackResult(True, text, parcel_id=parcel.id)


def _places_of(session: Session, group: list[Order]) -> list[str]:
    """The totes and put-wall slots that hold a merged shipment's orders: the packer brings
    them all to the bench."""
    ids = [o.id for o in group]
    totes = session.execute(
        select(col(Tote.code)).where(col(Tote.order_id).in_(ids)).order_by(col(Tote.code))
    ).scalars()
    slots = session.execute(
        select(col(WallSlot.code))
        .where(col(WallSlot.order_id).in_(ids))
        .order_by(col(WallSlot.code))
    ).scalars()
    return [prefixed_label(ScanKind.TOTE, code) for code in totes] + [
        prefixed_label(ScanKind.SLOT, code) for code in slots
    ]


def _show_finished_parcel(parcel: Parcel) -> PackResult:
    assert parcel.id is not None
    if parcel.status == ParcelStatus.CANCELLED:
        return PackResult(
            False,
            _("Parcel {parcel} was cancelled").format(parcel=parcel_label(parcel.id)),
            refusal=Refusal.WRONG_STATE,
        )
    return PackResult(
        True,
        _("Parcel {parcel} is closed ({tracking}): F10 reprints its label").format(
            parcel=parcel_label(parcel.id), tracking=parcel.tracking or "?"
        ),
        parcel_id=parcel.id,
        tracking=parcel.tracking,
    )


def _order_of_scan(session: Session, scan: Scan) -> tuple[Order | None, str, Refusal | None]:
    kinds = (ScanKind.TOTE, ScanKind.SLOT, ScanKind.ORDER, ScanKind.PARCEL)
    if scan.kind not in kinds:
        return (
            None,
            _("Scan a tote, a put-wall slot, an order or a parcel label to start"),
            Refusal.WRONG_SCAN,
        )
    if scan.resolves is None and scan.kind in (ScanKind.TOTE, ScanKind.SLOT):
        return None, unknown_label(scan), Refusal.UNREADABLE
    if scan.resolves is None:
        no_such = _("No {kind} has the code {code}").format(
            kind=kind_name(scan.kind), code=scan.code
        )
        return None, no_such, Refusal.UNREADABLE
    row_id = scan.resolves.id
    order_id: int | None
    if scan.kind is ScanKind.TOTE:
        order_id = session.get_one(Tote, row_id).order_id
        empty = _("Tote {code} holds no order").format(code=scan.code)
    elif scan.kind is ScanKind.SLOT:
        slot = session.get_one(WallSlot, row_id)
        if slot.order_id is not None and slot.status != "ready":
            not_yet = _("Slot {code} is not complete yet: wait for its light")
            return None, not_yet.format(code=scan.code), Refusal.WRONG_STATE
        order_id = slot.order_id
        empty = _("Slot {code} holds no order").format(code=scan.code)
    elif scan.kind is ScanKind.PARCEL:
        order_id = session.get_one(Parcel, row_id).order_id
        empty = ""
    else:
        order_id = row_id
        empty = ""
    if order_id is None:
        return None, empty, Refusal.WRONG_STATE
    return session.get_one(Order, order_id), "", None


def _open_parcel(session: Session, lead: Order) -> Parcel | None:
    return session.scalars(
        select(Parcel)
        .where(col(Parcel.order_id) == lead.id, col(Parcel.status) == ParcelStatus.OPEN)
        .order_by(col(Parcel.id))
        .limit(1)
    ).first()


def _add_parcel(session: Session, actor: Actor, lead: Order) -> Parcel:
    assert lead.id is not None
    parcel = Parcel(
        order_id=lead.id,
        carrier=lead.carrier,
        service=lead.service,
        packed_by=actor.operator_id,
        station=actor.station,
    )
    session.add(parcel)
    session.flush()
    return parcel


def open_parcel_at_station(store: Store, station: str) -> int | None:
    """The parcel this station left open (a restart continues it), if any."""
    with store.read() as session:
        return session.execute(
            select(col(Parcel.id))
            .where(col(Parcel.station) == station, col(Parcel.status) == ParcelStatus.OPEN)
            .order_by(col(Parcel.id).desc())
            .limit(1)
        ).scalar()


def new_parcel(store: Store, actor: Actor, parcel_id: int) -> PackResult:
    """Open the next parcel of `parcel_id`'s pack (an order too big for one box): allowed once
    `parcel_id` is closed and items of the pack are still to be packed."""

    def step(session: Session, parcel: Parcel | None, entry: Entry) -> PackResult:
        result = _next_parcel(session, actor, parcel)
        if result.parcel_id is not None:
            entry.task_ref = parcel_label(result.parcel_id)
        return result

    return parcel_step(store, actor, NEW_PARCEL, parcel_id, step, raw=parcel_label(parcel_id))


def _next_parcel(session: Session, actor: Actor, parcel: Parcel | None) -> PackResult:
    if parcel is None:
        return PackResult(False, _("No such parcel"), refusal=Refusal.NOT_FOUND)
    assert parcel.id is not None
    lead, group = members_of_parcel(session, parcel.order_id)
    stop = stop_check(session, actor, group)
    if stop:
        return PackResult(False, stop, stop=True, refusal=Refusal.INTERCEPT)
    if _open_parcel(session, lead) is not None:
        return PackResult(
            False,
            _("Close parcel {parcel} first").format(parcel=parcel_label(parcel.id)),
            refusal=Refusal.INCOMPLETE,
        )
    if remaining(session, [o.id for o in group]) == 0:
        return PackResult(
            False, _("Everything of this pack is packed already"), refusal=Refusal.WRONG_STATE
        )
    created = _add_parcel(session, actor, lead)
    assert created.id is not None
    return PackResult(
        True,
        _("Parcel {parcel} opened: scan the remaining items").format(
            parcel=parcel_label(created.id)
        ),
        parcel_id=created.id,
    )
