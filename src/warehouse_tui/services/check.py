"""`warehouse-tui check`: prove the floor's books agree with each other, or name every place
they do not.

The rules are the invariants the services keep in every transaction, read back in one deferred
read transaction (a consistent snapshot on both databases), each as one aggregate query, so a
check costs a few scans of the tables however busy the floor is. A violation names the rule,
the barcode-style reference of what it is about and what disagrees; the floor and race tests
run the check at their end, so a write that breaks an invariant fails the test that caused it.

The rules:
- `ledger`: each stock row's on hand equals the sum of its ledger moves (location, SKU, batch);
- `negative-stock`: nothing on hand or allocated below zero, nothing allocated beyond on hand;
- `allocation`: each stock row's allocated equals what its allocations still reserve
  (quantity − picked), and no allocation picked more than it reserved;
- `line-counts`: an order line never picked more than ordered, nor packed more than picked;
- `order-status`: an order's state agrees with its lines, wave and parcels (released and later
  belong to a wave; picked means every line picked, packed every line packed, shipped every
  live parcel loaded; an order that was not released has nothing picked, but for one held
  because its wave was cancelled after picking, until its items are put back);
- `claim`: a claimed pick list names who holds it, an open one names nobody, and nobody holds
  two;
- `parcel`: a closed or loaded parcel has its tracking number and weight;
- `wave`: a wave still `released` or `picking` has a pick list left to finish (the last list
  done moves its wave on).
- `off-shelf`: every unit that left a shelf (pick moves, less put-back moves, per SKU) is in a
  tote, slot, parcel or truck (what orders' allocations count as picked), in a put-back task
  that holds it alone, or in a set-aside tote, taken off the order it was picked for; an
  intercepted order's picked units are exactly what its put-back tasks still owe; no unit a
  live order picked is missing from its tote, slot or parcels (its lines count them), unless
  its batch wave is still picking or sorting them.
- `returned-unit`: every unit taken in is where its status says: its ledger moves (ref
  `UNIT-<id>`) leave one unit at its location when it is shelved, quarantined or released, and
  none anywhere when it is waiting, scrapped or an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Exists, Select, and_, func, literal, or_, select, union_all
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelStatus,
    PickTask,
    ReturnUnit,
    Sku,
    Stock,
    StockMove,
    Strategy,
    TaskStatus,
    UnitStatus,
    Wave,
    WaveStatus,
)


@dataclass(frozen=True)
class Violation:
    rule: str
    ref: str
    detail: str


def check_floor(store: Store) -> list[Violation]:
    """Every violation of the floor's invariants, in rule order; empty when the books agree."""
    with store.read() as session:
        return [
            *_ledger(session),
            *_negative_stock(session),
            *_allocations(session),
            *_line_counts(session),
            *_order_status(session),
            *_claims(session),
            *_parcels(session),
            *_waves(session),
            *_off_shelf(session),
            *_returned_units(session),
        ]


def _stock_ref(location: str, sku: str, batch: str) -> str:
    return f"{location} {sku}" + (f" batch {batch}" if batch else "")


def _ledger(session: Session) -> Iterator[Violation]:
    """Stock rows against the sum of their moves, including moves whose stock row is gone."""
    moves = (
        select(
            col(StockMove.location_id).label("location_id"),
            col(StockMove.sku_id).label("sku_id"),
            col(StockMove.batch).label("batch"),
            col(StockMove.delta).label("moved"),
            literal(0).label("held"),
        )
        .where(col(StockMove.location_id).is_not(None))
        .subquery()
    )
    stock = select(
        col(Stock.location_id), col(Stock.sku_id), col(Stock.batch), literal(0), col(Stock.on_hand)
    ).subquery()
    both = union_all(select(moves), select(stock)).subquery()
    rows = session.execute(
        select(
            col(Location.code),
            col(Sku.code),
            both.c.batch,
            func.sum(both.c.moved),
            func.sum(both.c.held),
        )
        .join(Location, col(Location.id) == both.c.location_id)
        .join(Sku, col(Sku.id) == both.c.sku_id)
        .group_by(Location.code, Sku.code, both.c.batch)
        .having(func.sum(both.c.moved) != func.sum(both.c.held))
        .order_by(Location.code, Sku.code, both.c.batch)
    )
    for location, sku, batch, moved, held in rows:
        yield Violation(
            "ledger",
            _stock_ref(location, sku, batch),
            f"on hand {held}, ledger moves add up to {moved}",
        )


