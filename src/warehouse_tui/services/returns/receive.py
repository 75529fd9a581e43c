"""Receiving a returned parcel: find its order by scan, then take each unit in against what was
shipped to that buyer.

A parcel is found by its RMA, our parcel label, the carrier's tracking number, the order (our
order label or the shop's order id) or, with the buyer's name typed, one of its items. An order
with no return announced gets one (`announced` false). Each unit must match a line of the order
with units shipped (in loaded parcels) and not yet returned; a serial must be one packed into
this order's parcels, and receiving it frees the serial to be packed again. A unit that fails
is refused and recorded as an `exception` unit (set aside, never in stock).

Two terminals receiving the same unit: the order row is taken under a lock first, and a serial
is freed by a compare-and-set delete, so one wins and the other is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import Scan, ScanKind
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Order,
    OrderLine,
    PackedSerial,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Return,
    ReturnStatus,
    ReturnUnit,
    Sku,
    UnitStatus,
)

FIND, RECEIVE = "returns.find", "returns.receive"


@dataclass(frozen=True)
class ReturnFound(ServiceResult):
    return_id: int | None = None
    order_id: int | None = None


@dataclass(frozen=True)
class UnitReceived(ServiceResult):
    unit_id: int | None = None
    sku: str = ""


def find_return(store: Store, actor: Actor, code: str, buyer: str = "") -> ReturnFound:
    """The return a scanned parcel belongs to (opened when none was announced)."""

    def work(session: Session) -> ReturnFound:
        scan = parse_in_store(session, code, expect_tracking=True)
        order_ids = _orders_of(session, scan, code.strip(), buyer.strip())
        if len(order_ids) != 1:
            if len(order_ids) > 1:
                reason = _("{n} orders match: scan the parcel label or the order").format(
                    n=len(order_ids)
                )
                kind = Refusal.MISMATCH
            elif scan.kind in (ScanKind.PRODUCT, ScanKind.GS1) and not buyer.strip():
                reason = _("An item alone names no order: type the buyer's name, then scan it")
                kind = Refusal.INCOMPLETE
            else:
                reason = _(
                    "No shipped order found for this code: scan the RMA, the parcel label, "
                    "the tracking number or the order"
                )
                kind = Refusal.NOT_FOUND
            record(session, actor, FIND, accepted=False, reason=reason, raw=code)
            return ReturnFound(False, reason, refusal=kind)
        order_id = order_ids[0]
        ret = _rma(session, code) or _open_return_of(session, order_id)
        if ret is None:
            ret = Return(order_id=order_id, status=ReturnStatus.OPEN, announced=False)
            session.add(ret)
            session.flush()
        reason = _("Return {ret} of order {order}: scan each unit").format(
            ret=Ref.RETURN.of(ret.id), order=session.get_one(Order, order_id).shop_order_id
        )
        record(session, actor, FIND, raw=code, task_ref=Ref.RETURN.of(ret.id), order_id=order_id)
        return ReturnFound(True, reason, return_id=ret.id, order_id=order_id)

    return store.transact(work)


def _rma(session: Session, code: str) -> Return | None:
    if not code:
        return None
    return (
        session.execute(select(Return).where(col(Return.rma) == code).order_by(col(Return.id)))
        .scalars()
        .first()
    )


def _open_return_of(session: Session, order_id: int) -> Return | None:
    return (
        session.execute(
            select(Return)
            .where(col(Return.order_id) == order_id, col(Return.status) != ReturnStatus.DONE)
            .order_by(col(Return.id))
        )
        .scalars()
        .first()
    )


def _orders_of(session: Session, scan: Scan, code: str, buyer: str) -> list[int]:
    """The shipped orders a scan names (none, one, or several for an item and a name)."""
    ret = _rma(session, code)
    if ret is not None:
        return [ret.order_id]
    resolves = scan.resolves if scan.valid else None
    if resolves is not None and resolves.type == "parcel":
        return _shipped([session.get_one(Parcel, resolves.id).order_id], session)
    if resolves is not None and resolves.type == "order":
        return _shipped([resolves.id], session)
    if resolves is not None and resolves.type == "sku" and buyer:
        pattern = f"%{buyer.lower()}%"
        candidates = session.execute(
            select(col(OrderLine.order_id))
            .join(Order, col(Order.id) == OrderLine.order_id)
            .where(
                col(OrderLine.sku_id) == resolves.id,
                or_(
                    func.lower(Order.buyer_name).like(pattern),
                    func.lower(Order.ship_name).like(pattern),
                ),
            )
            .distinct()
        ).scalars()
        return _shipped(list(candidates), session)
    by_shop_id = session.execute(
        select(col(Order.id)).where(col(Order.shop_order_id) == code)
    ).scalars()
    return _shipped(list(by_shop_id), session)


def _shipped(order_ids: list[int], session: Session) -> list[int]:
    if not order_ids:
        return []
    return sorted(
        session.execute(
            select(col(Parcel.order_id))
            .where(col(Parcel.order_id).in_(order_ids), col(Parcel.status) == ParcelStatus.LOADED)
            .distinct()
        ).scalars()
    )


def shipped_units(session: Session, order_line_id: int) -> int:
    """Units of an order line that left on a truck."""
    total = session.execute(
        select(func.sum(col(ParcelLine.qty)))
        .join(Parcel, col(Parcel.id) == ParcelLine.parcel_id)
        .where(
            col(ParcelLine.order_line_id) == order_line_id,
            col(Parcel.status) == ParcelStatus.LOADED,
        )
    ).scalar()
    return int(total or 0)


def returned_units(session: Session, order_line_id: int) -> int:
    """Units of an order line received back (exceptions are not the line's)."""
    total = session.execute(
        select(func.count(col(ReturnUnit.id))).where(
            col(ReturnUnit.order_line_id) == order_line_id,
            col(ReturnUnit.status) != UnitStatus.EXCEPTION,
        )
    ).scalar()
    return int(total or 0)


def receive_unit(
    store: Store, actor: Actor, return_id: int, code: str, serial: str = ""
) -> UnitReceived:
    """One unit of the return scanned in (with its serial, for a serial-tracked SKU)."""

    def work(session: Session) -> UnitReceived:
        ret = session.get(Return, return_id)
        if ret is None or ret.status == ReturnStatus.DONE:
            reason = _("This return is closed: scan the next parcel")
            return _refuse(session, actor, ret, code, reason, Refusal.WRONG_STATE)
        # One order, one receiver at a time (ARCHITECTURE.md, Several terminals).
        session.execute(
            select(col(Order.id)).where(col(Order.id) == ret.order_id).with_for_update()
        ).all()
        scan = parse_in_store(session, code)
        resolves = scan.resolves if scan.valid else None
        if resolves is None or resolves.type != "sku":
            reason = _("Not an item we stock: scan the unit's barcode")
            return _refuse(session, actor, ret, code, reason, Refusal.UNREADABLE)
        sku = session.get_one(Sku, resolves.id)
        assert sku.id is not None
        unit_serial = (scan.serial or serial).strip()
        if sku.serial_tracked and not unit_serial:
            reason = _("{sku} is serial-tracked: scan its serial number too").format(sku=sku.code)
            return _refuse(session, actor, ret, code, reason, Refusal.INCOMPLETE)
        if unit_serial and _received_serial(session, ret.order_id, sku.id, unit_serial):
            reason = _("Serial {serial} is received already: take the next unit").format(
                serial=unit_serial
            )
            return _refuse(session, actor, ret, code, reason, Refusal.TAKEN)
        line = _line_owed(session, ret.order_id, sku.id)
        if line is None:
            reason = _(
                "{sku} was not shipped to this buyer (or is back already): set it aside for a "
                "supervisor (Returns report)"
            ).format(sku=sku.code)
            return _exception(session, actor, ret, sku, code, unit_serial, reason)
        if sku.serial_tracked and not _free_serial(session, ret.order_id, sku.id, unit_serial):
            reason = _(
                "Serial {serial} was not shipped in this order, or is back already: set the "
                "unit aside for a supervisor (Returns report)"
            ).format(serial=unit_serial)
            return _exception(session, actor, ret, sku, code, unit_serial, reason)
        unit = ReturnUnit(
            return_id=ret.id,
            order_line_id=line.id,
            sku_id=sku.id,
            serial=unit_serial,
            batch=scan.batch or "",
            raw=code,
            received_by=actor.operator_id,
        )
        session.add(unit)
        ret.status = ReturnStatus.OPEN
        session.flush()
        record(
            session,
            actor,
            RECEIVE,
            raw=code,
            task_ref=Ref.UNIT.of(unit.id),
            order_id=ret.order_id,
        )
        reason = _("{sku} received: inspect it").format(sku=sku.code)
        return UnitReceived(True, reason, unit_id=unit.id, sku=sku.code)

    return store.transact(work)


def _line_owed(session: Session, order_id: int, sku_id: int) -> OrderLine | None:
    lines: list[OrderLine] = list(
        session.execute(
            select(OrderLine)
            .where(col(OrderLine.order_id) == order_id, col(OrderLine.sku_id) == sku_id)
            .order_by(col(OrderLine.id))
        ).scalars()
    )
    for line in lines:
        assert line.id is not None
        if returned_units(session, line.id) < shipped_units(session, line.id):
            return line
    return None


def _received_serial(session: Session, order_id: int, sku_id: int, serial: str) -> bool:
    return (
        session.execute(
            select(col(ReturnUnit.id))
            .join(Return, col(Return.id) == ReturnUnit.return_id)
            .where(
                col(Return.order_id) == order_id,
                col(ReturnUnit.sku_id) == sku_id,
                col(ReturnUnit.serial) == serial,
                col(ReturnUnit.status) != UnitStatus.EXCEPTION,
            )
        ).first()
        is not None
    )


def _free_serial(session: Session, order_id: int, sku_id: int, serial: str) -> bool:
    """Take the serial out of the packed serials when this order's parcels hold it: it may be
    packed again. False when it is not this order's (or another terminal took it first)."""
    in_this_order = select(col(Parcel.id)).where(col(Parcel.order_id) == order_id)
    freed = session.exec(
        delete(PackedSerial)
        .where(
            col(PackedSerial.sku_id) == sku_id,
            col(PackedSerial.serial) == serial,
            col(PackedSerial.parcel_id).in_(in_this_order),
        )
        .execution_options(synchronize_session=False)
    )
    return freed.rowcount == 1


def _exception(
    session: Session,
    actor: Actor,
    ret: Return,
    sku: Sku,
    code: str,
    serial: str,
    reason: str,
) -> UnitReceived:
    assert sku.id is not None
    unit = ReturnUnit(
        return_id=ret.id,
        sku_id=sku.id,
        serial=serial,
        raw=code,
        status=UnitStatus.EXCEPTION,
        received_by=actor.operator_id,
    )
    session.add(unit)
    session.flush()
    record(
        session,
        actor,
        RECEIVE,
        accepted=False,
        reason=reason,
        raw=code,
        task_ref=Ref.UNIT.of(unit.id),
        order_id=ret.order_id,
    )
    return UnitReceived(False, reason, unit_id=unit.id, sku=sku.code, refusal=Refusal.WRONG_SCAN)


def _refuse(
    session: Session, actor: Actor, ret: Return | None, code: str, reason: str, kind: Refusal
) -> UnitReceived:
    order_id = ret.order_id if ret is not None else None
    record(session, actor, RECEIVE, accepted=False, reason=reason, raw=code, order_id=order_id)
    return UnitReceived(False, reason, refusal=kind)
