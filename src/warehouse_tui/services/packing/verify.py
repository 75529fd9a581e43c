"""Verify: count every scanned item into the parcel — the pack station's hot path.

A scan comes every second or two, and bench/bench_pack.py holds it to a few times a bare
durable commit. So a GTIN of a SKU in the pack — nearly every scan — is settled in one fast
write transaction of prepared statements (store/pack_scan.py): one indexed SELECT from the
barcode to the SKU's order lines in the pack (with the parcel's state and the duplicate-scan
window setting), then the counting UPDATE, the parcel line and the journal row, and the
commit. Anything rarer — a code that is no GTIN or names no line of the pack, a carrier's
pre-printed label — is settled in an ordinary write transaction, where the ORM's lookups are
at hand.

An accepted count's journal row carries its effect in columns (order line, units, serial,
batch), which is exactly what `undo_last_scan` takes back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection
from sqlmodel import Session

from warehouse_tui.domain.barcodes import Scan, ScanKind, parse_scan
from warehouse_tui.i18n import _
from warehouse_tui.services.auth import Approval, supervisor_approval
from warehouse_tui.services.journal import (
    DOUBLE_TRIGGERS,
    Actor,
    double_trigger_refusal,
    journal_row,
)
from warehouse_tui.services.lookup import gtin_forms, parse_in_store, resolve_code
from warehouse_tui.services.lots import picked_lots, too_soon
from warehouse_tui.services.packing.group import order_code
from warehouse_tui.services.packing.results import PREPRINTED, SCAN, TYPED_QTY, ScanResult
from warehouse_tui.services.results import Refusal, keyed_code_refusal
from warehouse_tui.services.serials import never_received, never_received_refusal
from warehouse_tui.services.set_asides import take_off_order, taken_off
from warehouse_tui.services.settings import DEFAULTS
from warehouse_tui.services.shipping import parcel_label
from warehouse_tui.services.states import kind_name, state_name
from warehouse_tui.store import pack_scan
from warehouse_tui.store.engine import Store, retrying
from warehouse_tui.store.journal_rows import insert_journal
from warehouse_tui.store.models import OrderStatus, Parcel, ParcelStatus, Sku
from warehouse_tui.store.pack_scan import ScanLine
from warehouse_tui.store.prepared import Tx, fast_write, write_transaction
from warehouse_tui.store.serials import serial_history
from warehouse_tui.store.set_asides import add_set_aside, insert_set_aside, lot_of

# An accepted count's effect as the journal keeps it: order line, units, serial, batch.
_Effect = tuple[int, int, str | None, str | None]
_NO_EFFECT = (None, None, None, None)


@dataclass(frozen=True)
class _Count:
    """Units of a SKU to count, with the serial or batch a GS1 scan carried."""

    sku_id: int
    units: int
    serial: str | None = None
    batch: str | None = None
    typed: bool = False
    keyed: bool = False  # from the SKU's own code keyed in, or a typed quantity
    authorised_by: int | None = None  # the supervisor who let a keyed code count


def verify_scan(
    store: Store,
    actor: Actor,
    parcel_id: int,
    code: str,
    scanned_at: float | None = None,
    approval: Approval | None = None,
) -> ScanResult:
    """Count one scanned item into the parcel: any of its barcodes (a case counts its units),
    or GS1 with the serial/batch a tracked SKU needs. Refusals count nothing; all is journaled.
    The SKU's own code counts where the SKU allows it, or with a supervisor's badge and PIN
    (`approval`: an item whose barcode will not scan), journaled as keyed with both operators.

    A GTIN of a SKU in the pack is settled in one fast transaction of prepared statements;
    anything else (no GTIN, no line for it, a carrier's label) in an ordinary one."""
    since_same = DOUBLE_TRIGGERS.arrive(actor.station, parcel_label(parcel_id), code, scanned_at)
    return retrying(lambda: _verify_once(store, actor, parcel_id, code, since_same, approval))


def _verify_once(
    store: Store,
    actor: Actor,
    parcel_id: int,
    code: str,
    since_same: float | None,
    approval: Approval | None,
) -> ScanResult:
    """One try of the scan's transaction (`retrying` runs it again after a deadlock)."""
    scan = parse_scan(code)
    if scan.valid and scan.gtin:
        with fast_write(store) as tx:
            lines = pack_scan.lines_by_barcode(tx, parcel_id, gtin_forms(scan.gtin))
            if lines and not lines[0].batch_tracked:  # a lot to check: the usual path
                units = lines[0].units or 1
                counted = _Count(lines[0].sku_id, units, scan.serial, scan.batch)
                return _count(tx, actor, parcel_id, code, counted, since_same, lines)
    with write_transaction(store) as connection:
        tx = Tx.of(connection)
        supervisor, why = _approver(connection, actor, approval)
        if why:
            return _refuse(tx, actor, parcel_id, code, SCAN, why, Refusal.APPROVAL)
        count, refusal, kind = _count_of_scan(
            connection, scan, code, keyed_ok=supervisor is not None
        )
        if count is None:
            label = _preprinted_label(connection, actor, parcel_id, code)
            return label or _refuse(tx, actor, parcel_id, code, SCAN, refusal, kind)
        count = replace(count, authorised_by=supervisor)
        lines = pack_scan.lines_by_sku(tx, parcel_id, count.sku_id)
        lot = _lot_refusal(connection, actor, lines, count, scan)
        if lot:
            lead_id = lines[0].lead_id
            return _refuse(
                tx, actor, parcel_id, code, SCAN, lot, Refusal.WRONG_SCAN, lead_id=lead_id
            )
        return _count(tx, actor, parcel_id, code, count, since_same, lines)


def _lot_refusal(
    connection: Connection, actor: Actor, lines: list[ScanLine], count: _Count, scan: Scan
) -> str:
    """Why a batch-tracked item's lot may not go into this order's parcel, or "": it must be a
    lot picked for the order line, and not expire before the order ships. Either way the unit
    is set aside for a supervisor (services/set_asides.py); one picked for the order leaves it,
    and the order is short it."""
    if not lines or not lines[0].batch_tracked or not count.batch:
        return ""  # no lot to check; a missing batch is refused with the count
    line, tx = lines[0], Tx.of(connection)
    with Session(bind=connection) as session:
        if taken_off(session, line.order_id, count.sku_id, count.batch):
            return _(
                "Batch {batch} is taken off {order}: put the unit in the set-aside tote with "
                "the others of its batch (Exceptions)"
            ).format(batch=count.batch, order=order_code(line.order_id))
        lots = picked_lots(session, line.line_id)
        if count.batch not in lots:
            reason = _(
                "Batch {batch} was not picked for {order} (picked: {picked}): put the unit in "
                "the set-aside tote; a supervisor puts it back or scraps it (Exceptions)"
            ).format(
                batch=count.batch,
                order=order_code(line.order_id),
                picked=", ".join(sorted(lots)) or "—",
            )
            _set_aside(tx, actor, count, reason)
            return reason
        expiry = lots[count.batch] or scan.expiry
        ships = too_soon(session, expiry, [line.order_id])
        if ships is None or expiry is None:
            return ""
        taken = take_off_order(session, line.line_id, count.batch)
        if not taken:
            return _over_scan(line, count)  # every unit picked of the lot is packed
        reason = _(
            "Batch {batch} expires {expiry}, too soon for {order} shipping {ships}: put every "
            "unit of it from the tote in the set-aside tote ({units} in all); the order is short "
            "them until a supervisor re-picks or ships short (Exceptions)"
        ).format(
            batch=count.batch,
            expiry=expiry.isoformat(),
            order=order_code(line.order_id),
            ships=ships.isoformat(),
            units=sum(units for _lot, units in taken),
        )
        for lot, units in taken:
            assert lot.id is not None
            add_set_aside(
                tx,
                count.sku_id,
                reason,
                actor.station,
                stock_id=lot.id,
                location_id=lot.location_id,
                order_id=line.order_id,
                qty=units,
            )
        return reason


def _set_aside(tx: Tx, actor: Actor, count: _Count, reason: str) -> None:
    """The scanned unit waits in the station's set-aside tote, still counted on the shelf of
    the lot its scan names (any of its SKU's lots when it names none)."""
    lot = lot_of(tx, count.sku_id, count.batch)
    insert_set_aside(
        tx,
        count.sku_id,
        reason,
        actor.station,
        stock_id=lot.id if lot is not None else None,
        location_id=lot.location_id if lot is not None else None,
        qty=count.units,
    )


def enter_quantity(
    store: Store,
    actor: Actor,
    parcel_id: int,
    code: str,
    qty: int,
    approval: Approval | None = None,
) -> ScanResult:
    """Count `qty` units of the SKU `code` names, for SKUs that allow typed quantities: `code`
    is a scan of the item (its own code only where the SKU allows keying it), and the count is
    journaled as keyed. With a supervisor's badge and PIN (`approval`), the SKU's own code
    counts for an item whose barcode will not scan, journaled with both operators."""
    return retrying(lambda: _enter_quantity_once(store, actor, parcel_id, code, qty, approval))


def _enter_quantity_once(
    store: Store, actor: Actor, parcel_id: int, code: str, qty: int, approval: Approval | None
) -> ScanResult:
    raw = f"{code} x{qty}"
    with write_transaction(store) as connection:
        tx = Tx.of(connection)
        if qty <= 0:
            too_few = _("Type a quantity of 1 or more")
            return _refuse(tx, actor, parcel_id, raw, TYPED_QTY, too_few, Refusal.QUANTITY)
        supervisor, why = _approver(connection, actor, approval)
        if why:
            return _refuse(tx, actor, parcel_id, raw, TYPED_QTY, why, Refusal.APPROVAL)
        count, refusal, kind = _count_of_scan(
            connection, parse_scan(code), code, keyed_ok=supervisor is not None
        )
        if count is None:
            return _refuse(tx, actor, parcel_id, raw, TYPED_QTY, refusal, kind)
        units = qty * count.units
        typed = _Count(count.sku_id, units, typed=True, keyed=True, authorised_by=supervisor)
        return _count(tx, actor, parcel_id, raw, typed, None)


def _approver(
    connection: Connection, actor: Actor, approval: Approval | None
) -> tuple[int | None, str]:
    """The approving supervisor's id (None without an approval), or why the approval fails."""
    if approval is None:
        return None, ""
    with Session(bind=connection) as session:
        supervisor, why = supervisor_approval(session, actor, approval.badge, approval.pin)
        session.flush()  # a wrong PIN's count and journal row commit with the refusal
    return (supervisor.id, "") if supervisor is not None else (None, why)


def _preprinted_label(
    connection: Connection, actor: Actor, parcel_id: int, code: str
) -> ScanResult | None:
    """A carrier's pre-printed label scanned into an open parcel: its number becomes the
    parcel's tracking number, printed on the label at close instead of one from the pool.
    None when the code is no tracking number of any carrier."""
    with Session(bind=connection) as session:
        scan = parse_in_store(session, code, expect_tracking=True)
        parcel = session.get(Parcel, parcel_id)
    if scan.kind is not ScanKind.TRACKING or not scan.valid or scan.code is None or parcel is None:
        return None
    kind = Refusal.WRONG_SCAN
    if parcel.status != ParcelStatus.OPEN:
        refusal = _("Parcel {parcel} is {status}: start a pack to scan items").format(
            parcel=parcel_label(parcel_id), status=state_name(parcel.status)
        )
        kind = Refusal.WRONG_STATE
    elif scan.resolves is not None and scan.resolves.id != parcel_id:
        refusal = _("Label {tracking} is on {parcel} already: use a new one").format(
            tracking=scan.code, parcel=parcel_label(scan.resolves.id)
        )
    elif scan.carrier is not None and scan.carrier != parcel.carrier:
        refusal = _("That is a {carrier} label: this parcel goes with {parcel_carrier}").format(
            carrier=scan.carrier, parcel_carrier=parcel.carrier
        )
    else:
        refusal = ""
    tx = Tx.of(connection)
    if refusal:
        return _refuse(tx, actor, parcel_id, code, PREPRINTED, refusal, kind)
    pack_scan.set_tracking(tx, parcel_id, scan.code)
    _journal(tx, actor, PREPRINTED, code, parcel_id, parcel.order_id)
    return ScanResult(
        True,
        _("Pre-printed label {tracking}: the parcel ships under this number").format(
            tracking=scan.code
        ),
    )


def _count_of_scan(
    connection: Connection, scan: Scan, code: str, *, keyed_ok: bool = False
) -> tuple[_Count | None, str, Refusal]:
    """The count a scan names, or why none and the kind of that refusal. A SKU's own code
    counts (as keyed) where the SKU allows it, or with a supervisor's approval (`keyed_ok`)."""
    unreadable = Refusal.UNREADABLE
    if scan.kind not in (ScanKind.PRODUCT, ScanKind.GS1, ScanKind.UNKNOWN):
        not_item = _("That is a {kind} label: scan the items")
        return None, not_item.format(kind=kind_name(scan.kind)), Refusal.WRONG_SCAN
    if scan.kind is not ScanKind.UNKNOWN and not scan.valid:
        return None, scan.error or _("unknown barcode"), unreadable
    if scan.gtin:
        found = pack_scan.sku_by_barcode(Tx.of(connection), gtin_forms(scan.gtin))
        if found is not None:
            return _Count(found[0], found[1], scan.serial, scan.batch), "", unreadable
    with Session(bind=connection) as session:
        resolved = resolve_code(session, scan.gtin or code.strip())
        sku = session.get(Sku, resolved.id) if resolved and resolved.type == "sku" else None
    if resolved is None or sku is None:
        unknown = _("Unknown barcode {code}: not an item of this warehouse")
        return None, unknown.format(code=code.strip()), unreadable
    if resolved.keyed and not (sku.code_entry_allowed or keyed_ok):
        return None, keyed_code_refusal(sku.code), Refusal.APPROVAL
    count = _Count(resolved.id, resolved.quantity, scan.serial, scan.batch, keyed=resolved.keyed)
    return count, "", unreadable


def _count(
    tx: Tx,
    actor: Actor,
    parcel_id: int,
    raw: str,
    count: _Count,
    since_same: float | None,
    lines: list[ScanLine] | None = None,
) -> ScanResult:
    if not lines:
        lines = pack_scan.lines_by_sku(tx, parcel_id, count.sku_id)
    if not lines:
        wrong, wrong_kind = _not_in_pack(tx, actor, parcel_id, count)
        return _refuse(tx, actor, parcel_id, raw, SCAN, wrong, wrong_kind)
    line = lines[0]
    action = TYPED_QTY if count.typed else SCAN
    window_ms = (
        int(line.window) if line.window is not None else DEFAULTS["duplicate_scan_window_ms"]
    )
    refusal, kind = _count_refusal(line, count, since_same, window_ms)
    if not refusal and line.serial_tracked:
        refusal, kind = _serial_refusal(tx, actor, parcel_id, line, count), Refusal.WRONG_SCAN
    if refusal and kind is not None:
        return _refuse(tx, actor, parcel_id, raw, action, refusal, kind, lead_id=line.lead_id)
    if not pack_scan.count_up(tx, line.line_id, count.units):
        if line.serial_tracked and count.serial:
            pack_scan.release_serial(tx, count.sku_id, count.serial)
        refusal = _over_scan(line, count)
        return _refuse(
            tx, actor, parcel_id, raw, action, refusal, Refusal.QUANTITY, lead_id=line.lead_id
        )
    serial = count.serial if line.serial_tracked else None
    batch = count.batch if line.batch_tracked else None
    pack_scan.add_to_parcel_line(tx, parcel_id, line, count.units, serial, batch)
    if line.weight_g is not None:
        pack_scan.forget_weight(tx, parcel_id)
    packed = line.packed + count.units
    message = _("{sku} +{units} ({packed}/{expected})").format(
        sku=line.sku_code, units=count.units, packed=packed, expected=line.picked
    )
    effect = (line.line_id, count.units, serial, batch)
    _journal(
        tx,
        actor,
        action,
        raw,
        parcel_id,
        line.lead_id,
        reason=message,
        effect=effect,
        keyed=count.keyed,
        authorised_by=count.authorised_by,
    )
    return ScanResult(
        True,
        message,
        order_line_id=line.line_id,
        units=count.units,
        packed=packed,
        expected=line.picked,
    )


def _count_refusal(
    line: ScanLine, count: _Count, since_same: float | None, window_ms: int
) -> tuple[str, Refusal | None]:
    """Why this scan may not count and the kind of that refusal, or ("", None) if it counts."""
    if line.parcel_status != ParcelStatus.OPEN:
        return _("Parcel is {status}: start a pack to scan items").format(
            status=state_name(line.parcel_status)
        ), Refusal.WRONG_STATE
    if line.intercepted or line.order_status == OrderStatus.CANCELLED or line.pending is not None:
        return _(
            "STOP — order {order} was cancelled or changed: do not pack, put everything "
            "aside for restock"
        ).format(order=order_code(line.order_id)), Refusal.INTERCEPT
    duplicate = double_trigger_refusal(since_same, window_ms)
    if duplicate:
        return duplicate, Refusal.DOUBLE_TRIGGER
    if count.typed and not line.typed_qty_allowed:
        return _("{sku} must be scanned, not typed").format(sku=line.sku_code), Refusal.WRONG_SCAN
    if line.serial_tracked and count.units != 1:
        return _("{sku} is serial-tracked: scan each unit's serial number").format(
            sku=line.sku_code
        ), Refusal.QUANTITY
    if line.serial_tracked and not count.serial:
        return _("{sku} needs its serial number: scan the GS1 code with the serial").format(
            sku=line.sku_code
        ), Refusal.WRONG_SCAN
    if line.batch_tracked and not count.batch:
        return _("{sku} needs its batch: scan the GS1 code with the batch").format(
            sku=line.sku_code
        ), Refusal.WRONG_SCAN
    if line.packed + count.units > line.picked:
        return _over_scan(line, count), Refusal.QUANTITY
    return "", None


def _over_scan(line: ScanLine, count: _Count) -> str:
    if line.packed >= line.picked:
        return _("Over-scan: all {expected} of {sku} are packed already — take it out").format(
            expected=line.picked, sku=line.sku_code
        )
    return _("That counts {units} but only {left} of {sku} are left: scan single items").format(
        units=count.units, left=line.picked - line.packed, sku=line.sku_code
    )


def _serial_refusal(tx: Tx, actor: Actor, parcel_id: int, line: ScanLine, count: _Count) -> str:
    """Claim the unit's serial for this parcel, or say why not: it was never received (the unit
    is set aside for a supervisor, services/serials.py), or where it is packed already."""
    assert count.serial is not None  # a serial-tracked count without one is refused before
    if never_received(serial_history(tx, count.sku_id, count.serial)):
        reason = never_received_refusal(count.serial, line.sku_code)
        insert_set_aside(tx, count.sku_id, reason, actor.station, serial=count.serial)
        return reason
    holder = pack_scan.claim_serial(tx, count.sku_id, count.serial, parcel_id, line.line_id)
    if holder is None:
        return ""
    if holder == parcel_id:
        return _("Serial {serial} is scanned already: scan the next unit").format(
            serial=count.serial
        )
    return _("Serial {serial} is packed already, in {parcel}: this unit cannot go twice").format(
        serial=count.serial, parcel=parcel_label(holder)
    )


def _journal(
    tx: Tx,
    actor: Actor,
    action: str,
    raw: str,
    parcel_id: int,
    order_id: int | None,
    *,
    accepted: bool = True,
    reason: str = "",
    effect: _Effect | None = None,
    keyed: bool = False,
    authorised_by: int | None = None,
) -> None:
    """The scan's journal row, with the count's effect when it counted one."""
    row = journal_row(
        actor,
        action,
        accepted=accepted,
        reason=reason,
        raw=raw,
        task_ref=parcel_label(parcel_id),
        order_id=order_id,
        keyed=keyed,
        authorised_by=authorised_by,
    )
    row["effect_line_id"], row["effect_units"], row["effect_serial"], row["effect_batch"] = (
        effect or _NO_EFFECT
    )
    insert_journal(tx, row)


def _refuse(
    tx: Tx,
    actor: Actor,
    parcel_id: int,
    raw: str,
    action: str,
    reason: str,
    kind: Refusal,
    *,
    lead_id: int | None = None,
) -> ScanResult:
    if lead_id is None:
        state = pack_scan.parcel_state(tx, parcel_id)
        lead_id = state[1] if state is not None else None
    _journal(tx, actor, action, raw, parcel_id, lead_id, accepted=False, reason=reason)
    return ScanResult(
        False,
        reason,
        stop=kind is Refusal.INTERCEPT,
        duplicate=kind is Refusal.DOUBLE_TRIGGER,
        refusal=kind,
    )


def _not_in_pack(tx: Tx, actor: Actor, parcel_id: int, count: _Count) -> tuple[str, Refusal]:
    """Why a SKU found in the warehouse has no line in this parcel's orders. A wrong item in
    the tote was never picked for these orders (a pick confirms every unit by scan), so it is
    set aside still counted on its shelf, for a supervisor to put back or scrap — or, when a
    picked order waits for one (a unit sorted into the wrong slot counts on that order's line),
    to take to that order and settle."""
    if pack_scan.parcel_state(tx, parcel_id) is None:
        no_parcel = _("No parcel {parcel}: start a pack first")
        return no_parcel.format(parcel=parcel_label(parcel_id)), Refusal.NOT_FOUND
    code, name = pack_scan.sku_name(tx, count.sku_id)
    wanting = pack_scan.order_wanting(tx, count.sku_id)
    if wanting is not None:
        reason = _(
            "WRONG ITEM: {sku} {name} belongs to another order ({order} waits for one): put it "
            "in the set-aside tote; a supervisor takes it to {order} and settles it, or puts it "
            "back or scraps it (Exceptions)"
        ).format(sku=code, name=name, order=order_code(wanting))
    else:
        reason = _(
            "WRONG ITEM: {sku} {name} is not in this order: put it in the set-aside tote; a "
            "supervisor puts it back or scraps it (Exceptions)"
        ).format(sku=code, name=name)
    _set_aside(tx, actor, count, reason)
    return reason, Refusal.WRONG_SCAN