def _stock_rows(
    session: Session, *conditions: ColumnElement[bool]
) -> Iterator[tuple[str, str, str, int, int]]:
    yield from session.execute(
        select(
            col(Location.code),
            col(Sku.code),
            col(Stock.batch),
            col(Stock.on_hand),
            col(Stock.allocated),
        )
        .join(Location, col(Location.id) == Stock.location_id)
        .join(Sku, col(Sku.id) == Stock.sku_id)
        .where(*conditions)
        .order_by(Location.code, Sku.code, Stock.batch)
    ).all()


def _negative_stock(session: Session) -> Iterator[Violation]:
    condition = or_(
        col(Stock.on_hand) < 0, col(Stock.allocated) < 0, col(Stock.allocated) > Stock.on_hand
    )
    for location, sku, batch, on_hand, allocated in _stock_rows(session, condition):
        yield Violation(
            "negative-stock",
            _stock_ref(location, sku, batch),
            f"on hand {on_hand}, allocated {allocated}: free stock {on_hand - allocated}",
        )


def _allocations(session: Session) -> Iterator[Violation]:
    reserved = (
        select(
            col(Allocation.stock_id),
            func.sum(col(Allocation.qty) - col(Allocation.picked)).label("held"),
        )
        .group_by(col(Allocation.stock_id))
        .subquery()
    )
    held = func.coalesce(reserved.c.held, 0)
    rows = session.execute(
        select(col(Location.code), col(Sku.code), col(Stock.batch), col(Stock.allocated), held)
        .join(Location, col(Location.id) == Stock.location_id)
        .join(Sku, col(Sku.id) == Stock.sku_id)
        .outerjoin(reserved, reserved.c.stock_id == Stock.id)
        .where(col(Stock.allocated) != held)
        .order_by(Location.code, Sku.code, Stock.batch)
    )
    for location, sku, batch, allocated, reserving in rows:
        yield Violation(
            "allocation",
            _stock_ref(location, sku, batch),
            f"allocated {allocated}, its allocations still reserve {reserving}",
        )
    overpicked = session.execute(
        select(
            col(Allocation.id), col(OrderLine.order_id), col(Allocation.qty), col(Allocation.picked)
        )
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .where(or_(col(Allocation.picked) > Allocation.qty, col(Allocation.picked) < 0))
        .order_by(col(Allocation.id))
    )
    for allocation_id, order_id, qty, picked in overpicked:
        yield Violation(
            "allocation",
            format_label(ScanKind.ORDER, order_id),
            f"allocation {allocation_id} reserved {qty} and picked {picked}",
        )


def _line_counts(session: Session) -> Iterator[Violation]:
    rows = session.execute(
        select(
            col(OrderLine.order_id),
            col(OrderLine.sku_code),
            col(OrderLine.qty),
            col(OrderLine.picked),
            col(OrderLine.packed),
        )
        .where(
            or_(
                col(OrderLine.picked) > OrderLine.qty,
                col(OrderLine.packed) > OrderLine.picked,
                col(OrderLine.picked) < 0,
                col(OrderLine.packed) < 0,
            )
        )
        .order_by(col(OrderLine.order_id), col(OrderLine.id))
    )
    for order_id, sku, qty, picked, packed in rows:
        yield Violation(
            "line-counts",
            format_label(ScanKind.ORDER, order_id),
            f"{sku}: ordered {qty}, picked {picked}, packed {packed}",
        )


