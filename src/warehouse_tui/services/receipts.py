"""Supplier deliveries: expected from a file (`warehouse-tui receipts import`), received by scan
on the Receive screen, put away by scan, closed with a summary of differences.

A delivery is opened by scanning its reference; one nobody announced is opened by a supervisor
(`open_unexpected`). Each scan of a unit or a case (a registered case code counts its units)
adds to the delivery's line of that SKU and batch — a batch-tracked SKU needs the batch and
expiry a GS1-128 carries, and a scan without one is refused; a serial-tracked SKU is received
a unit at a time by the GS1 code with its serial (AI 21), recorded once (services/serials.py):
a serial received before is not counted, and the unit is set aside for a supervisor. Units
not announced make a line of their own (an over-delivery). A location scan puts what was
received of the last line scanned on that shelf: stock, its ledger move (`receive`, ref the
delivery's reference) and a `stock` event in one transaction. Closing needs everything put
away and records, per line, expected against received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from warehouse_tui.domain.goods_in_files import FileProblem, ReceiptRecord, parse_receipt
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.auth import supervisor_approval
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.results import LinesImport, Refusal, ServiceResult
from warehouse_tui.services.returns.disposition import location_of, shelf_of
from warehouse_tui.services.returns.events import announce_stock
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.serials import receive_serial, received_on
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
    StockMove,
    utcnow,
)
from warehouse_tui.store.prepared import Tx
from warehouse_tui.store.set_asides import insert_set_aside

IMPORT, OPEN, RECEIVE, PUT_AWAY, CLOSE = (
    "receipts.import",
    "receipts.open",
    "receipts.receive",
    "receipts.put-away",
    "receipts.close",
)
OPEN_STATUS, CLOSED = "open", "closed"


@dataclass(frozen=True)
class ReceiptStep(ServiceResult):
    receipt_id: int | None = None
    line_id: int | None = None
    sku: str = ""
    received: int = 0
    expected: int = 0
    suggested: str = ""
    summary: list[dict[str, Any]] = field(default_factory=list)


# --- the file ---------------------------------------------------------------------------------


def import_receipts(store: Store, actor: Actor, lines: list[str]) -> LinesImport:
    """Expected deliveries, one a line; a file with any bad line is refused whole. A reference
    already known is left as it is."""
    records: list[tuple[int, ReceiptRecord]] = []
    errors: list[str] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            records.append((number, parse_receipt(text)))
        except FileProblem as problem:
            errors.append(_("line {n}: {problem}").format(n=number, problem=problem))

    def work(session: Session) -> LinesImport:
        skus: dict[str, int] = {
            code: sku_id for code, sku_id in session.execute(select(col(Sku.code), col(Sku.id)))
        }
        for number, item in records:
            missing = [line.sku for line in item.lines if line.sku not in skus]
            if missing:
                errors.append(_("line {n}: no SKU {sku}").format(n=number, sku=", ".join(missing)))
        if errors:
            record(session, actor, IMPORT, accepted=False, reason=errors[0])
            reason = _("Nothing imported: {first} (fix the file and import it again)").format(
                first=errors[0]
            )
            return LinesImport(False, reason, errors=errors, refusal=Refusal.BAD_INPUT)
        added = known = 0
        for _number, item in records:
            if session.execute(
                select(col(Receipt.id)).where(col(Receipt.reference) == item.reference)
            ).first():
                known += 1
                continue
            receipt = Receipt(supplier=item.supplier, reference=item.reference)
            session.add(receipt)
            session.flush()
            assert receipt.id is not None
            lines: dict[tuple[int, str], ReceiptLine] = {}
            for wanted in item.lines:
                key = (skus[wanted.sku], wanted.batch)
                line = lines.get(key)
                if line is None:
                    line = ReceiptLine(
                        receipt_id=receipt.id,
                        sku_id=key[0],
                        batch=wanted.batch,
                        expiry=wanted.expiry,
                    )
                    lines[key] = line
                    session.add(line)
                line.expected += wanted.qty
            added += 1
        record(session, actor, IMPORT, reason=f"{added} added, {known} known")
        reason = _("{added} deliveries expected, {known} already known").format(
            added=added, known=known
        )
        return LinesImport(True, reason, added=added, known=known)

    return store.transact(work)


# --- on the floor -----------------------------------------------------------------------------


def _refuse(
    session: Session,
    actor: Actor,
    action: str,
    code: str,
    reason: str,
    kind: Refusal,
    receipt_id: int | None = None,
) -> ReceiptStep:
    record(session, actor, action, accepted=False, reason=reason, raw=code)
    return ReceiptStep(False, reason, receipt_id=receipt_id, refusal=kind)


def open_receipt(store: Store, actor: Actor, reference: str) -> ReceiptStep:
    """The delivery whose reference was scanned."""

    def work(session: Session) -> ReceiptStep:
        receipt = session.execute(
            select(Receipt).where(col(Receipt.reference) == reference.strip())
        ).scalar()
        if receipt is None:
            reason = _(
                "No delivery {ref} is expected: scan a supervisor's badge to receive it "
                "unannounced (or warehouse-tui receipts open)"
            ).format(ref=reference.strip())
            return _refuse(session, actor, OPEN, reference, reason, Refusal.NOT_FOUND)
        if receipt.status == CLOSED:
            reason = _("Delivery {ref} is closed already").format(ref=receipt.reference)
            return _refuse(session, actor, OPEN, reference, reason, Refusal.WRONG_STATE)
        record(session, actor, OPEN, raw=reference, task_ref=receipt.reference)
        reason = _("Delivery {ref} from {supplier}: scan each unit or case").format(
            ref=receipt.reference, supplier=receipt.supplier
        )
        return ReceiptStep(True, reason, receipt_id=receipt.id)

    return store.transact(work)


def open_unexpected(
    store: Store,
    actor: Actor,
    supplier: str,
    reference: str,
    badge: str = "",
    pin: str = "",
) -> ReceiptStep:
    """A delivery nobody announced is opened by a supervisor: the actor, or one whose badge and
    PIN were given on this station (journaled with both names); its units are all over."""

    def work(session: Session) -> ReceiptStep:
        authorised_by = None
        if badge:
            supervisor, refusal = supervisor_approval(session, actor, badge, pin)
            if supervisor is None:  # the approval journaled why
                return ReceiptStep(False, refusal, refusal=Refusal.APPROVAL)
            authorised_by = supervisor.id
        else:
            reason = role_refusal(session, actor, SUPERVISORS)
            if reason:
                return _refuse(session, actor, OPEN, reference, reason, Refusal.ROLE)
        if not supplier.strip() or not reference.strip():
            reason = _("Name the supplier and the delivery's reference")
            return _refuse(session, actor, OPEN, reference, reason, Refusal.BAD_INPUT)
        if session.execute(
            select(col(Receipt.id)).where(col(Receipt.reference) == reference.strip())
        ).first():
            reason = _("Delivery {ref} exists already: scan its reference").format(
                ref=reference.strip()
            )
            return _refuse(session, actor, OPEN, reference, reason, Refusal.WRONG_STATE)
        receipt = Receipt(supplier=supplier.strip(), reference=reference.strip(), announced=False)
        session.add(receipt)
        session.flush()
        record(
            session,
            actor,
            OPEN,
            raw=reference,
            task_ref=receipt.reference,
            authorised_by=authorised_by,
        )
        reason = _("Unannounced delivery {ref} opened: scan each unit or case").format(
            ref=receipt.reference
        )
        return ReceiptStep(True, reason, receipt_id=receipt.id)

    return store.transact(work)


def receive_scan(store: Store, actor: Actor, receipt_id: int, code: str) -> ReceiptStep:
    """One unit or case of the delivery scanned in."""

    def work(session: Session) -> ReceiptStep:
        receipt = session.get(Receipt, receipt_id)
        if receipt is None or receipt.status == CLOSED:
            reason = _("This delivery is closed: scan the next delivery's reference")
            return _refuse(session, actor, RECEIVE, code, reason, Refusal.WRONG_STATE)
        scan = parse_in_store(session, code)
        resolves = scan.resolves if scan.valid else None
        if resolves is None or resolves.type != "sku":
            reason = _("Not an item we stock: scan the unit's or the case's barcode")
            return _refuse(session, actor, RECEIVE, code, reason, Refusal.UNREADABLE, receipt_id)
        sku = session.get_one(Sku, resolves.id)
        assert sku.id is not None
        batch = (scan.batch or "") if sku.batch_tracked else ""
        if sku.batch_tracked and not batch:
            reason = _("{sku} is batch-tracked: scan the GS1-128 label with its batch").format(
                sku=sku.code
            )
            return _refuse(session, actor, RECEIVE, code, reason, Refusal.INCOMPLETE, receipt_id)
        units = resolves.quantity
        serial = (scan.serial or "").strip() if sku.serial_tracked else ""
        if sku.serial_tracked and (not serial or units != 1):
            reason = _("{sku} is serial-tracked: scan each unit's GS1 code with its serial").format(
                sku=sku.code
            )
            return _refuse(session, actor, RECEIVE, code, reason, Refusal.INCOMPLETE, receipt_id)
        if serial and received_on(session, sku.id, serial):
            return _serial_twice(session, actor, receipt, sku, serial, code)
        line = session.execute(
            select(ReceiptLine).where(
                col(ReceiptLine.receipt_id) == receipt_id,
                col(ReceiptLine.sku_id) == sku.id,
                col(ReceiptLine.batch) == batch,
            )
        ).scalar()
        if line is None:
            line = ReceiptLine(receipt_id=receipt_id, sku_id=sku.id, batch=batch)
            session.add(line)
            session.flush()
        assert line.id is not None
        if serial and not receive_serial(session, line.id, sku.id, serial, actor.operator_id):
            # Another handheld received it a moment ago; nothing of this scan is kept.
            if not line.received and not line.expected:
                session.delete(line)
            return _serial_twice(session, actor, receipt, sku, serial, code)
        if scan.expiry is not None and line.expiry is None:
            line.expiry = scan.expiry
        session.execute(
            update(ReceiptLine)
            .where(col(ReceiptLine.id) == line.id)
            .values(received=ReceiptLine.received + units)
        )
        session.refresh(line)
        record(session, actor, RECEIVE, raw=code, task_ref=Ref.LINE.of(line.id))
        reason = _("{units} × {sku} received: {received} of {expected}").format(
            units=units, sku=sku.code, received=line.received, expected=line.expected
        )
        if line.received > line.expected:
            reason += " · " + _("{over} over").format(over=line.received - line.expected)
        return ReceiptStep(
            True,
            reason,
            receipt_id=receipt_id,
            line_id=line.id,
            sku=sku.code,
            received=line.received,
            expected=line.expected,
            suggested=shelf_of(session, sku.id),
        )

    return store.transact(work)


def _serial_twice(
    session: Session, actor: Actor, receipt: Receipt, sku: Sku, serial: str, code: str
) -> ReceiptStep:
    """A serial received before: the unit is not counted, and waits for a supervisor."""
    assert sku.id is not None
    reason = _(
        "Serial {serial} of {sku} was received already, on delivery {ref}: this unit is not "
        "counted; set it aside for a supervisor (Exceptions)"
    ).format(serial=serial, sku=sku.code, ref=received_on(session, sku.id, serial))
    insert_set_aside(Tx.of(session.connection()), sku.id, reason, receipt.reference)
    return _refuse(session, actor, RECEIVE, code, reason, Refusal.WRONG_SCAN, receipt.id)


def put_away_line(store: Store, actor: Actor, line_id: int, code: str) -> ReceiptStep:
    """What was received of the line and not yet put away is on the scanned shelf."""

    def work(session: Session) -> ReceiptStep:
        line = session.get(ReceiptLine, line_id)
        if line is None:
            reason = _("Scan a unit of the delivery first")
            return _refuse(session, actor, PUT_AWAY, code, reason, Refusal.INCOMPLETE)
        location = location_of(session, code)
        if location is None or not location.pickable:
            reason = _("Scan a shelf location (pickable), such as {loc}").format(
                loc=shelf_of(session, line.sku_id) or _("any location")
            )
            kind = Refusal.WRONG_SCAN if location is not None else Refusal.UNREADABLE
            return _refuse(session, actor, PUT_AWAY, code, reason, kind, line.receipt_id)
        units = line.received - line.put_away
        moved = session.exec(
            update(ReceiptLine)
            .where(col(ReceiptLine.id) == line.id, col(ReceiptLine.put_away) == line.put_away)
            .values(put_away=line.received)
            .execution_options(synchronize_session=False)
        )
        if units <= 0 or moved.rowcount != 1:
            reason = _("Nothing of this line waits to be put away: scan a unit")
            return _refuse(session, actor, PUT_AWAY, code, reason, Refusal.WRONG_STATE)
        receipt = session.get_one(Receipt, line.receipt_id)
        lot = session.execute(
            select(Stock).where(
                col(Stock.location_id) == location.id,
                col(Stock.sku_id) == line.sku_id,
                col(Stock.batch) == line.batch,
            )
        ).scalar()
        if lot is None:
            assert location.id is not None
            lot = Stock(
                location_id=location.id, sku_id=line.sku_id, batch=line.batch, expiry=line.expiry
            )
            session.add(lot)
            session.flush()
        session.execute(
            update(Stock).where(col(Stock.id) == lot.id).values(on_hand=Stock.on_hand + units)
        )
        session.add(
            StockMove(
                sku_id=line.sku_id,
                location_id=location.id,
                batch=line.batch,
                delta=units,
                reason="receive",
                ref=receipt.reference,
                operator_id=actor.operator_id,
            )
        )
        record(session, actor, PUT_AWAY, raw=code, task_ref=Ref.LINE.of(line.id))
        announce_stock(session, [line.sku_id])
        reason = _("{units} put away at {loc}: scan the next unit, or F2 to close").format(
            units=units, loc=code.strip()
        )
        return ReceiptStep(True, reason, receipt_id=line.receipt_id, line_id=line.id)

    return store.transact(work)


def close_receipt(store: Store, actor: Actor, receipt_id: int) -> ReceiptStep:
    """Close the delivery with its differences (expected against received, per line)."""

    def work(session: Session) -> ReceiptStep:
        receipt = session.get(Receipt, receipt_id)
        if receipt is None or receipt.status == CLOSED:
            reason = _("This delivery is closed already")
            return _refuse(session, actor, CLOSE, "", reason, Refusal.WRONG_STATE)
        lines: list[tuple[ReceiptLine, str]] = [
            (line, sku)
            for line, sku in session.execute(
                select(ReceiptLine, col(Sku.code))
                .join(Sku, col(Sku.id) == ReceiptLine.sku_id)
                .where(col(ReceiptLine.receipt_id) == receipt_id)
                .order_by(col(ReceiptLine.id))
            )
        ]
        waiting = sum(line.received - line.put_away for line, _sku in lines)
        if waiting:
            reason = _("{units} units are not put away yet: scan their shelf first").format(
                units=waiting
            )
            return _refuse(session, actor, CLOSE, "", reason, Refusal.INCOMPLETE, receipt_id)
        summary: list[dict[str, Any]] = [
            {
                "sku": sku,
                "batch": line.batch or None,
                "expected": line.expected,
                "received": line.received,
                "difference": line.received - line.expected,
            }
            for line, sku in lines
        ]
        receipt.status = CLOSED
        receipt.closed_at = utcnow()
        receipt.closed_by = actor.operator_id
        receipt.summary = {"lines": summary}
        differences = [line.received - line.expected for line, _sku in lines]
        short = -sum(diff for diff in differences if diff < 0)
        over = sum(diff for diff in differences if diff > 0)
        reason = _("Delivery {ref} closed: {short} short, {over} over").format(
            ref=receipt.reference, short=short, over=over
        )
        record(session, actor, CLOSE, reason=reason, task_ref=receipt.reference)
        return ReceiptStep(True, reason, receipt_id=receipt_id, summary=summary)

    return store.transact(work)


def receipt_id_by_reference(store: Store, reference: str) -> int | None:
    with store.read() as session:
        return session.execute(
            select(col(Receipt.id)).where(col(Receipt.reference) == reference.strip())
        ).scalar()


@dataclass(frozen=True)
class ReceivingDesk:
    """Where an operator's receiving stands (read back after a restart): the delivery they
    opened last and the line they scanned last, with what of it waits to be put away."""

    receipt_id: int | None = None
    reference: str = ""
    line_id: int | None = None
    sku: str = ""
    waiting: int = 0
    suggested: str = ""


def receiving_desk(store: Store, actor: Actor) -> ReceivingDesk:
    with store.read() as session:
        opened = session.execute(
            select(col(Journal.task_ref), col(Journal.id))
            .where(
                col(Journal.operator_id) == actor.operator_id,
                col(Journal.action) == OPEN,
                col(Journal.accepted).is_(True),
            )
            .order_by(col(Journal.id).desc())
            .limit(1)
        ).first()
        if opened is None:
            return ReceivingDesk()
        reference, opened_at = opened
        receipt = session.execute(
            select(Receipt).where(col(Receipt.reference) == reference)
        ).scalar()
        if receipt is None or receipt.status == CLOSED:
            return ReceivingDesk()
        last = session.execute(
            select(col(Journal.task_ref))
            .where(
                col(Journal.operator_id) == actor.operator_id,
                col(Journal.action).in_((RECEIVE, PUT_AWAY)),
                col(Journal.accepted).is_(True),
                col(Journal.id) > opened_at,
            )
            .order_by(col(Journal.id).desc())
            .limit(1)
        ).scalar()
        line_id = Ref.LINE.id_in(last) if last else None
        line = session.get(ReceiptLine, line_id) if line_id is not None else None
        if line is None:
            return ReceivingDesk(receipt.id, receipt.reference)
        sku = session.get_one(Sku, line.sku_id).code
        return ReceivingDesk(
            receipt.id,
            receipt.reference,
            line.id,
            sku,
            line.received - line.put_away,
            shelf_of(session, line.sku_id),
        )
