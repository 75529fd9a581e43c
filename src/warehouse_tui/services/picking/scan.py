"""Scanning at a stop: location → item(s) → the order's tote, or a typed quantity.

PickStop.status is the step at a stop: "open" (scan the location), "at-location" (scan the
items; PickStop.picked counts the units scanned so far), "to-tote" (all units in hand: scan the
order's tote), then "done" or "short". One function per step (`_STEPS`), each returning a
refusal or the message for the picker; the frame around them (the list is still yours, one
transaction, one journal row) is `claims.on_held_task`.

A picker scans three times at every stop and the handheld waits for each answer, so the scans
that move a picker on — the right location, the right item, the order's tote on a stop with
its own allocation — run first on a fast path (`_fast_scan`): one prepared read of the stop,
the step's compare-and-set writes and the journal row, in one short write transaction
(store/pick_scan.py). Anything else — a wrong scan, a list not (or no longer) yours, a tote
still to bind, a list's last stop, a batch stop — and any row that changed under the fast
path goes through the frame and the steps below, where the ORM's lookups are at hand. Both
say the same to the picker: the messages are written once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from warehouse_tui.domain.barcodes import (
    Scan,
    ScanKind,
    parse_scan,
    prefixed_label,
    scanned_label,
)
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.auth import Approval, supervisor_approval
from warehouse_tui.services.journal import (
    DOUBLE_TRIGGERS,
    Actor,
    double_trigger_refusal,
    journal_row,
    record,
)
from warehouse_tui.services.lookup import gtin_forms, parse_in_store
from warehouse_tui.services.picking.claims import Done, on_held_task
from warehouse_tui.services.picking.lots import lot_refusal
from warehouse_tui.services.picking.progress import confirm_stop, locked_current_stop
from warehouse_tui.services.picking.results import ScanOutcome
from warehouse_tui.services.picking.totes import bind_tote, next_unbound_order
from warehouse_tui.services.picking.views import (
    StopState,
    StopView,
    stop_location,
    stop_view,
    stop_view_of_row,
)
from warehouse_tui.services.results import (
    Refusal,
    keyed_code_refusal,
    refused_scan,
    unknown_label,
)
from warehouse_tui.services.serials import never_received, never_received_refusal
from warehouse_tui.services.settings import DEFAULTS, get_setting
from warehouse_tui.store import pick_scan
from warehouse_tui.store.engine import Store, retrying
from warehouse_tui.store.journal_rows import insert_journal
from warehouse_tui.store.models import (
    PickStop,
    PickTask,
    Sku,
    Strategy,
    TaskStatus,
    Tote,
    utcnow,
)
from warehouse_tui.store.pick_scan import StopRow
from warehouse_tui.store.prepared import Tx, fast_write
from warehouse_tui.store.serials import serial_history
from warehouse_tui.store.set_asides import insert_set_aside

SCAN = "pick.scan"


def scan_at_stop(
    store: Store, actor: Actor, task_id: int, code: str, scanned_at: float | None = None
) -> ScanOutcome:
    """One scan on a pick list: an empty tote, the location, an item, or the order's tote."""
    context = Ref.PICK.of(task_id)
    since_same = DOUBLE_TRIGGERS.arrive(actor.station, context, code, scanned_at)
    fast = _fast_scan(store, actor, task_id, code, since_same)
    if fast is not None:
        return fast

    def double_trigger(session: Session) -> str:
        window = get_setting(session, "duplicate_scan_window_ms")
        refusal = double_trigger_refusal(since_same, window)
        if refusal:
            record(session, actor, SCAN, accepted=False, reason=refusal, raw=code, task_ref=context)
        return refusal

    def scan(session: Session, task: PickTask) -> Done[ScanOutcome]:
        task.heartbeat_at = utcnow()
        scanned = parse_in_store(session, code)
        unbound = next_unbound_order(session, task)
        if unbound is not None:
            refusal = bind_tote(session, actor, task, unbound, scanned)
            tote_bound = _outcome(session, task, refusal, _("Tote on the cart"), scanned)
            return Done(tote_bound, journaled=True)
        stop = locked_current_stop(session, task)
        if stop is None:
            complete = _("This pick list is complete")
            return Done(ScanOutcome(False, complete, refusal=Refusal.WRONG_STATE))
        step = _STEPS[StopState(stop.status)]
        refusal, message = step(session, actor, task, stop, scanned)
        keyed = scanned.resolves is not None and scanned.resolves.keyed
        outcome = _outcome(session, task, refusal, message, scanned)
        return Done(outcome, order_id=stop.order_id, keyed=keyed)

    return on_held_task(
        store, actor, SCAN, task_id, scan, ScanOutcome, raw=code, guard=double_trigger
    )