_IN_A_WAVE = (OrderStatus.RELEASED, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED)
_BEFORE_RELEASE = (OrderStatus.NEW, OrderStatus.HELD, OrderStatus.READY)


def _order_status(session: Session) -> Iterator[Violation]:
    def orders_where(*conditions: ColumnElement[bool]) -> list[tuple[int, str]]:
        return list(
            session.execute(
                select(col(Order.id), col(Order.status)).where(*conditions).order_by(col(Order.id))
            ).all()
        )

    def line_exists(*conditions: ColumnElement[bool]) -> Exists:
        return (
            select(col(OrderLine.id))
            .where(col(OrderLine.order_id) == Order.id, *conditions)
            .exists()
        )

    live = col(Order.intercepted).is_(False)
    cancelled_wave = (
        select(col(Wave.id))
        .where(col(Wave.id) == Order.wave_id, col(Wave.status) == WaveStatus.CANCELLED)
        .exists()
    )
    checks: list[tuple[list[tuple[int, str]], str]] = [
        (
            orders_where(col(Order.status).in_(_IN_A_WAVE), col(Order.wave_id).is_(None)),
            "is {status} but belongs to no wave",
        ),
        (
            orders_where(
                col(Order.status) == OrderStatus.PICKED,
                live,
                line_exists(col(OrderLine.picked) < OrderLine.qty),
            ),
            "is picked but a line is not picked in full",
        ),
        (
            orders_where(
                col(Order.status).in_((OrderStatus.PACKED, OrderStatus.SHIPPED)),
                live,
                line_exists(col(OrderLine.packed) < OrderLine.qty),
            ),
            "is {status} but a line is not packed in full",
        ),
        (
            orders_where(
                col(Order.status).in_(_BEFORE_RELEASE),
                line_exists(or_(col(OrderLine.picked) > 0, col(OrderLine.packed) > 0)),
                ~and_(col(Order.status) == OrderStatus.HELD, cancelled_wave),
            ),
            "is {status} but has picked or packed units",
        ),
        (
            orders_where(
                col(Order.status) == OrderStatus.SHIPPED,
                select(col(Parcel.id))
                .where(
                    col(Parcel.order_id) == Order.id,
                    col(Parcel.status).in_((ParcelStatus.OPEN, ParcelStatus.CLOSED)),
                )
                .exists(),
            ),
            "is shipped but a parcel of it is not loaded",
        ),
    ]
    for rows, detail in checks:
        for order_id, status in rows:
            yield Violation(
                "order-status", format_label(ScanKind.ORDER, order_id), detail.format(status=status)
            )


def _claims(session: Session) -> Iterator[Violation]:
    rows = session.execute(
        select(col(PickTask.id), col(PickTask.claimed_by))
        .where(
            or_(
                and_(
                    col(PickTask.status) == TaskStatus.CLAIMED, col(PickTask.claimed_by).is_(None)
                ),
                and_(
                    col(PickTask.status) == TaskStatus.OPEN, col(PickTask.claimed_by).is_not(None)
                ),
            )
        )
        .order_by(col(PickTask.id))
    )
    for task_id, holder in rows:
        detail = "claimed by nobody" if holder is None else f"open but held by operator {holder}"
        yield Violation("claim", f"pick list {task_id}", detail)
    doubles = session.execute(
        select(col(PickTask.claimed_by), func.count())
        .where(col(PickTask.status) == TaskStatus.CLAIMED)
        .group_by(col(PickTask.claimed_by))
        .having(func.count() > 1)
        .order_by(col(PickTask.claimed_by))
    )
    for holder, held in doubles:
        yield Violation("claim", f"operator {holder}", f"holds {held} pick lists at once")


