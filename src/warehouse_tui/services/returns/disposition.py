"""A returned unit's way after receipt: inspection, then a location scan that puts it in stock
(a resaleable unit on a pickable shelf, any other in quarantine), and later a supervisor's
scrap or release of a quarantined unit.

Each step is a compare-and-set on the unit's status (two terminals: one wins, the other is told
the unit's state now) and writes the stock row, its ledger move (ref `unit_ref`), the journal
row and the outbox events in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label, prefixed_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.returns import (
    CONDITIONS,
    RESALEABLE,
)
from warehouse_tui.services.returns.events import announce_return, announce_stock
from warehouse_tui.services.returns.receive import FIND
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
    Location,
    Order,
    Return,
    ReturnStatus,
    ReturnUnit,
    Sku,
    Stock,
    StockMove,
    UnitStatus,
    utcnow,
)

INSPECT, PUT_AWAY, SCRAP, RELEASE = (
    "returns.inspect",
    "returns.put-away",
    "returns.scrap",
    "returns.release",
)


@dataclass(frozen=True)
class UnitStep(ServiceResult):
    unit_id: int | None = None
    status: UnitStatus | None = None
    suggested: str = ""  # the location the next scan is suggested to be


def _state_refusal(session: Session, actor: Actor, action: str, unit: ReturnUnit) -> UnitStep:
    reason = _("{unit} is {status} now: nothing to do here").format(
        unit=Ref.UNIT.of(unit.id), status=unit.status.value
    )
    record(session, actor, action, accepted=False, reason=reason, task_ref=Ref.UNIT.of(unit.id))
    return UnitStep(False, reason, unit_id=unit.id, status=unit.status, refusal=Refusal.WRONG_STATE)


def _advance(session: Session, unit: ReturnUnit, was: UnitStatus, **values: object) -> bool:
    """Compare-and-set the unit from `was`; True when this transaction moved it."""
    moved = session.exec(
        update(ReturnUnit)
        .where(col(ReturnUnit.id) == unit.id, col(ReturnUnit.status) == was)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    session.refresh(unit)
    return True


def shelf_of(session: Session, sku_id: int) -> str:
    """The pickable location holding most of the SKU (a put-away's suggestion), or ""."""
    code = session.execute(
        select(col(Location.code))
        .join(Stock, col(Stock.location_id) == Location.id)
        .where(col(Stock.sku_id) == sku_id, col(Location.pickable).is_(True))
        .order_by(col(Stock.on_hand).desc(), col(Location.code))
    ).scalar()
    return prefixed_label(ScanKind.LOCATION, code) if code else ""


def suggested_location(session: Session, unit: ReturnUnit) -> str:
    """Where the unit should go: a shelf of its SKU for a resaleable unit, the first quarantine
    (non-pickable) location for the rest; "" when none exists."""
    if unit.condition == RESALEABLE:
        return shelf_of(session, unit.sku_id)
    code = session.execute(
        select(col(Location.code))
        .where(col(Location.pickable).is_(False))
        .order_by(col(Location.code))
    ).scalar()
    return prefixed_label(ScanKind.LOCATION, code) if code else ""


def inspect_unit(
    store: Store, actor: Actor, unit_id: int, condition: str, note: str = ""
) -> UnitStep:
    """The unit's condition (one of CONDITIONS) and an optional note; it then waits for a
    location scan."""

    def work(session: Session) -> UnitStep:
        unit = session.get(ReturnUnit, unit_id)
        if unit is None:
            reason = _("No such unit: scan the item again")
            record(session, actor, INSPECT, accepted=False, reason=reason)
            return UnitStep(False, reason, refusal=Refusal.NOT_FOUND)
        if condition not in CONDITIONS:
            reason = _("The condition is one of: {conditions}").format(
                conditions=", ".join(CONDITIONS)
            )
            record(session, actor, INSPECT, accepted=False, reason=reason)
            return UnitStep(False, reason, unit_id=unit.id, refusal=Refusal.BAD_INPUT)
        values = {"condition": condition, "note": note.strip(), "status": UnitStatus.PUT_AWAY}
        if not _advance(session, unit, UnitStatus.INSPECT, **values):
            return _state_refusal(session, actor, INSPECT, unit)
        suggested = suggested_location(session, unit)
        record(session, actor, INSPECT, raw=condition, task_ref=Ref.UNIT.of(unit.id))
        if condition == RESALEABLE:
            reason = _("Resaleable: put it on a shelf of its SKU, scan the location {loc}")
        else:
            reason = _("Not resaleable: take it to quarantine, scan the location {loc}")
        return UnitStep(
            True,
            reason.format(loc=suggested or _("any location")),
            unit_id=unit.id,
            status=unit.status,
            suggested=suggested,
        )

    return store.transact(work)


def location_of(session: Session, code: str) -> Location | None:
    """The location a scanned or typed code names, or None."""
    scan = parse_in_store(session, code)
    if not scan.valid or scan.kind is not ScanKind.LOCATION or scan.resolves is None:
        return None
    return session.get(Location, scan.resolves.id)


def _move(
    session: Session,
    actor: Actor,
    unit: ReturnUnit,
    location: Location,
    delta: int,
    reason: str,
) -> None:
    """`delta` units of the unit's SKU (and batch) at `location`, with their ledger move."""
    assert location.id is not None
    lot = (
        session.execute(
            select(Stock).where(
                col(Stock.location_id) == location.id,
                col(Stock.sku_id) == unit.sku_id,
                col(Stock.batch) == unit.batch,
            )
        )
        .scalars()
        .first()
    )
    if lot is None:
        lot = Stock(location_id=location.id, sku_id=unit.sku_id, batch=unit.batch)
        session.add(lot)
        session.flush()
    session.exec(update(Stock).where(col(Stock.id) == lot.id).values(on_hand=Stock.on_hand + delta))
    session.add(
        StockMove(
            sku_id=unit.sku_id,
            location_id=location.id,
            batch=unit.batch,
            delta=delta,
            reason=reason,
            ref=Ref.UNIT.of(unit.id),
            operator_id=actor.operator_id,
        )
    )


def _order_id(session: Session, unit: ReturnUnit) -> int | None:
    ret = session.get(Return, unit.return_id) if unit.return_id is not None else None
    return ret.order_id if ret is not None else None


def put_away_unit(store: Store, actor: Actor, unit_id: int, code: str) -> UnitStep:
    """The inspected unit is at the scanned location: on a shelf, or in quarantine."""

    def work(session: Session) -> UnitStep:
        unit = session.get(ReturnUnit, unit_id)
        if unit is None:
            reason = _("No such unit: scan the item again")
            record(session, actor, PUT_AWAY, accepted=False, reason=reason, raw=code)
            return UnitStep(False, reason, refusal=Refusal.NOT_FOUND)
        if unit.status != UnitStatus.PUT_AWAY:
            return _state_refusal(session, actor, PUT_AWAY, unit)
        location = location_of(session, code)
        resaleable = unit.condition == RESALEABLE
        wrong = location is None or location.pickable is not resaleable
        if wrong:
            suggested = suggested_location(session, unit)
            if resaleable:
                reason = _("Scan a shelf location (pickable), such as {loc}")
            else:
                reason = _("Scan a quarantine location (not pickable), such as {loc}")
            reason = reason.format(loc=suggested or _("any location"))
            record(session, actor, PUT_AWAY, accepted=False, reason=reason, raw=code)
            kind = Refusal.WRONG_SCAN if location is not None else Refusal.UNREADABLE
            return UnitStep(False, reason, unit_id=unit.id, suggested=suggested, refusal=kind)
        assert location is not None
        status = UnitStatus.SHELVED if resaleable else UnitStatus.QUARANTINED
        if not _advance(session, unit, UnitStatus.PUT_AWAY, status=status, location_id=location.id):
            return _state_refusal(session, actor, PUT_AWAY, unit)
        _move(session, actor, unit, location, 1, "return")
        record(
            session,
            actor,
            PUT_AWAY,
            raw=code,
            task_ref=Ref.UNIT.of(unit.id),
            order_id=_order_id(session, unit),
        )
        _announce(session, unit)
        label = format_label(ScanKind.LOCATION, location.code)
        if resaleable:
            reason = _("On the shelf at {loc}: scan the next unit").format(loc=label)
        else:
            reason = _(
                "In quarantine at {loc}: a supervisor scraps or releases it (warehouse-tui "
                "returns quarantine); scan the next unit"
            ).format(loc=label)
        return UnitStep(True, reason, unit_id=unit.id, status=status)

    return store.transact(work)


def _announce(session: Session, unit: ReturnUnit) -> None:
    if unit.return_id is not None:
        announce_return(session, session.get_one(Return, unit.return_id))
    announce_stock(session, [unit.sku_id], _shop_of(session, unit))


def scrap_unit(store: Store, actor: Actor, unit_id: int, reason: str) -> UnitStep:
    """A supervisor writes off a quarantined unit, or one set aside at receiving (an exception:
    sent back or disposed of); the reason is journaled."""
    return _decide(store, actor, unit_id, SCRAP, reason=reason)


def release_unit(store: Store, actor: Actor, unit_id: int, code: str) -> UnitStep:
    """A supervisor moves a quarantined unit, or one set aside at receiving that proves to be
    ours after all, to the scanned shelf, where it is stock (again)."""
    return _decide(store, actor, unit_id, RELEASE, code=code)


def _decide(
    store: Store, actor: Actor, unit_id: int, action: str, *, reason: str = "", code: str = ""
) -> UnitStep:
    def work(session: Session) -> UnitStep:
        refusal = role_refusal(session, actor, SUPERVISORS)
        if refusal:
            record(session, actor, action, accepted=False, reason=refusal, raw=code)
            return UnitStep(False, refusal, unit_id=unit_id, refusal=Refusal.ROLE)
        unit = session.get(ReturnUnit, unit_id)
        if unit is None:
            why = _("No such unit: list them with warehouse-tui returns quarantine")
            record(session, actor, action, accepted=False, reason=why, raw=code)
            return UnitStep(False, why, refusal=Refusal.NOT_FOUND)
        if action == SCRAP and not reason.strip():
            why = _("Say why the unit is scrapped (--reason)")
            record(session, actor, action, accepted=False, reason=why)
            return UnitStep(False, why, unit_id=unit.id, refusal=Refusal.BAD_INPUT)
        target = location_of(session, code) if action == RELEASE else None
        if action == RELEASE and (target is None or not target.pickable):
            why = _("Release to a shelf: give a pickable location")
            record(session, actor, action, accepted=False, reason=why, raw=code)
            return UnitStep(False, why, unit_id=unit.id, refusal=Refusal.WRONG_SCAN)
        # A unit set aside at receiving (an exception) was never stock: nothing leaves a
        # location when it is decided; a quarantined one leaves its quarantine.
        aside = unit.status == UnitStatus.EXCEPTION
        was = UnitStatus.EXCEPTION if aside else UnitStatus.QUARANTINED
        quarantine = session.get(Location, unit.location_id) if unit.location_id else None
        status = UnitStatus.SCRAPPED if action == SCRAP else UnitStatus.RELEASED
        values: dict[str, object] = {
            "status": status,
            "decided_by": actor.operator_id,
            "decided_at": utcnow(),
        }
        if target is not None:
            values["location_id"] = target.id
        if (quarantine is None and not aside) or not _advance(session, unit, was, **values):
            return _state_refusal(session, actor, action, unit)
        if quarantine is not None and not aside:
            _move(session, actor, unit, quarantine, -1, "scrap" if action == SCRAP else "release")
        if target is not None:
            _move(session, actor, unit, target, 1, "release")
        record(
            session,
            actor,
            action,
            raw=code,
            reason=reason.strip(),
            task_ref=Ref.UNIT.of(unit.id),
            order_id=_order_id(session, unit),
        )
        if target is not None:
            announce_stock(session, [unit.sku_id], _shop_of(session, unit))
            done = _("{unit} released to {loc}: it is stock again").format(
                unit=Ref.UNIT.of(unit.id), loc=format_label(ScanKind.LOCATION, target.code)
            )
        else:
            done = _("{unit} scrapped: written off").format(unit=Ref.UNIT.of(unit.id))
        return UnitStep(True, done, unit_id=unit.id, status=status)

    return store.transact(work)


def _shop_of(session: Session, unit: ReturnUnit) -> str:
    order_id = _order_id(session, unit)
    return session.get_one(Order, order_id).shop if order_id is not None else ""


@dataclass(frozen=True)
class ReturnsDesk:
    """Where an operator's returns work stands, read from the database (a restarted terminal
    shows the same step): the return they opened last, and the unit in their hands."""

    return_id: int | None = None
    unit_id: int | None = None
    sku: str = ""
    status: UnitStatus | None = None
    suggested: str = ""


def returns_desk(store: Store, actor: Actor) -> ReturnsDesk:
    with store.read() as session:
        opened = session.execute(
            select(col(Journal.task_ref))
            .where(
                col(Journal.operator_id) == actor.operator_id,
                col(Journal.action) == FIND,
                col(Journal.accepted).is_(True),
            )
            .order_by(col(Journal.id).desc())
            .limit(1)
        ).scalar()
        return_id = Ref.RETURN.id_in(opened) if opened else None
        ret = session.get(Return, return_id) if return_id is not None else None
        if ret is None or ret.status == ReturnStatus.DONE:
            return ReturnsDesk()
        unit = (
            session.execute(
                select(ReturnUnit)
                .where(
                    col(ReturnUnit.return_id) == ret.id,
                    col(ReturnUnit.received_by) == actor.operator_id,
                    col(ReturnUnit.status).in_((UnitStatus.INSPECT, UnitStatus.PUT_AWAY)),
                )
                .order_by(col(ReturnUnit.id))
            )
            .scalars()
            .first()
        )
        if unit is None:
            return ReturnsDesk(ret.id)
        sku = session.get_one(Sku, unit.sku_id).code
        suggested = suggested_location(session, unit) if unit.condition else ""
        return ReturnsDesk(ret.id, unit.id, sku, unit.status, suggested)


CLOSE = "returns.close"


def close_return(store: Store, actor: Actor, return_id: int) -> UnitStep:
    """The parcel is done: every unit received has reached its shelf, quarantine or the
    exceptions; the return is closed with a count of each."""

    def work(session: Session) -> UnitStep:
        ret = session.get(Return, return_id)
        if ret is None or ret.status == ReturnStatus.DONE:
            reason = _("This return is closed already: scan the next parcel")
            record(session, actor, CLOSE, accepted=False, reason=reason)
            return UnitStep(False, reason, refusal=Refusal.WRONG_STATE)
        statuses = list(
            session.execute(
                select(col(ReturnUnit.status)).where(col(ReturnUnit.return_id) == ret.id)
            ).scalars()
        )
        waiting = sum(status in (UnitStatus.INSPECT, UnitStatus.PUT_AWAY) for status in statuses)
        if waiting:
            reason = _("Units waiting for inspection or a location: {n}. Finish them first").format(
                n=waiting
            )
            record(session, actor, CLOSE, accepted=False, reason=reason, order_id=ret.order_id)
            return UnitStep(False, reason, refusal=Refusal.INCOMPLETE)
        ret.status = ReturnStatus.DONE
        ret.closed_at = utcnow()
        reason = _(
            "{ret} closed: {shelf} on the shelf, {quarantine} in quarantine, {exceptions} set "
            "aside; scan the next parcel"
        ).format(
            ret=Ref.RETURN.of(ret.id),
            shelf=statuses.count(UnitStatus.SHELVED),
            quarantine=statuses.count(UnitStatus.QUARANTINED),
            exceptions=statuses.count(UnitStatus.EXCEPTION),
        )
        record(session, actor, CLOSE, reason=reason, order_id=ret.order_id)
        return UnitStep(True, reason)

    return store.transact(work)