def enter_quantity(
    store: Store, actor: Actor, task_id: int, qty: int, approval: Approval | None = None
) -> ScanOutcome:
    """A typed quantity at a stop, for SKUs that allow it (e.g. screws by the hundred), once one
    of the item is scanned at the stop; journaled as keyed. With no scan (an item whose barcode
    will not read) a supervisor's badge and PIN (`approval`) may let it through, journaled
    with both operators. Without either, no key finishes a stop."""

    def count(session: Session, task: PickTask) -> Done[ScanOutcome]:
        stop = locked_current_stop(session, task)
        refusal, kind = _quantity_refusal(session, stop, qty)
        supervisor = None
        if not refusal and stop is not None and stop.picked == 0:
            supervisor, refusal, kind = _unscanned_approval(session, actor, stop, approval)
        if refusal or stop is None:
            return Done(ScanOutcome(False, refusal, refusal=kind))
        task.heartbeat_at = utcnow()
        message = _add_units(session, actor, task, stop, qty)
        outcome = _outcome(session, task, "", message, None)
        return Done(outcome, order_id=stop.order_id, keyed=True, authorised_by=supervisor)

    return on_held_task(store, actor, "pick.qty", task_id, count, ScanOutcome, raw=str(qty))


def _quantity_refusal(
    session: Session, stop: PickStop | None, qty: int
) -> tuple[str, Refusal | None]:
    sku = session.get(Sku, stop.sku_id) if stop is not None else None
    if stop is None or sku is None or stop.status != StopState.AT_LOCATION:
        return _("Scan the location first"), Refusal.INCOMPLETE
    if not sku.typed_qty_allowed:
        return _("{sku} must be scanned item by item").format(sku=sku.code), Refusal.WRONG_SCAN
    if not 0 < qty <= stop.qty - stop.picked:
        return _("Enter 1 to {n}").format(n=stop.qty - stop.picked), Refusal.QUANTITY
    return "", None


def _unscanned_approval(
    session: Session, actor: Actor, stop: PickStop, approval: Approval | None
) -> tuple[int | None, str, Refusal | None]:
    """The supervisor letting a typed quantity through with no unit scanned, or why not."""
    sku = session.get(Sku, stop.sku_id)
    assert sku is not None
    if approval is None:
        return None, _unscanned_refusal(sku.code), Refusal.APPROVAL
    supervisor, why = supervisor_approval(session, actor, approval.badge, approval.pin)
    if supervisor is None:
        return None, why, Refusal.APPROVAL
    return supervisor.id, "", None


def _unscanned_refusal(sku: str) -> str:
    return _(
        "Scan one {sku} first, then type the rest; an item that will not scan needs a "
        "supervisor's badge and PIN"
    ).format(sku=sku)


def _outcome(
    session: Session, task: PickTask, refusal: str, message: str, scanned: Scan | None
) -> ScanOutcome:
    """The step's answer with where the picker is now. A step refuses a code that names
    nothing (unreadable) or one that is not what the stop asks for (a wrong scan)."""
    view = stop_view(session, task)
    if refusal:
        return ScanOutcome(False, refusal, stop=view, refusal=refused_scan(scanned))
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
    if scan.resolves is None:
        return unknown_label(scan), ""
    if scan.resolves.id != location.id:
        return _("Wrong location {scanned} — go to {location}").format(
            scanned=scanned_label(scan), location=location.code
        ), ""
    stop.status = StopState.AT_LOCATION
    sku = session.get(Sku, stop.sku_id)
    assert sku is not None
    return "", _pick_message(stop.qty - stop.picked, sku.code)


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
    if scan.resolves.keyed and not sku.code_entry_allowed:
        return keyed_code_refusal(sku.code), ""
    units = scan.resolves.quantity
    if units > remaining:
        return _(
            "This barcode counts {units} but only {remaining} remain — scan single items"
        ).format(units=units, remaining=remaining), ""
    lot = lot_refusal(session, stop, sku, scan) or _serial_refusal(session, stop, sku, scan)
    if lot:
        return lot, ""
    return "", _add_units(session, actor, task, stop, units)


