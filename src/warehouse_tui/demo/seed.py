"""Writing the demo warehouse into an empty database, and telling whether one is empty.

Master data goes in with bulk inserts; orders come in as JSON Lines records through the import
service and are then audited, exactly as a shop's orders would be.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select, text, update
from sqlmodel import Session, SQLModel, col

from warehouse_tui.demo.catalogue import DemoSku, build_catalogue
from warehouse_tui.demo.orders import DemoOrders, build_orders
from warehouse_tui.demo.stock import RESERVE_LEVELS, DemoLot, build_lots, pick_faces, stock_to_hold
from warehouse_tui.demo.tables.carriers import BOX_TYPES, CARRIERS, POOL_SIZE, SHOPS
from warehouse_tui.demo.tables.floor import (
    LAYOUT_SPEC,
    RETURN_ADDRESS,
    SIM_SCALE,
    SLOTS_PER_WALL,
    STATIONS,
    TIMEZONE,
    TOTES,
    WALLS,
    location_rows,
)
from warehouse_tui.demo.tables.people import OPERATORS
from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.i18n import _
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.importing import ImportKind, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Carrier,
    CarrierService,
    Device,
    Location,
    Operator,
    Order,
    OrderLine,
    Role,
    Shop,
    Sku,
    Station,
    Stock,
    StockMove,
    Tote,
    TrackingPool,
    WallSlot,
    table_of,
)

Progress = Callable[[str], None]


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table_of(model)), rows)


def _ids(session: Session, code_column: Any, id_column: Any) -> dict[str, int]:
    return {code: row_id for code, row_id in session.execute(select(code_column, id_column))}


def _seed_settings(session: Session) -> None:
    set_setting(session, "timezone", TIMEZONE)
    set_setting(session, "layout", LAYOUT_SPEC)
    set_setting(session, "return_address", RETURN_ADDRESS)
    set_setting(session, "sim_scale", SIM_SCALE)


def _seed_catalogue(session: Session, skus: list[DemoSku]) -> dict[str, int]:
    _insert(
        session,
        Sku,
        [
            {
                "code": sku.code,
                "name": sku.name,
                "weight_g": sku.weight_g,
                "length_mm": sku.length_mm,
                "width_mm": sku.width_mm,
                "height_mm": sku.height_mm,
                "serial_tracked": sku.serial_tracked,
                "batch_tracked": sku.batch_tracked,
                "typed_qty_allowed": sku.typed_qty_allowed,
                "code_entry_allowed": False,
            }
            for sku in skus
        ],
    )
    sku_ids = _ids(session, Sku.code, Sku.id)
    _insert(
        session,
        Barcode,
        [
            {"code": code, "sku_id": sku_ids[sku.code], "quantity": quantity}
            for sku in skus
            for code, quantity in sku.barcodes
        ],
    )
    return sku_ids


def _seed_stock(
    session: Session, lots: list[DemoLot], sku_ids: dict[str, int], location_ids: dict[str, int]
) -> None:
    _insert(
        session,
        Stock,
        [
            {
                "location_id": location_ids[lot.location],
                "sku_id": sku_ids[lot.sku],
                "batch": lot.batch,
                "expiry": lot.expiry,
                "received_at": lot.received_at,
                "on_hand": lot.quantity,
                "allocated": 0,
            }
            for lot in lots
        ],
    )
    _insert(
        session,
        StockMove,
        [
            {
                "at": lot.received_at,
                "sku_id": sku_ids[lot.sku],
                "location_id": location_ids[lot.location],
                "batch": lot.batch,
                "delta": lot.quantity,
                "reason": "receive",
                "ref": f"PO-{lot.received_at:%y%m%d}",
            }
            for lot in lots
        ],
    )


def _seed_operators(session: Session) -> int:
    """The operators, in the table's order (so on an empty database the first has ID 1);
    returns the admin's ID."""
    _insert(
        session,
        Operator,
        [
            {
                "badge": operator.badge,
                "name": operator.name,
                "pin_hash": hash_pin(operator.pin),
                "role": operator.role.value,
                "language": operator.language,
                "active": True,
            }
            for operator in OPERATORS
        ],
    )
    admin = next(operator for operator in OPERATORS if operator.role is Role.ADMIN)
    admin_id: int = session.execute(
        select(col(Operator.id)).where(col(Operator.badge) == admin.badge)
    ).scalar_one()
    return admin_id


def _seed_stations(session: Session) -> None:
    _insert(
        session,
        Station,
        [{"name": name, "kind": kind, "wall": wall} for name, kind, wall, _ in STATIONS],
    )
    station_ids = _ids(session, Station.name, Station.id)
    _insert(
        session,
        Device,
        [
            {
                "station_id": station_ids[name],
                "kind": device.kind,
                "driver": device.driver,
                "port": device.port,
                "settings": {},
            }
            for name, _kind, _wall, devices in STATIONS
            for device in devices
        ],
    )
    _insert(session, Tote, [{"code": format_label(ScanKind.TOTE, n)} for n in range(1, TOTES + 1)])
    _insert(
        session,
        WallSlot,
        [
            {
                "code": format_label(ScanKind.SLOT, wall, slot),
                "wall": wall,
                "slot": slot,
                "status": "free",
            }
            for wall in range(1, WALLS + 1)
            for slot in range(1, SLOTS_PER_WALL + 1)
        ],
    )


