"""A shipped order to return and a floor to take goods in on (no test lives here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    PackedSerial,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Role,
    Shop,
    Sku,
    Stock,
    StockMove,
    Strategy,
    Wave,
    WaveStatus,
)

MUG_EAN = "4006381333931"
PHONE_EAN = "96385074"
TEA_EAN, TEA_CASE = "5901234123457", "15901234123454"  # a case counts 12
TEA_BATCH_L1 = "(01)15901234123454(17)270301(10)L1"  # a case of batch L1, best before 2027-03-01
SHELF, SHELF_2, QUARANTINE = "LOC-A01-01-1", "LOC-A01-02-1", "LOC-Q01-01-1"
TRACKING = "1Z999AA10000000010"
PIN = "1234"  # every operator's


@dataclass(frozen=True)
class GoodsInFloor:
    store: Store
    order_id: int
    parcel_id: int
    clerk: Actor
    supervisor: Actor


def _location(code: str, aisle: int, pickable: bool) -> Location:
    zone, rest = code.removeprefix("LOC-")[0], code.removeprefix("LOC-")[1:]
    _aisle, bay, level = rest.split("-")
    return Location(
        code=code.removeprefix("LOC-"),
        zone=zone,
        block=0,
        aisle=aisle,
        position_m=float(bay),
        bay=int(bay),
        level=int(level),
        pickable=pickable,
    )


def _operator(session: Session, name: str, role: Role, badge: str) -> Actor:
    operator = Operator(badge=badge, name=name, pin_hash=hash_pin(PIN), role=role)
    session.add(operator)
    session.flush()
    return Actor(operator.id, "HH-1", "test")


def build_goodsin_floor(store: Store) -> GoodsInFloor:
    """Order 1001 of shop WEB, bought by Ada Lovelace: 2 mugs and 1 serial-tracked phone
    (serial SN-1), shipped in one loaded parcel; mugs on the shelf, a quarantine location; a
    batch-tracked tea, in stock nowhere yet."""
    with store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
        session.add(Shop(code="WEB", name="Web shop"))
        mug = Sku(code="MUG", name="Mug", weight_g=300, length_mm=1, width_mm=1, height_mm=1)
        phone = Sku(
            code="PHONE",
            name="Phone",
            weight_g=200,
            length_mm=1,
            width_mm=1,
            height_mm=1,
            serial_tracked=True,
        )
        tea = Sku(
            code="TEA",
            name="Tea",
            weight_g=100,
            length_mm=1,
            width_mm=1,
            height_mm=1,
            batch_tracked=True,
        )
        session.add_all([mug, phone, tea])
        locations = [
            _location(SHELF, 1, True),
            _location(SHELF_2, 1, True),
            _location(QUARANTINE, 9, False),
        ]
        session.add_all(locations)
        session.flush()
        session.add(Barcode(code=MUG_EAN, sku_id=mug.id))
        session.add(Barcode(code=PHONE_EAN, sku_id=phone.id))
        session.add(Barcode(code=TEA_EAN, sku_id=tea.id))
        session.add(Barcode(code=TEA_CASE, sku_id=tea.id, quantity=12))
        session.add(Stock(location_id=locations[0].id, sku_id=mug.id, on_hand=5))
        session.add(
            StockMove(sku_id=mug.id, location_id=locations[0].id, delta=5, reason="receive")
        )
        wave = Wave(strategy=Strategy.PICK_BY_ORDER, status=WaveStatus.DONE)
        session.add(wave)
        session.flush()
        order = Order(
            wave_id=wave.id,
            shop="WEB",
            shop_order_id="1001",
            buyer_name="Ada Lovelace",
            ship_name="Ada Lovelace",
            status=OrderStatus.SHIPPED,
        )
        session.add(order)
        session.flush()
        lines = [
            OrderLine(order_id=order.id, shop_line_id="1", sku_code="MUG", sku_id=mug.id, qty=2),
            OrderLine(
                order_id=order.id, shop_line_id="2", sku_code="PHONE", sku_id=phone.id, qty=1
            ),
        ]
        for line in lines:
            line.picked = line.packed = line.qty
        session.add_all(lines)
        parcel = Parcel(
            order_id=order.id,
            status=ParcelStatus.LOADED,
            carrier="UPS",
            tracking=TRACKING,
            weight_g=900,
            closed_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
            loaded_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
        )
        session.add(parcel)
        session.flush()
        session.add(ParcelLine(parcel_id=parcel.id, order_line_id=lines[0].id, qty=2))
        session.add(
            ParcelLine(parcel_id=parcel.id, order_line_id=lines[1].id, qty=1, serials=["SN-1"])
        )
        session.add(
            PackedSerial(
                sku_id=phone.id, serial="SN-1", parcel_id=parcel.id, order_line_id=lines[1].id
            )
        )
        clerk = _operator(session, "Clerk", Role.PACKER, "OP-1000000001")
        supervisor = _operator(session, "Sue", Role.SUPERVISOR, "OP-1000000002")
        assert order.id is not None and parcel.id is not None
        return GoodsInFloor(store, order.id, parcel.id, clerk, supervisor)