def _serial_refusal(session: Session, stop: PickStop, sku: Sku, scan: Scan) -> str:
    """Why the unit may not be picked, when its scan carries a serial no delivery brought
    (services/serials.py); the unit is set aside for a supervisor, at the stop's location.
    A pick needs no serial: the pack station asks every unit for it."""
    if not sku.serial_tracked or not scan.serial:
        return ""
    assert sku.id is not None
    tx = Tx.of(session.connection())
    if not never_received(serial_history(tx, sku.id, scan.serial)):
        return ""
    reason = never_received_refusal(scan.serial, sku.code)
    location = prefixed_label(ScanKind.LOCATION, stop_location(session, stop).code)
    insert_set_aside(tx, sku.id, reason, location, serial=scan.serial)
    return reason


def _add_units(session: Session, actor: Actor, task: PickTask, stop: PickStop, units: int) -> str:
    """Count units into the stop; with all in hand, on to the tote (or, with none, confirm)."""
    stop.picked += units
    if stop.picked < stop.qty:
        return _count_message(stop.picked, stop.qty)
    if stop.tote_id is not None:
        stop.status = StopState.TO_TOTE
        tote = session.get(Tote, stop.tote_id)
        return _to_tote_message(tote.code if tote else "?")
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
    if scan.resolves is None:
        return unknown_label(scan), ""
    if scan.resolves.id != tote.id:
        return _("Wrong tote {scanned} — this goes in {tote}").format(
            scanned=scanned_label(scan), tote=tote.code
        ), ""
    confirm_stop(session, actor, task, stop)
    return "", _in_tote_message(tote.code)


_STEPS = {
    StopState.OPEN: _scan_location,
    StopState.AT_LOCATION: _scan_item,
    StopState.TO_TOTE: _scan_tote,
}


def _pick_message(qty: int, sku: str) -> str:
    return _("Pick {qty} × {sku}").format(qty=qty, sku=sku)


def _count_message(picked: int, qty: int) -> str:
    return _("{picked} of {qty} — scan the next").format(picked=picked, qty=qty)


def _to_tote_message(tote: str) -> str:
    return _("Put them in {tote} and scan it").format(tote=tote)


def _in_tote_message(tote: str) -> str:
    return _("In {tote}").format(tote=tote)


# --- the fast path ----------------------------------------------------------------------------


class _Changed(Exception):
    """A row the fast path read changed before its write: roll back, take the usual path."""


def _fast_scan(
    store: Store, actor: Actor, task_id: int, code: str, since_same: float | None
) -> ScanOutcome | None:
    """The scan on the fast path, or None when it needs the usual one (nothing written)."""
    scan = parse_scan(code)
    if not scan.valid or scan.kind not in _FAST_KINDS:
        return None
    codes = gtin_forms(scan.gtin) if scan.gtin else ()
    return retrying(lambda: _fast_scan_once(store, actor, task_id, code, scan, codes, since_same))


