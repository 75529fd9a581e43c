"""Not tests: a small packing floor for the pack station's tests, its fixtures and shared steps.

Rows are inserted directly, as picking leaves them: orders `picked`, OrderLine.picked = qty,
each order in a tote or a put-wall slot.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlmodel import Session, SQLModel, select

from tests.conftest import drop_pg_schema, make_pg_store
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.services import packing
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import (
    Allocation,
    Barcode,
    BoxType,
    Carrier,
    CarrierService,
    Journal,
    Location,
    Operator,
    Order,
    OrderLine,
    Sku,
    Stock,
    Tote,
    TrackingPool,
    WallSlot,
)

_ORDER_NUMBERS = itertools.count(1000)
MUG = "4006381333931"
MUG_CASE = "14006381333938"  # six mugs
TEA = "5901234123457"
TOY = "96385074"
PHONE_GS1 = "(01)09501101020917(21){serial}"
SYRUP_GS1 = "(01)04012345678901(10){batch}"
PACKER = Actor(2, "PACK-1", "PackScreen")
SUPERVISOR_BADGE = "OP-1000000003"

# code, name, weight g, dims mm, serial, batch, typed qty, barcodes (code, units)
SKUS = [
    (
        "MUG-1",
        "Blue mug",
        350,
        (120, 90, 100),
        False,
        False,
        False,
        [("4006381333931", 1), ("14006381333938", 6)],
    ),
    ("TEA-1", "Green tea 100 g", 110, (80, 60, 150), False, False, True, [("5901234123457", 1)]),
    ("PHN-1", "Phone", 180, (160, 80, 20), True, False, False, [("09501101020917", 1)]),
    ("SYR-1", "Syrup", 500, (70, 70, 200), False, True, False, [("04012345678901", 1)]),
    ("TOY-1", "Toy", 200, (100, 100, 100), False, False, False, [("96385074", 1)]),
]
BOXES = [
    ("BOX-S1", "Small box", 200, 150, 100, 110, 5000),
    ("BOX-M1", "Medium box", 300, 220, 150, 240, 15000),
    ("BOX-XL", "Extra large box", 600, 400, 400, 900, 31500),
]


@dataclass
class Floor:
    store: Store
    sku: dict[str, int]

    def order(
        self,
        lines: dict[str, int],
        *,
        tote: str | None = None,
        slot: str | None = None,
        merge_group: str | None = None,
        status: str = "picked",
        tags: tuple[str, ...] = (),
        instructions: str = "",
        shop: str = "WEB",
        ship_name: str = "Mia Muster",
        lots: Mapping[str, Sequence[str | tuple[str, date]]] | None = None,
        ship_by: datetime | None = None,
    ) -> int:
        """An order as picking leaves it; `lots`: per batch-tracked SKU, the lots (a batch, or
        a batch and its expiry) its units were picked from, split between them."""
        with self.store.write() as session:
            order = Order(
                shop=shop,
                shop_order_id=f"W{next(_ORDER_NUMBERS)}",
                buyer_id="B1",
                buyer_name=ship_name,
                buyer_tags=list(tags),
                ship_name=ship_name,
                ship_address1="Hauptstr. 1",
                ship_city="Berlin",
                ship_postcode="10115",
                ship_country="DE",
                carrier="DHL",
                service="PAKET",
                status=status,
                merge_group=merge_group,
                pack_instructions=instructions,
                ship_by=ship_by,
            )
            session.add(order)
            session.flush()
            for code, qty in lines.items():
                line = OrderLine(
                    order_id=order.id,
                    sku_code=code,
                    sku_id=self.sku[code],
                    qty=qty,
                    picked=qty if status == "picked" else 0,
                )
                session.add(line)
                session.flush()
                picked_from = list((lots or {}).get(code, ()))
                for index, lot in enumerate(picked_from):
                    batch, expiry = (lot, None) if isinstance(lot, str) else lot
                    share = qty // len(picked_from) + (index < qty % len(picked_from))
                    stock = _lot(session, self.sku[code], batch, expiry)
                    session.add(
                        Allocation(
                            order_line_id=line.id, stock_id=stock.id, qty=share, picked=share
                        )
                    )
            if tote:
                session.add(Tote(code=tote, order_id=order.id))
            if slot:
                wall, number = slot.removeprefix("WALL-").split("-")
                session.add(
                    WallSlot(
                        code=slot,
                        wall=int(wall),
                        slot=int(number),
                        order_id=order.id,
                        status="ready",
                    )
                )
            assert order.id is not None
            return order.id


def _shelf(session: Session) -> Location:
    """The one shelf the floor's picked lots came from."""
    shelf = session.exec(select(Location).where(Location.code == SHELF)).first()
    if shelf is None:
        shelf = Location(code=SHELF, zone="A", block=0, aisle=0, position_m=1.0, bay=1, level=1)
        session.add(shelf)
        session.flush()
    return shelf


