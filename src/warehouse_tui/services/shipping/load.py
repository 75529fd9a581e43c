"""Parcels scanned onto a carrier's truck; an order ships when its last parcel is loaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from warehouse_tui.domain.barcodes import ScanKind
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record, refuse_double_trigger
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Carrier,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    ParcelStatus,
    utcnow,
)

if TYPE_CHECKING:
    pass
from warehouse_tui.services.shipping.announce import (
    announce_at,
    announce_fulfilment,
    orders_holding_lines,
    parcel_label,
)

LOAD_ACTION = "load.parcel"


@dataclass(frozen=True)
class LoadResult(ServiceResult):
    """What a load scan did. `stop` marks the refusal that must not be missed: the parcel's
    order was cancelled or changed after packing, so the parcel must come off the line."""

    parcel_id: int | None = None
    order_id: int | None = None
    tracking: str | None = None
    order_shipped: bool = False
    stop: bool = False


def load_parcel(
    store: Store, actor: Actor, carrier_code: str, code: str, scanned_at: float | None = None
) -> LoadResult:
    """Scan one parcel (PCL- label or tracking number) onto `carrier_code`'s truck."""
    with store.write() as session:
        refusal = refuse_double_trigger(session, actor, LOAD_ACTION, carrier_code, code, scanned_at)
        if refusal:
            return LoadResult(False, refusal, refusal=Refusal.DOUBLE_TRIGGER)
        result = _load(session, carrier_code, code)
        record(
            session,
            actor,
            LOAD_ACTION,
            accepted=result.accepted,
            reason=result.reason,
            raw=code,
            task_ref=carrier_code,
            order_id=result.order_id,
        )
        return result