def _parcels(session: Session) -> Iterator[Violation]:
    rows = session.execute(
        select(col(Parcel.id), col(Parcel.status), col(Parcel.tracking), col(Parcel.weight_g))
        .where(
            col(Parcel.status).in_((ParcelStatus.CLOSED, ParcelStatus.LOADED)),
            or_(col(Parcel.tracking).is_(None), col(Parcel.weight_g).is_(None)),
        )
        .order_by(col(Parcel.id))
    )
    for parcel_id, status, tracking, weight in rows:
        missing = " and ".join(
            name for name, value in (("tracking number", tracking), ("weight", weight)) if not value
        )
        yield Violation(
            "parcel", format_label(ScanKind.PARCEL, parcel_id), f"{status} without {missing}"
        )


def _waves(session: Session) -> Iterator[Violation]:
    unfinished = (
        select(col(PickTask.id))
        .where(
            col(PickTask.wave_id) == Wave.id,
            col(PickTask.status).not_in((TaskStatus.DONE, TaskStatus.CANCELLED)),
        )
        .exists()
    )
    has_lists = select(col(PickTask.id)).where(col(PickTask.wave_id) == Wave.id).exists()
    rows = session.execute(
        select(col(Wave.id), col(Wave.status))
        .where(
            col(Wave.status).in_((WaveStatus.RELEASED, WaveStatus.PICKING)), has_lists, ~unfinished
        )
        .order_by(col(Wave.id))
    )
    for wave_id, status in rows:
        yield Violation(
            "wave", Ref.WAVE.of(wave_id), f"is {status} but every pick list is finished"
        )


_PUT_BACK = "restock"  # services.putback.PUT_BACK; the check reads the books, not the services
_SET_ASIDE = "set-aside"  # store.set_asides.SET_ASIDE
_BATCH_IN_PROGRESS = (
    WaveStatus.RELEASED,
    WaveStatus.PAUSED,
    WaveStatus.PICKING,
    WaveStatus.SORTING,
)


def _off_shelf(session: Session) -> Iterator[Violation]:
    owed = col(FloorTask.qty) - FloorTask.done_qty
    open_put_back = and_(col(FloorTask.kind) == _PUT_BACK, col(FloorTask.status) == "open")
    left: Select[int, int, int] = select(
        col(StockMove.sku_id).label("sku_id"), (-col(StockMove.delta)).label("left"), literal(0)
    ).where(col(StockMove.reason).in_(("pick", _PUT_BACK)))
    picked = select(col(Stock.sku_id), literal(0), col(Allocation.picked)).join(
        Stock, col(Stock.id) == Allocation.stock_id
    )
    set_aside_off_order = and_(
        col(FloorTask.kind) == _SET_ASIDE,
        col(FloorTask.status) == "open",
        col(FloorTask.order_id).is_not(None),
    )
    held_alone = select(col(FloorTask.sku_id), literal(0), owed).where(
        or_(and_(open_put_back, col(FloorTask.on_allocations).is_(False)), set_aside_off_order)
    )
    both = union_all(left, picked, held_alone).subquery()
    columns = list(both.c)
    rows = session.execute(
        select(col(Sku.code), func.sum(columns[1]), func.sum(columns[2]))
        .join(Sku, col(Sku.id) == columns[0])
        .group_by(Sku.code)
        .having(func.sum(columns[1]) != func.sum(columns[2]))
        .order_by(Sku.code)
    )
    for sku, gone, found in rows:
        yield Violation(
            "off-shelf",
            sku,
            f"{gone} units left the shelves, {found} are in totes, slots, parcels, trucks, "
            "put-back tasks or set-aside totes",
        )
    yield from _intercepted_units(session, owed, open_put_back)
    yield from _live_units(session)