def _fast_scan_once(
    store: Store,
    actor: Actor,
    task_id: int,
    code: str,
    scan: Scan,
    codes: Sequence[str],
    since_same: float | None,
) -> ScanOutcome | None:
    """One try of the fast scan's transaction (`retrying` runs it again after a deadlock)."""
    try:
        with fast_write(store) as tx:
            stop = pick_scan.current_stop(
                tx,
                task_id,
                codes=codes,
                to_tote=scan.kind is ScanKind.TOTE,
                repeated=since_same is not None,
            )
            if stop is None or not _fast_frame(stop, actor):
                return None
            context = Ref.PICK.of(task_id)
            window = stop.window
            refusal = double_trigger_refusal(
                since_same,
                int(window) if window is not None else DEFAULTS["duplicate_scan_window_ms"],
            )
            if refusal:
                row = journal_row(
                    actor, SCAN, accepted=False, reason=refusal, raw=code, task_ref=context
                )
                insert_journal(tx, row)
                return ScanOutcome(False, refusal, refusal=Refusal.DOUBLE_TRIGGER)
            now = utcnow()  # one moment for every row the scan writes, formatted once
            step = _fast_step(tx, actor, task_id, stop, scan, now)
            if step is None:
                return None
            message, view = step
            row = journal_row(
                actor, SCAN, raw=code, task_ref=context, order_id=stop.order_id, at=now
            )
            insert_journal(tx, row)
            return ScanOutcome(True, message=message, stop=view)
    except _Changed:
        return None


_FAST_KINDS = (ScanKind.LOCATION, ScanKind.PRODUCT, ScanKind.GS1, ScanKind.TOTE)


def _fast_frame(stop: StopRow, actor: Actor) -> bool:
    """The list is this operator's, claimed (not paused), and every order has its tote."""
    return (
        stop.task_status == TaskStatus.CLAIMED
        and stop.claimed_by == actor.operator_id
        and not stop.unbound
    )


def _fast_step(
    tx: Tx, actor: Actor, task_id: int, stop: StopRow, scan: Scan, now: datetime
) -> tuple[str, StopView] | None:
    """The step a right scan takes (the steps above say the same), or None for the usual path."""
    if stop.status == StopState.OPEN and scan.kind is ScanKind.LOCATION:
        if stop.location_code not in (scanned_label(scan), scan.code):
            return None
        if not pick_scan.at_location(tx, stop.stop_id):
            raise _Changed
        pick_scan.heartbeat(tx, task_id, now)
        message = _pick_message(stop.qty - stop.picked, stop.sku_code)
        return message, stop_view_of_row(task_id, stop, stop, status=StopState.AT_LOCATION)
    # A batch stop's lot and a unit's serial are checked on the usual path.
    if (
        stop.status == StopState.AT_LOCATION
        and scan.gtin
        and not (stop.batch_tracked or scan.serial)
    ):
        units = stop.scanned_units
        if stop.scanned_sku != stop.sku_id or units is None or units > stop.qty - stop.picked:
            return None
        picked = stop.picked + units
        if picked < stop.qty:
            status, message = StopState.AT_LOCATION, _count_message(picked, stop.qty)
        elif stop.tote_code is not None:
            status, message = StopState.TO_TOTE, _to_tote_message(stop.tote_code)
        else:
            return None  # a batch stop's last unit confirms it: the usual path
        if not pick_scan.count_units(tx, stop.stop_id, units, status):
            raise _Changed
        pick_scan.heartbeat(tx, task_id, now)
        return message, stop_view_of_row(task_id, stop, stop, status=status, picked=picked)
    if stop.status == StopState.TO_TOTE and scan.kind is ScanKind.TOTE:
        if stop.tote_code not in (scanned_label(scan), scan.code) or not _fast_confirm(stop):
            return None
        assert stop.allocation_left is not None
        assert stop.tote_code is not None  # it matched the scan
        take = min(stop.picked, stop.allocation_left)
        # Confirmed and moved on in one round trip; what held is asked once both are sent.
        confirmed = pick_scan.confirm(tx, stop, take, Ref.PICK.of(task_id), actor.operator_id, now)
        moved_on = pick_scan.advance(tx, task_id, stop, now)
        following = moved_on() if confirmed() else None
        if following is None:
            raise _Changed
        return _in_tote_message(stop.tote_code), stop_view_of_row(task_id, following, stop, done=1)
    return None


def _fast_confirm(stop: StopRow) -> bool:
    """A pick-by-order stop with its own allocation, not the list's last (which finishes the
    list and maybe its wave: the usual path)."""
    return (
        stop.strategy == Strategy.PICK_BY_ORDER
        and stop.allocation_id is not None
        and stop.next_stop_id is not None
    )