def _load(session: Session, carrier_code: str, code: str) -> LoadResult:
    carrier_name = session.execute(
        select(col(Carrier.name)).where(col(Carrier.code) == carrier_code)
    ).scalar()
    if carrier_name is None:
        unknown = _("Unknown carrier {carrier}").format(carrier=carrier_code)
        return LoadResult(False, unknown, refusal=Refusal.NOT_FOUND)
    parcel, refusal, kind = _scanned_parcel(session, code)
    if parcel is None:
        return LoadResult(False, refusal, refusal=kind)
    assert parcel.id is not None  # read from the database
    pack = _lock_pack(session, parcel.order_id)
    inside = set(session.execute(orders_holding_lines(col(Parcel.id) == parcel.id)).scalars())
    # The lead's cancellation voids all its parcels (services.orders), so it stops them all.
    held = [o for o in pack if o.id in inside or o.id == parcel.order_id]
    refused = _refusal(parcel, held, carrier_code, carrier_name)
    if refused is not None:
        return refused
    taken = session.exec(
        update(Parcel)
        .where(col(Parcel.id) == parcel.id)
        .where(col(Parcel.status) == ParcelStatus.CLOSED)
        .values(status=ParcelStatus.LOADED, loaded_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return _loaded_already(parcel)
    # Every order of the pack, not only those in this parcel: an order whose parcels were all
    # loaded before its pack was complete ships with the pack's last parcel.
    shipped = [order for order in pack if _ship_if_complete(session, order)]
    return LoadResult(
        True,
        _("Parcel {parcel} loaded").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        order_id=parcel.order_id,
        tracking=parcel.tracking,
        order_shipped=bool(shipped),
    )


def _lock_pack(session: Session, lead_id: int) -> list[Order]:
    """The orders packed under `lead_id` (its merge group: the lead and every order with lines
    in the lead's parcels), row-locked lowest id first (the lead is the lowest of its group).

    The locks make concurrent loads of a pack's last two parcels take turns, so one of them
    sees the other's parcel loaded (READ COMMITTED on PostgreSQL; SQLite writes are serial
    anyway). Without them both could see one parcel left and the orders never ship."""
    return list(
        session.execute(
            select(Order)
            .where(
                or_(
                    col(Order.id) == lead_id,
                    col(Order.id).in_(orders_holding_lines(col(Parcel.order_id) == lead_id)),
                )
            )
            .order_by(col(Order.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )


def _scanned_parcel(session: Session, code: str) -> tuple[Parcel | None, str, Refusal | None]:
    scan = parse_in_store(session, code, expect_tracking=True)
    if not scan.valid:
        return None, scan.error or _("unknown barcode"), Refusal.UNREADABLE
    if scan.kind not in (ScanKind.PARCEL, ScanKind.TRACKING):
        not_parcel = _("{code} is not a parcel label or tracking number")
        return None, not_parcel.format(code=code.strip()), Refusal.WRONG_SCAN
    if scan.resolves is None or scan.resolves.type != "parcel":
        no_parcel = _("No parcel has the code {code}").format(code=scan.code)
        return None, no_parcel, Refusal.UNREADABLE
    parcel = session.get(Parcel, scan.resolves.id)
    return parcel, "", None


def _refusal(
    parcel: Parcel, orders: Sequence[Order], carrier_code: str, carrier_name: str
) -> LoadResult | None:
    """Why `parcel`, holding lines of `orders`, may not go onto `carrier_code`'s truck."""
    assert parcel.id is not None  # read from the database
    label = parcel_label(parcel.id)

    def refuse(
        reason: str, kind: Refusal, *, order_id: int | None = None, stop: bool = False
    ) -> LoadResult:
        return LoadResult(
            False,
            reason,
            parcel_id=parcel.id,
            order_id=order_id or parcel.order_id,
            tracking=parcel.tracking,
            stop=stop,
            refusal=kind,
        )

    cancelled = [o for o in orders if o.status == OrderStatus.CANCELLED]
    if cancelled or parcel.status == ParcelStatus.CANCELLED:
        order = cancelled[0] if cancelled else orders[0]
        return refuse(
            _("STOP — order {order} was CANCELLED: do not load {parcel}, take it off").format(
                order=order.shop_order_id, parcel=label
            ),
            Refusal.INTERCEPT,
            order_id=order.id,
            stop=True,
        )
    changed = [o for o in orders if o.intercepted or o.pending is not None]
    if changed:
        return refuse(
            _("STOP — order {order} was CHANGED after packing: do not load {parcel}").format(
                order=changed[0].shop_order_id, parcel=label
            ),
            Refusal.INTERCEPT,
            order_id=changed[0].id,
            stop=True,
        )
    if parcel.carrier != carrier_code:
        return refuse(
            _("{parcel} goes with {other}, not with {carrier}").format(
                parcel=label, other=parcel.carrier or "?", carrier=carrier_name
            ),
            Refusal.WRONG_SCAN,
        )
    if parcel.status == ParcelStatus.LOADED:
        return _loaded_already(parcel)
    if parcel.status != ParcelStatus.CLOSED:
        not_closed = _("{parcel} is not closed yet: it has no label").format(parcel=label)
        return refuse(not_closed, Refusal.WRONG_STATE)
    return None


def _loaded_already(parcel: Parcel) -> LoadResult:
    assert parcel.id is not None  # read from the database
    return LoadResult(
        False,
        _("{parcel} is already loaded").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        order_id=parcel.order_id,
        tracking=parcel.tracking,
        refusal=Refusal.WRONG_STATE,
    )


def _ship_if_complete(session: Session, order: Order) -> bool:
    """The order is shipped when it is packed and none of the parcels holding its lines is
    left to load; then the shop hears of it (unless it heard at label time)."""
    if order.status != OrderStatus.PACKED:
        return False
    waiting = session.execute(
        select(func.count(func.distinct(col(Parcel.id))))
        .select_from(Parcel)
        .join(ParcelLine, col(ParcelLine.parcel_id) == col(Parcel.id))
        .join(OrderLine, col(OrderLine.id) == col(ParcelLine.order_line_id))
        .where(col(OrderLine.order_id) == order.id)
        .where(col(Parcel.status).not_in([ParcelStatus.LOADED, ParcelStatus.CANCELLED]))
    ).scalar_one()
    if waiting:
        return False
    shipped = session.exec(
        update(Order)
        .where(col(Order.id) == order.id)
        .where(col(Order.status) == OrderStatus.PACKED)
        .values(status=OrderStatus.SHIPPED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if shipped != 1:
        return False
    if announce_at(session, order.shop) != "label":
        announce_fulfilment(session, order)
    return True


@dataclass(frozen=True)
class CarrierChoice:
    code: str
    name: str


def carriers(store: Store) -> list[CarrierChoice]:
    with store.read() as session:
        rows = session.execute(
            select(col(Carrier.code), col(Carrier.name)).order_by(col(Carrier.code))
        ).all()
    return [CarrierChoice(code, name) for code, name in rows]


@dataclass(frozen=True)
class MissingParcel:
    parcel_id: int
    label: str
    tracking: str | None
    order: str
    ship_name: str
    closed_at: datetime | None


def missing_parcels(store: Store, carrier_code: str) -> list[MissingParcel]:
    """Closed parcels of `carrier_code` not loaded yet, oldest first. Parcels of cancelled or
    changed orders, or holding lines of one (a merged order's), are left out: they must not
    be loaded."""
    stopped = (
        select(col(ParcelLine.parcel_id))
        .join(OrderLine, col(OrderLine.id) == col(ParcelLine.order_line_id))
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(or_(col(Order.status) == OrderStatus.CANCELLED, col(Order.intercepted).is_(True)))
    )
    with store.read() as session:
        rows = session.execute(
            sqlalchemy.select(  # sqlmodel's select is typed for four columns at most
                col(Parcel.id),
                col(Parcel.tracking),
                col(Order.shop_order_id),
                col(Order.ship_name),
                col(Parcel.closed_at),
            )
            .join(Order, col(Order.id) == col(Parcel.order_id))
            .where(col(Parcel.carrier) == carrier_code)
            .where(col(Parcel.status) == ParcelStatus.CLOSED)
            .where(col(Order.status) != OrderStatus.CANCELLED)
            .where(col(Order.intercepted).is_(False))
            .where(col(Parcel.id).not_in(stopped))
            .order_by(col(Parcel.closed_at), col(Parcel.id))
        ).all()
    return [
        MissingParcel(parcel_id, parcel_label(parcel_id), tracking, order, ship_name, closed_at)
        for parcel_id, tracking, order, ship_name, closed_at in rows
    ]


def local_day_bounds(session: Session, day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which `day` begins and ends in the warehouse's time zone."""
    zone = ZoneInfo(get_setting(session, "timezone"))
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_today(store: Store, now: datetime | None = None) -> date:
    with store.read() as session:
        zone = ZoneInfo(get_setting(session, "timezone"))
    return (now or utcnow()).astimezone(zone).date()


def loaded_count(store: Store, carrier_code: str, day: date) -> int:
    """Parcels of `carrier_code` loaded on the warehouse's local `day`."""
    with store.read() as session:
        start, end = local_day_bounds(session, day)
        return session.exec(
            select(func.count())
            .select_from(Parcel)
            .where(col(Parcel.carrier) == carrier_code)
            .where(col(Parcel.status) == ParcelStatus.LOADED)
            .where(col(Parcel.loaded_at) >= start)
            .where(col(Parcel.loaded_at) < end)
        ).one()


@dataclass(frozen=True)
class LoadBoard:
    """What the load screen shows for one carrier: today's count and what is still missing."""

    carrier: str
    carrier_name: str
    loaded_today: int
    missing: list[MissingParcel]


def load_board(store: Store, carrier_code: str, now: datetime | None = None) -> LoadBoard | None:
    """The board of `carrier_code`, or None if no carrier has that code."""
    with store.read() as session:
        name = session.execute(
            select(col(Carrier.name)).where(col(Carrier.code) == carrier_code)
        ).scalar()
    if name is None:
        return None
    today = local_today(store, now)
    return LoadBoard(
        carrier_code,
        name,
        loaded_count(store, carrier_code, today),
        missing_parcels(store, carrier_code),
    )