SHELF = "LOC-A01-01-1"


def _lot(session: Session, sku_id: int, batch: str, expiry: date | None) -> Stock:
    """The shelf's stock of one lot of a SKU, made on first use."""
    shelf = _shelf(session)
    stock = session.exec(
        select(Stock).where(
            Stock.location_id == shelf.id, Stock.sku_id == sku_id, Stock.batch == batch
        )
    ).first()
    if stock is None:
        assert shelf.id is not None
        stock = Stock(location_id=shelf.id, sku_id=sku_id, batch=batch, expiry=expiry, on_hand=100)
        session.add(stock)
        session.flush()
    return stock


def build_floor(store: Store, *, operators: bool = True) -> Floor:
    """SKUs, barcodes, boxes and a carrier with its number pool (and, unless the test adds
    its own, a packer and a supervisor)."""
    with store.write() as session:
        for op_id, badge, name, role in (
            (2, "OP-1000000002", "Ben Packer", "packer"),
            (3, SUPERVISOR_BADGE, "Cleo Supervisor", "supervisor"),
        )[: 2 if operators else 0]:
            session.add(
                Operator(id=op_id, badge=badge, name=name, role=role, pin_hash=hash_pin("1234"))
            )
        skus: dict[str, int] = {}
        for code, name, weight, (length, width, height), serial, batch, typed, codes in SKUS:
            sku = Sku(
                code=code,
                name=name,
                weight_g=weight,
                length_mm=length,
                width_mm=width,
                height_mm=height,
                serial_tracked=serial,
                batch_tracked=batch,
                typed_qty_allowed=typed,
            )
            session.add(sku)
            session.flush()
            assert sku.id is not None
            skus[code] = sku.id
            for barcode, units in codes:
                session.add(Barcode(code=barcode, sku_id=sku.id, quantity=units))
        for code, name, length, width, height, tare, max_weight in BOXES:
            session.add(
                BoxType(
                    code=code,
                    name=name,
                    length_mm=length,
                    width_mm=width,
                    height_mm=height,
                    tare_g=tare,
                    max_weight_g=max_weight,
                )
            )
        carrier = Carrier(code="DHL", name="DHL Paket")
        session.add(carrier)
        session.flush()
        session.add(CarrierService(carrier_id=carrier.id, code="PAKET", name="DHL Paket national"))
        session.add(
            TrackingPool(
                carrier_id=carrier.id, prefix="JJD", next_number=1, last_number=1000, width=10
            )
        )
    return Floor(store, skus)


# --- fixtures and steps the pack tests share ---------------------------------------------------


@pytest.fixture(
    name="module_store",
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)],
)
def module_store_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One migrated database per backend for the whole module (migrating costs 1-2 s)."""
    if request.param == "sqlite":
        db = Store(str(tmp_path_factory.mktemp("pack") / "floor.db"))
        upgrade(db)
        yield db
        db.dispose()
        return
    db, schema = make_pg_store()
    upgrade(db)
    yield db
    db.dispose()
    drop_pg_schema(schema)


@pytest.fixture(name="floor")
def floor_fixture(module_store: Store) -> Floor:
    """An empty floor on the module's database: every row of the previous test is deleted."""
    with module_store.write() as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(table.delete())
    built = build_floor(module_store)
    with module_store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
    return built


def journal(store: Store, action: str) -> list[Journal]:
    with store.read() as session:
        return list(
            session.exec(select(Journal).where(Journal.action == action).order_by(Journal.id))
        )


def start(floor: Floor, code: str) -> int:
    result = packing.start_pack(floor.store, PACKER, code)
    assert result.accepted, result.reason
    assert result.parcel_id is not None
    return result.parcel_id


def packed_of(store: Store, order_id: int) -> dict[str, int]:
    with store.read() as session:
        lines = session.exec(select(OrderLine).where(OrderLine.order_id == order_id))
        return {line.sku_code: line.packed for line in lines}


def ready_to_close(floor: Floor, parcel_id: int, grams: float | None = None) -> None:
    store = floor.store
    assert packing.choose_box(store, PACKER, parcel_id, "BOX-M1").accepted
    view = packing.pack_view(store, parcel_id)
    assert view is not None and view.expected_weight_g is not None
    if view.instructions:
        assert packing.confirm_instructions(store, PACKER, parcel_id).accepted
    weight = packing.record_weight(store, PACKER, parcel_id, grams or view.expected_weight_g + 5)
    assert weight.accepted, weight.reason