def _seed_shipping(session: Session) -> None:
    _insert(
        session,
        BoxType,
        [
            {
                "code": code,
                "name": name,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "tare_g": tare,
                "max_weight_g": max_weight,
            }
            for code, name, length, width, height, tare, max_weight in BOX_TYPES
        ],
    )
    _insert(
        session,
        Carrier,
        [
            {
                "code": carrier.code,
                "name": carrier.name,
                "tracking_pattern": carrier.tracking_pattern,
                "check_scheme": carrier.check_scheme,
            }
            for carrier in CARRIERS
        ],
    )
    carrier_ids = _ids(session, Carrier.code, Carrier.id)
    _insert(
        session,
        CarrierService,
        [
            {
                "carrier_id": carrier_ids[carrier.code],
                "code": service.code,
                "name": service.name,
                "cutoff_local": service.cutoff_local,
            }
            for carrier in CARRIERS
            for service in carrier.services
        ],
    )
    _insert(
        session,
        TrackingPool,
        [
            {
                "carrier_id": carrier_ids[carrier.code],
                "prefix": carrier.pool_prefix,
                "suffix": carrier.pool_suffix,
                "next_number": carrier.pool_start,
                "last_number": carrier.pool_start + POOL_SIZE - 1,
                "width": carrier.pool_width,
            }
            for carrier in CARRIERS
        ],
    )
    _insert(
        session,
        Shop,
        [
            {"code": code, "name": name, "kind": kind, "announce_at": announce, "settings": {}}
            for code, name, kind, announce in SHOPS
        ],
    )


def _import_orders(store: Store, actor: Actor, orders: DemoOrders) -> None:
    """The orders as the shop sent them, then (a second file) its cancellations."""
    for records, source in ((orders.records, "demo-orders"), (orders.cancellations, "demo-cancel")):
        result = import_records(store, ImportKind.ORDERS, records, actor=actor, source=source)
        if not result.accepted:
            raise RuntimeError(f"demo {source} refused by the import: {result.errors[:3]}")


def _set_import_times(store: Store, imported_at: dict[tuple[str, str], datetime]) -> None:
    """Give the orders the times they came in on the demo's day, not the seeding's clock."""
    orders = table_of(Order)
    with store.write() as session:
        session.execute(
            update(orders)
            .where(orders.c.shop == bindparam("b_shop"))
            .where(orders.c.shop_order_id == bindparam("b_order"))
            .values(imported_at=bindparam("b_at"), updated_at=bindparam("b_at")),
            [
                {"b_shop": shop, "b_order": order_id, "b_at": moment}
                for (shop, order_id), moment in imported_at.items()
            ],
        )


def counts(store: Store) -> dict[str, int]:
    """How many of each thing the database holds, orders by status (`orders_<status>`)."""
    tables: dict[str, type[SQLModel]] = {
        "locations": Location,
        "skus": Sku,
        "barcodes": Barcode,
        "stock_lots": Stock,
        "operators": Operator,
        "stations": Station,
        "devices": Device,
        "box_types": BoxType,
        "carriers": Carrier,
        "carrier_services": CarrierService,
        "shops": Shop,
        "totes": Tote,
        "wall_slots": WallSlot,
        "orders": Order,
        "order_lines": OrderLine,
    }
    with store.read() as session:
        result = {
            name: session.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in tables.items()
        }
        result["merge_groups"] = session.execute(
            select(func.count(col(Order.merge_group).distinct()))
        ).scalar_one()
        for status, number in session.execute(
            select(col(Order.status), func.count())
            .group_by(col(Order.status))
            .order_by(col(Order.status))
        ):
            result[f"orders_{status}"] = number
    return result


def holds_data(store: Store) -> bool:
    """Whether any table of the schema has a row (the demo seeds empty databases only)."""
    with store.read() as session:
        return any(
            session.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
            for table in SQLModel.metadata.sorted_tables
        )


def recreate(store: Store) -> None:
    """Drop every table of the schema, Alembic's own included, and build the schema anew, so
    row IDs start again at 1. A reset starts a new database: nothing deletes journal rows."""
    from warehouse_tui.store.migrate import upgrade

    with store.engine.begin() as connection:
        SQLModel.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(store)


def seed_demo(
    store: Store, seed: int, today: date, progress: Progress | None = None
) -> dict[str, int]:
    """Fill an empty database with the demo warehouse for `seed` on `today` (the warehouse's
    local date); returns `counts`. The same seed and day give the same data."""
    say = progress or (lambda _message: None)
    rng = random.Random(seed)
    skus = build_catalogue(rng)
    orders = build_orders(rng, skus, today)
    totals = stock_to_hold(rng, skus, orders.demand)
    locations = location_rows()
    reserves = [row["code"] for row in locations if row["level"] in RESERVE_LEVELS]
    lots = build_lots(rng, skus, totals, pick_faces(locations), reserves, today)

    say(_("Laying out the floor, the catalogue and the stock…"))
    with store.write() as session:
        _seed_settings(session)
        _insert(session, Location, locations)
        location_ids = _ids(session, Location.code, Location.id)
        sku_ids = _seed_catalogue(session, skus)
        _seed_stock(session, lots, sku_ids, location_ids)
        admin_id = _seed_operators(session)
        _seed_stations(session)
        _seed_shipping(session)

    actor = Actor(admin_id, screen="demo")
    say(_("Importing {count} orders…").format(count=len(orders.records)))
    _import_orders(store, actor, orders)
    _set_import_times(store, orders.imported_at)
    say(_("Auditing the orders…"))
    audit_orders(store, actor)
    return counts(store)