def _intercepted_units(
    session: Session, owed: ColumnElement[int], open_put_back: ColumnElement[bool]
) -> Iterator[Violation]:
    picked = (
        select(col(OrderLine.order_id), func.sum(col(Allocation.picked)).label("units"))
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .group_by(col(OrderLine.order_id))
        .subquery()
    )
    tasks = (
        select(col(FloorTask.order_id), func.sum(owed).label("units"))
        .where(open_put_back, col(FloorTask.on_allocations).is_(True))
        .group_by(col(FloorTask.order_id))
        .subquery()
    )
    on_order = func.coalesce(picked.c.units, 0)
    in_tasks = func.coalesce(tasks.c.units, 0)
    rows = session.execute(
        select(col(Order.id), on_order, in_tasks)
        .outerjoin(picked, picked.c.order_id == Order.id)
        .outerjoin(tasks, tasks.c.order_id == Order.id)
        .where(col(Order.intercepted).is_(True), on_order != in_tasks)
        .order_by(col(Order.id))
    )
    for order_id, units, owing in rows:
        yield Violation(
            "off-shelf",
            format_label(ScanKind.ORDER, order_id),
            f"intercepted with {units} units picked, its put-back tasks owe {owing}",
        )


def _live_units(session: Session) -> Iterator[Violation]:
    picked = (
        select(col(Allocation.order_line_id), func.sum(col(Allocation.picked)).label("units"))
        .group_by(col(Allocation.order_line_id))
        .subquery()
    )
    on_cart = (
        select(col(Wave.id))
        .where(
            col(Wave.id) == Order.wave_id,
            col(Wave.strategy) == Strategy.BATCH,
            col(Wave.status).in_(_BATCH_IN_PROGRESS),
        )
        .exists()
    )
    units = func.coalesce(picked.c.units, 0)
    rows = session.execute(
        select(col(OrderLine.order_id), col(OrderLine.sku_code), units, col(OrderLine.picked))
        .join(Order, col(Order.id) == OrderLine.order_id)
        .outerjoin(picked, picked.c.order_line_id == OrderLine.id)
        .where(col(Order.intercepted).is_(False), units > OrderLine.picked, ~on_cart)
        .order_by(col(OrderLine.order_id), col(OrderLine.id))
    )
    for order_id, sku, off, counted in rows:
        yield Violation(
            "off-shelf",
            format_label(ScanKind.ORDER, order_id),
            f"{sku}: {off} units picked off the shelves, {counted} in its tote, slot or parcels",
        )


_IN_STOCK = (UnitStatus.SHELVED, UnitStatus.QUARANTINED, UnitStatus.RELEASED)
_UNIT_MOVES = ("return", "scrap", "release")  # the ledger reasons of services.returns
_UNIT_REFS = f"{Ref.UNIT.value}-%"  # every returned unit's reference, as a LIKE pattern


def _returned_units(session: Session) -> Iterator[Violation]:
    """Each unit's moves per location against where its status puts it."""
    held: dict[str, dict[int, int]] = {}
    for ref, location_id, units in session.execute(
        select(col(StockMove.ref), col(StockMove.location_id), func.sum(StockMove.delta))
        .where(
            col(StockMove.reason).in_(_UNIT_MOVES), col(StockMove.ref).like(f"{Ref.UNIT.value}-%")
        )
        .group_by(col(StockMove.ref), col(StockMove.location_id))
        .having(func.sum(StockMove.delta) != 0)
    ):
        held.setdefault(ref, {})[location_id] = int(units)
    for unit_id, status, location_id in session.execute(
        select(col(ReturnUnit.id), col(ReturnUnit.status), col(ReturnUnit.location_id)).order_by(
            col(ReturnUnit.id)
        )
    ):
        ref = Ref.UNIT.of(unit_id)  # services.returns.unit_ref
        expected = {location_id: 1} if status in _IN_STOCK else {}
        found = held.pop(ref, {})
        if found != expected:
            yield Violation(
                "returned-unit",
                ref,
                f"is {status}, its ledger leaves {sum(found.values())} units at "
                f"{len(found)} locations",
            )
