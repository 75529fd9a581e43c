"""Scanning at a stop: location → item(s) → the order's tote, or a typed quantity.

PickStop.status is the step at a stop: "open" (scan the location), "at-location" (scan the
items; PickStop.picked counts the units scanned so far), "to-tote" (all units in hand: scan the
order's tote), then "done" or "short". One function per step (`_STEPS`), each returning a
refusal or the message for the picker; the frame around them (the list is still yours, one
transaction, one journal row) is `claims.on_held_task`.
"""

from __future__ import annotations

from sqlmodel import Session

from warehouse_tui.domain.barcodes import Scan, ScanKind
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, refuse_double_trigger
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.picking.claims import Done, on_held_task
from warehouse_tui.services.picking.progress import confirm_stop, locked_current_stop
from warehouse_tui.services.picking.results import ScanOutcome
from warehouse_tui.services.picking.totes import bind_tote, next_unbound_order
from warehouse_tui.services.picking.views import StopState, stop_location, stop_view
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import PickStop, PickTask, Sku, TaskStatus, Tote, utcnow


def scan_at_stop(
    store: Store, actor: Actor, task_id: int, code: str, scanned_at: float | None = None
) -> ScanOutcome:
    """One scan on a pick list: an empty tote, the location, an item, or the order's tote."""
    context = f"PICK-{task_id}"

    def double_trigger(session: Session) -> str:
        return refuse_double_trigger(session, actor, "pick.scan", context, code, scanned_at)

    def scan(session: Session, task: PickTask) -> Done[ScanOutcome]:
        task.heartbeat_at = utcnow()
        scanned = parse_in_store(session, code)
        unbound = next_unbound_order(session, task)
        if unbound is not None:
            refusal = bind_tote(session, actor, task, unbound, scanned)
            return Done(_outcome(session, task, refusal, _("Tote on the cart")), journaled=True)
        stop = locked_current_stop(session, task)
        if stop is None:
            return Done(ScanOutcome(False, _("This pick list is complete")))
        step = _STEPS[StopState(stop.status)]
        refusal, message = step(session, actor, task, stop, scanned)
        return Done(_outcome(session, task, refusal, message), order_id=stop.order_id)

    return on_held_task(
        store, actor, "pick.scan", task_id, scan, ScanOutcome, raw=code, guard=double_trigger
    )


def enter_quantity(store: Store, actor: Actor, task_id: int, qty: int) -> ScanOutcome:
    """A typed quantity at a stop, for SKUs that allow it (e.g. screws by the hundred)."""

    def count(session: Session, task: PickTask) -> Done[ScanOutcome]:
        stop = locked_current_stop(session, task)
        refusal = _quantity_refusal(session, stop, qty)
        if refusal or stop is None:
            return Done(ScanOutcome(False, refusal))
        task.heartbeat_at = utcnow()
        message = _add_units(session, actor, task, stop, qty)
        return Done(_outcome(session, task, "", message), order_id=stop.order_id)

    return on_held_task(store, actor, "pick.qty", task_id, count, ScanOutcome, raw=str(qty))


def _quantity_refusal(session: Session, stop: PickStop | None, qty: int) -> str:
    sku = session.get(Sku, stop.sku_id) if stop is not None else None
    if stop is None or sku is None or stop.status != StopState.AT_LOCATION:
        return _("Scan the location first")
    if not sku.typed_qty_allowed:
        return _("{sku} must be scanned item by item").format(sku=sku.code)
    if not 0 < qty <= stop.qty - stop.picked:
        return _("Enter 1 to {n}").format(n=stop.qty - stop.picked)
    return ""


def _outcome(session: Session, task: PickTask, refusal: str, message: str) -> ScanOutcome:
    view = stop_view(session, task)
    if refusal:
        return ScanOutcome(False, refusal, stop=view)
    done = task.status == TaskStatus.DONE
    return ScanOutcome(
        True, message=_("Pick list complete") if done else message, stop=view, task_done=done
    )


def _scan_location(
    session: Session, actor: Actor, task: PickTask, stop: PickStop, scan: Scan
) -> tuple[str, str]:
    location = stop_location(session, stop)
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind != ScanKind.LOCATION:
        return _("Scan the location label first: {location}").format(location=location.code), ""
    if scan.resolves is None or scan.resolves.id != location.id:
        return _("Wrong location LOC-{scanned} — go to {location}").format(
            scanned=scan.code, location=location.code
        ), ""
    stop.status = StopState.AT_LOCATION
    sku = session.get(Sku, stop.sku_id)
    assert sku is not None
    return "", _("Pick {qty} × {sku}").format(qty=stop.qty - stop.picked, sku=sku.code)


def _scan_item(
    session: Session, actor: Actor, task: PickTask, stop: PickStop, scan: Scan
) -> tuple[str, str]:
    sku = session.get(Sku, stop.sku_id)
    assert sku is not None
    remaining = stop.qty - stop.picked
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind == ScanKind.LOCATION:
        location = stop_location(session, stop)
        if scan.resolves is not None and scan.resolves.id == location.id:
            return "", _("Location already scanned — scan the item")
        return _("Wrong location — pick {sku} here at {location}").format(
            sku=sku.code, location=location.code
        ), ""
    if scan.kind not in (ScanKind.PRODUCT, ScanKind.GS1):
        return _("Scan the item: {sku}").format(sku=sku.code), ""
    if scan.resolves is None or scan.resolves.type != "sku":
        return _("Unknown barcode — not an item of this warehouse"), ""
    if scan.resolves.id != sku.id:
        other = session.get(Sku, scan.resolves.id)
        return _("Wrong item {other} — pick {sku}").format(
            other=other.code if other else "?", sku=sku.code
        ), ""
    units = scan.resolves.quantity
    if units > remaining:
        return _(
            "This barcode counts {units} but only {remaining} remain — scan single items"
        ).format(units=units, remaining=remaining), ""
    return "", _add_units(session, actor, task, stop, units)


def _add_units(session: Session, actor: Actor, task: PickTask, stop: PickStop, units: int) -> str:
    """Count units into the stop; with all in hand, on to the tote (or, with none, confirm)."""
    stop.picked += units
    if stop.picked < stop.qty:
        return _("{picked} of {qty} — scan the next").format(picked=stop.picked, qty=stop.qty)
    if stop.tote_id is not None:
        stop.status = StopState.TO_TOTE
        tote = session.get(Tote, stop.tote_id)
        return _("Put them in {tote} and scan it").format(tote=tote.code if tote else "?")
    confirm_stop(session, actor, task, stop)
    return _("Stop done")


def _scan_tote(
    session: Session, actor: Actor, task: PickTask, stop: PickStop, scan: Scan
) -> tuple[str, str]:
    tote = session.get(Tote, stop.tote_id) if stop.tote_id else None
    assert tote is not None
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind != ScanKind.TOTE:
        return _("All {qty} in hand — scan the tote {tote}").format(
            qty=stop.qty, tote=tote.code
        ), ""
    if scan.resolves is None or scan.resolves.id != tote.id:
        return _("Wrong tote TOTE-{scanned} — this goes in {tote}").format(
            scanned=scan.code, tote=tote.code
        ), ""
    confirm_stop(session, actor, task, stop)
    return "", _("In {tote}").format(tote=tote.code)


_STEPS = {
    StopState.OPEN: _scan_location,
    StopState.AT_LOCATION: _scan_item,
    StopState.TO_TOTE: _scan_tote,
}
