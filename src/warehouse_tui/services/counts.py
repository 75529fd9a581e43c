"""Counting a location, blind: the books change only through the ledger, with a reason.

A count task names a location (and a SKU, when a short pick asked for it). On a handheld the
counter scans the location, then every unit (a case counts its units; a SKU that allows it
takes a typed quantity) and finishes; the screen never shows what the books say, so the count
is not talked into agreeing. The count in progress is the task's (`claimed_by`, `tally`), so a
terminal that drops comes back to it.

At the finish each SKU counted or on the books there is compared with its stock. A difference of
more than the `count_recount_over` setting is counted again, by another operator, before
anything changes (the first count is kept beside the task); otherwise — and always after the
recount — stock is set to the count with a StockMove "count" per lot. Stock never silently goes
below what orders have reserved: the units taken from under an allocation come off it, off the
stops that would pick them, and their orders are flagged short for the supervisor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import Scan, ScanKind, prefixed_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record, refuse_double_trigger
from warehouse_tui.services.ledger import move_stock
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.picking.progress import advance
from warehouse_tui.services.picking.shorts import flag_short
from warehouse_tui.services.putback import DONE, OPEN
from warehouse_tui.services.results import Refusal, ServiceResult, refused_scan
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    OrderLine,
    PickStop,
    PickTask,
    Sku,
    Stock,
    TaskStatus,
    utcnow,
)

COUNT = "count"
CONTEXT = "count"  # the double-trigger context of a station's count scans


@dataclass(frozen=True)
class CountResult(ServiceResult):
    message: str = ""
    task_ids: tuple[int, ...] = ()
    recount: bool = False  # the difference asks for a recount by another operator
    done: bool = False


# --- asking for counts -------------------------------------------------------------------------


def request_counts(
    store: Store, actor: Actor, location_codes: Sequence[str], reason: str = ""
) -> CountResult:
    """A supervisor asks for the locations to be counted (one task each; one already open for
    a location is kept, not doubled). All or nothing: an unknown location refuses them all."""
    with store.write() as session:
        refusal, kind = role_refusal(session, actor, SUPERVISORS), Refusal.ROLE
        locations: list[Location] = []
        for code in [] if refusal else location_codes:
            location = _location(session, code)
            if location is None:
                refusal = _("No such location: {code}").format(code=code)
                kind = Refusal.NOT_FOUND
                break
            locations.append(location)
        if not refusal and not locations:
            refusal, kind = _("Name at least one location to count"), Refusal.BAD_INPUT
        if refusal:
            record(
                session,
                actor,
                "count.request",
                accepted=False,
                reason=refusal,
                raw=" ".join(location_codes),
            )
            return CountResult(False, refusal, refusal=kind)
        why = reason or _("Counted on request")
        ids = []
        for location in locations:
            task = _open_count(session, location.id or 0) or FloorTask(
                kind=COUNT, location_id=location.id, reason=why
            )
            session.add(task)
            session.flush()
            ids.append(task.id or 0)
            record(
                session, actor, "count.request", raw=location.code, task_ref=Ref.TASK.of(task.id)
            )
        return CountResult(True, task_ids=tuple(ids))


def _location(session: Session, code: str) -> Location | None:
    code = code.strip().upper()
    bare = code.removeprefix("LOC-")
    return session.execute(
        select(Location).where(
            col(Location.code).in_((code, bare, prefixed_label(ScanKind.LOCATION, bare)))
        )
    ).scalar()


def _open_count(session: Session, location_id: int) -> FloorTask | None:
    return session.execute(
        select(FloorTask).where(
            col(FloorTask.kind) == COUNT,
            col(FloorTask.status) == OPEN,
            col(FloorTask.location_id) == location_id,
        )
    ).scalar()


def cancel_count(store: Store, actor: Actor, task_id: int, reason: str = "") -> CountResult:
    """A supervisor drops a count nobody needs any more."""
    with store.write() as session:
        task = session.get(FloorTask, task_id, with_for_update=True)
        refusal, kind = role_refusal(session, actor, SUPERVISORS), Refusal.ROLE
        if not refusal and (task is None or task.kind != COUNT or task.status != OPEN):
            refusal, kind = _("No open count task {id}").format(id=task_id), Refusal.NOT_FOUND
        if refusal or task is None:
            record(
                session,
                actor,
                "count.cancel",
                accepted=False,
                reason=refusal,
                task_ref=Ref.TASK.of(task_id),
            )
            return CountResult(False, refusal, refusal=kind)
        task.status, task.claimed_by, task.tally = "cancelled", None, None
        record(session, actor, "count.cancel", reason=reason, task_ref=Ref.TASK.of(task_id))
        return CountResult(True, message=_("Count cancelled"))


# --- counting on a handheld --------------------------------------------------------------------


@dataclass(frozen=True)
class CountView:
    """The count an operator is doing, as the handheld shows it (never the books' figure)."""

    task_id: int
    location_code: str
    sku_code: str  # the SKU the count is limited to, or ""
    counted: int  # units counted so far, every SKU together
    last_sku: str
    typed_qty_allowed: bool  # the last SKU takes a typed quantity
    recount: bool  # this is the recount


def my_count(store: Store, actor: Actor) -> CountView | None:
    with store.read() as session:
        task = _held(session, actor)
        return _view(session, task) if task is not None else None


def open_counts(store: Store) -> list[tuple[int, str, bool]]:
    """Open count tasks (id, location code, a recount), oldest first."""
    with store.read() as session:
        rows = session.execute(
            select(col(FloorTask.id), col(Location.code), col(FloorTask.first_count))
            .join(Location, col(Location.id) == FloorTask.location_id)
            .where(col(FloorTask.kind) == COUNT, col(FloorTask.status) == OPEN)
            .order_by(col(FloorTask.created_at), col(FloorTask.id))
        ).all()
        return [(task_id, code, first is not None) for task_id, code, first in rows]


def _held(session: Session, actor: Actor) -> FloorTask | None:
    return session.execute(
        select(FloorTask)
        .where(
            col(FloorTask.kind) == COUNT,
            col(FloorTask.status) == OPEN,
            col(FloorTask.claimed_by) == actor.operator_id,
        )
        .order_by(col(FloorTask.id))
        .with_for_update()
    ).scalar()


def _view(session: Session, task: FloorTask) -> CountView:
    location = session.get_one(Location, task.location_id)
    sku = session.get(Sku, task.sku_id) if task.sku_id else None
    tally = task.tally or {"units": {}, "last": None}
    last = session.get(Sku, tally["last"]) if tally.get("last") else None
    return CountView(
        task_id=task.id or 0,
        location_code=location.code,
        sku_code=sku.code if sku else "",
        counted=sum(tally["units"].values()),
        last_sku=last.code if last else "",
        typed_qty_allowed=bool(last and last.typed_qty_allowed),
        recount=task.first_count is not None,
    )


def count_scan(
    store: Store, actor: Actor, code: str, scanned_at: float | None = None
) -> CountResult:
    """A scan while counting: the location starts its count, each item adds its units."""
    with store.write() as session:
        if refuse_double_trigger(session, actor, "count.scan", CONTEXT, code, scanned_at):
            twice = _("Same code twice at once (double trigger): counted once")
            return CountResult(False, twice, refusal=Refusal.DOUBLE_TRIGGER)
        scan = parse_in_store(session, code)
        task = _held(session, actor)
        if task is None:
            task, refusal, message = _start(session, actor, scan)
        else:
            refusal, message = _add_scan(session, task, scan)
        record(
            session,
            actor,
            "count.scan",
            accepted=not refusal,
            reason=refusal,
            raw=code,
            task_ref=Ref.TASK.of(task.id) if task is not None else "",
        )
        ids = (task.id or 0,) if task is not None else ()
        kind = refused_scan(scan) if refusal else None
        return CountResult(not refusal, refusal, message, ids, refusal=kind)


def _start(session: Session, actor: Actor, scan: Scan) -> tuple[FloorTask | None, str, str]:
    if not scan.valid:
        return None, scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind != ScanKind.LOCATION or scan.resolves is None:
        return None, _("Scan the location to count"), ""
    task = _open_count(session, scan.resolves.id)
    if task is None:
        return None, _("No count is asked for at this location"), ""
    if task.first_count is not None and task.first_count.get("by") == actor.operator_id:
        return None, _("You counted it first: another operator recounts"), ""
    claimed = session.exec(
        update(FloorTask)
        .where(col(FloorTask.id) == task.id, col(FloorTask.claimed_by).is_(None))
        .values(claimed_by=actor.operator_id, tally={"units": {}, "last": None})
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None, _("Someone else is counting here"), ""
    session.refresh(task)
    location = session.get_one(Location, task.location_id)
    return (
        task,
        "",
        _("Counting {location}: scan every unit, then finish").format(location=location.code),
    )


def _add_scan(session: Session, task: FloorTask, scan: Scan) -> tuple[str, str]:
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind == ScanKind.LOCATION:
        return _("Already counting here: scan the units, then finish"), ""
    if scan.kind not in (ScanKind.PRODUCT, ScanKind.GS1) or scan.resolves is None:
        return _("Scan an item of this location"), ""
    if scan.resolves.type != "sku":
        return _("Unknown barcode — not an item of this warehouse"), ""
    return _add_units(session, task, scan.resolves.id, scan.resolves.quantity)


def _add_units(session: Session, task: FloorTask, sku_id: int, units: int) -> tuple[str, str]:
    sku = session.get_one(Sku, sku_id)
    if task.sku_id is not None and sku_id != task.sku_id:
        limited = session.get_one(Sku, task.sku_id)
        return _("Count only {sku} here").format(sku=limited.code), ""
    tally = dict(task.tally or {"units": {}, "last": None})
    counted = dict(tally["units"])
    counted[str(sku_id)] = counted.get(str(sku_id), 0) + units
    task.tally = {"units": counted, "last": sku_id}
    return "", _("{units} × {sku} counted").format(units=units, sku=sku.code)


def count_quantity(store: Store, actor: Actor, qty: int) -> CountResult:
    """A typed quantity of the last SKU scanned, where that SKU allows it."""
    with store.write() as session:
        task = _held(session, actor)
        last = (task.tally or {}).get("last") if task is not None else None
        sku = session.get(Sku, last) if last else None
        kind: Refusal | None = Refusal.INCOMPLETE
        if task is None:
            refusal = _("Scan the location to count")
        elif sku is None or not sku.typed_qty_allowed:
            refusal = _("Scan an item that may be counted by quantity first")
        elif qty <= 0:
            refusal, kind = _("Enter a quantity above 0"), Refusal.QUANTITY
        else:
            refusal, kind = "", None
        message = ""
        if not refusal and task is not None and sku is not None:
            refusal, message = _add_units(session, task, sku.id or 0, qty)
            kind = Refusal.WRONG_SCAN if refusal else None
        record(
            session,
            actor,
            "count.qty",
            accepted=not refusal,
            reason=refusal,
            raw=str(qty),
            task_ref=Ref.TASK.of(task.id) if task is not None else "",
        )
        return CountResult(not refusal, refusal, message, refusal=kind)


def finish_count(store: Store, actor: Actor) -> CountResult:
    """The count is complete: adjust the books to it, or ask another operator to recount."""
    with store.write() as session:
        task = _held(session, actor)
        if task is None:
            refusal = _("Scan the location to count")
            record(session, actor, "count.finish", accepted=False, reason=refusal)
            return CountResult(False, refusal, refusal=Refusal.INCOMPLETE)
        tallied = (task.tally or {}).get("units", {})
        counted = {int(sku): units for sku, units in tallied.items()}
        differences = _differences(session, task, counted)
        over = get_setting(session, "count_recount_over")
        ref = Ref.TASK.of(task.id)
        if task.first_count is None and any(abs(diff) > over for diff in differences.values()):
            task.first_count = {"by": actor.operator_id, "units": tallied}
            task.claimed_by, task.tally = None, None
            note = _("Differs from the books by more than {n}: another operator recounts").format(
                n=over
            )
            record(session, actor, "count.finish", reason=note, task_ref=ref)
            return CountResult(True, message=note, task_ids=(task.id or 0,), recount=True)
        for sku_id, diff in differences.items():
            if diff:
                _adjust(session, actor, task, sku_id, diff)
        task.status, task.claimed_by = DONE, None
        task.done_by, task.done_at = actor.operator_id, utcnow()
        summary = ", ".join(
            f"{session.get_one(Sku, sku_id).code} {diff:+d}"
            for sku_id, diff in sorted(differences.items())
            if diff
        )
        record(session, actor, "count.finish", reason=summary, task_ref=ref)
        message = (
            _("Count done: stock adjusted ({changes})").format(changes=summary)
            if summary
            else _("Count done: the books agree")
        )
        return CountResult(True, message=message, task_ids=(task.id or 0,), done=True)


def _differences(session: Session, task: FloorTask, counted: dict[int, int]) -> dict[int, int]:
    """Counted less booked, per SKU: the task's SKU, or every SKU counted or on the books here."""
    booked = dict(
        session.execute(
            select(col(Stock.sku_id), func.sum(col(Stock.on_hand)))
            .where(col(Stock.location_id) == task.location_id)
            .group_by(col(Stock.sku_id))
        ).all()
    )
    skus = {task.sku_id} if task.sku_id is not None else set(booked) | set(counted)
    return {sku: counted.get(sku, 0) - int(booked.get(sku, 0)) for sku in sorted(skus)}


def _adjust(session: Session, actor: Actor, task: FloorTask, sku_id: int, diff: int) -> None:
    """Change the SKU's stock here by `diff` through the ledger: found units join the first
    lot (or a new one); missing units leave free stock first, then reserved stock, whose
    orders lose those units and are flagged short."""
    assert task.location_id is not None, "a count task counts one location"
    lots = list(
        session.execute(
            select(Stock)
            .where(col(Stock.location_id) == task.location_id, col(Stock.sku_id) == sku_id)
            .order_by(col(Stock.id))
            .with_for_update()
        ).scalars()
    )
    if diff > 0:
        lot = lots[0] if lots else Stock(location_id=task.location_id, sku_id=sku_id)
        session.add(lot)
        session.flush()
        move_stock(session, actor, lot, diff, COUNT, Ref.TASK.of(task.id))
        return
    missing = -diff
    for lot in sorted(lots, key=lambda stock: stock.allocated - stock.on_hand):
        take = min(missing, lot.on_hand - lot.allocated)
        if take > 0:
            move_stock(session, actor, lot, -take, COUNT, Ref.TASK.of(task.id))
            missing -= take
    for lot in lots:
        take = min(missing, lot.on_hand)
        if take > 0:
            _take_reserved(session, actor, task, lot, take)
            move_stock(session, actor, lot, -take, COUNT, Ref.TASK.of(task.id))
            missing -= take


def _take_reserved(session: Session, actor: Actor, task: FloorTask, lot: Stock, units: int) -> None:
    """`units` reserved on `lot` are not there: the newest allocations lose them, so do the
    unfinished stops that would pick them, and their orders are flagged short."""
    rows = session.execute(
        select(Allocation, OrderLine)
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .where(col(Allocation.stock_id) == lot.id, col(Allocation.qty) > Allocation.picked)
        .order_by(col(Allocation.id).desc())
    ).all()
    location = session.get_one(Location, lot.location_id)
    sku = session.get_one(Sku, lot.sku_id)
    for allocation, line in rows:
        take = min(units, allocation.qty - allocation.picked)
        allocation.qty -= take
        lot.allocated -= take
        _shrink_stops(session, allocation, take)
        note = _("Short {units} × {sku} (a count found them missing at {location})").format(
            units=take, sku=sku.code, location=location.code
        )
        flag_short(session, actor, line.order_id, note, "count.shortage", Ref.TASK.of(task.id))
        units -= take
        if units == 0:
            return


def _shrink_stops(session: Session, allocation: Allocation, units: int) -> None:
    """The unfinished stops picking for `allocation` (its own, or batch stops on its lot) pick
    `units` fewer; a stop left with nothing to pick is short, a list left with no stop is done."""
    stops = session.execute(
        select(PickStop)
        .join(PickTask, col(PickTask.id) == PickStop.task_id)
        .where(
            (col(PickStop.allocation_id) == allocation.id)
            | (
                col(PickStop.allocation_id).is_(None)
                & (col(PickStop.stock_id) == allocation.stock_id)
            ),
            col(PickStop.status).not_in(("done", "short")),
            col(PickTask.status).not_in((TaskStatus.DONE, TaskStatus.CANCELLED)),
        )
        .order_by(col(PickStop.seq).desc())
    ).scalars()
    for stop in stops:
        take = min(units, stop.qty - stop.picked)
        stop.qty -= take
        units -= take
        if stop.qty == 0:
            stop.status = "short"
            task = session.get_one(PickTask, stop.task_id)
            session.flush()
            advance(session, task)
        if units == 0:
            return
