"""A released wave built by hand for the picking and put-wall tests: the rows wave release
writes (orders, allocations, pick lists, stops in route order), inserted directly.

No tests live here; the picking, put-wall and claim tests import it. The `floor` fixture is
conftest's `store` made quick: each module migrates one SQLite file and one PostgreSQL schema,
and every test gets a copy of the file or the schema emptied, then seeded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, col, func, select

from tests.conftest import drop_pg_schema, make_pg_store
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking import claim_next_task, scan_at_stop
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import (
    Allocation,
    Barcode,
    Journal,
    Location,
    Operator,
    Order,
    OrderLine,
    PickStop,
    PickTask,
    Sku,
    Stock,
    Tote,
    WallSlot,
    Wave,
)

PICKER = Actor(1, "HH-1", "PickingScreen")
PICKER_2 = Actor(2, "HH-2", "PickingScreen")
SUPERVISOR = Actor(3, "DESK", "SupervisorScreen")
OPERATORS = [
    (1, "OP-1000000001", "Ana Picker", "picker"),
    (2, "OP-1000000002", "Ben Picker", "picker"),
    (3, "OP-1000000003", "Cleo Supervisor", "supervisor"),
]


@dataclass(frozen=True)
class SkuSpec:
    name: str
    ean: str
    location: str
    on_hand: int
    typed_qty_allowed: bool = False


SKUS = {
    "MUG": SkuSpec("Mug 咖啡杯", "4006381333931", "LOC-A01-01-1", 20),
    "PEN": SkuSpec("Pen", "5012345678900", "LOC-A02-05-1", 500, typed_qty_allowed=True),
    "TEE": SkuSpec("T-shirt", "5901234123457", "LOC-A03-10-2", 10),
    "CAP": SkuSpec("Cap", "8712345678906", "LOC-A04-03-1", 10),
}
MUG_CASE = "14006381333938"  # a case GTIN-14 counting 12 mugs
MUG_BACKUP = "LOC-B05-02-1"  # 5 more mugs, not on any route
MUG_BACKUP_QTY = 5
ROUTE = ["LOC-A01-01-1", "LOC-A02-05-1", "LOC-A03-10-2", "LOC-A04-03-1", MUG_BACKUP]
WALL_SLOTS = 3
FLOOR_TOTES = 99  # TOTE-0001…TOTE-0099 are registered; any other tote label is unknown


@dataclass
class Released:
    wave_id: int
    task_ids: list[int]
    order_ids: list[int]
    tote_codes: dict[int, str] = field(default_factory=dict)  # order id → pre-bound tote


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "floor.db"
    template = Store(str(path))
    upgrade(template)
    template.dispose()
    return path


@pytest.fixture(scope="module")
def migrated_pg() -> Iterator[tuple[Store, str]]:
    pg, schema = make_pg_store()
    upgrade(pg)
    yield pg, schema
    pg.dispose()
    drop_pg_schema(schema)


@pytest.fixture(name="floor", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def floor_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A seeded floor (see seed_floor) on a migrated SQLite file, then on PostgreSQL."""
    if request.param == "sqlite":
        yield from _sqlite_floor(request, tmp_path)
        return
    pg, _schema = request.getfixturevalue("migrated_pg")
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with pg.write() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    seed_floor(pg)
    yield pg


@pytest.fixture(name="sqlite_floor")
def sqlite_floor_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The seeded floor on SQLite only, for tests of logic the database does not change."""
    yield from _sqlite_floor(request, tmp_path)


def _sqlite_floor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    template: Path = request.getfixturevalue("migrated_sqlite")
    path = tmp_path / "floor.db"
    with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    db = Store(str(path))
    seed_floor(db)
    yield db
    db.dispose()


def seed_floor(store: Store, *, operators: int = 0) -> None:
    """Operators 1-3 (plus `operators` extra pickers from id 101), SKUs, locations, stock and
    wall 1's slots."""
    pin_hash = hash_pin("1234")
    with store.write() as session:
        # Tests scan faster than any hand; the double-trigger tests set a window of their own.
        set_setting(session, "duplicate_scan_window_ms", 0)
        for op_id, badge, name, role in OPERATORS:
            session.add(Operator(id=op_id, badge=badge, name=name, role=role, pin_hash=pin_hash))
        for n in range(operators):
            session.add(
                Operator(
                    id=101 + n,
                    badge=f"OP-{2000000101 + n}",
                    name=f"Picker {n}",
                    role="picker",
                    pin_hash=pin_hash,
                )
            )
        locations = {}
        for code in ROUTE:
            zone, aisle, bay, level = code[4], int(code[5:7]), int(code[8:10]), int(code[11])
            location = Location(
                code=code,
                zone=zone,
                block=0,
                aisle=aisle - 1,
                position_m=bay * 1.5,
                bay=bay,
                level=level,
            )
            session.add(location)
            locations[code] = location
        session.flush()
        for code, spec in SKUS.items():
            sku = Sku(
                code=code,
                name=spec.name,
                weight_g=200,
                length_mm=100,
                width_mm=100,
                height_mm=100,
                typed_qty_allowed=spec.typed_qty_allowed,
            )
            session.add(sku)
            session.flush()
            session.add(Barcode(code=spec.ean, sku_id=sku.id))
            session.add(
                Stock(location_id=locations[spec.location].id, sku_id=sku.id, on_hand=spec.on_hand)
            )
            if code == "MUG":
                session.add(Barcode(code=MUG_CASE, sku_id=sku.id, quantity=12))
                session.add(
                    Stock(
                        location_id=locations[MUG_BACKUP].id,
                        sku_id=sku.id,
                        on_hand=MUG_BACKUP_QTY,
                        batch="B2",
                    )
                )
        for slot in range(1, WALL_SLOTS + 1):
            session.add(WallSlot(code=f"WALL-1-{slot:02d}", wall=1, slot=slot))
        session.add_all(Tote(code=f"TOTE-{n:04d}") for n in range(1, FLOOR_TOTES + 1))


def release_wave(
    store: Store,
    strategy: str,
    orders: list[dict[str, int]],
    *,
    orders_per_task: int | None = None,
    link_allocations: bool = True,
    pre_bind_totes: bool = False,
) -> Released:
    """A released wave: each order allocated at its SKUs' primary locations, split into pick
    lists of `orders_per_task` orders, stops in route order (batch stops summed per stock)."""
    with store.write() as session:
        wave = Wave(status="released", strategy=strategy)
        session.add(wave)
        session.flush()
        assert wave.id is not None
        stock = _primary_stock(session)
        allocations: list[tuple[Order, Allocation, str]] = []
        order_rows = []
        for index, lines in enumerate(orders):
            order = Order(
                shop="web",
                shop_order_id=f"{wave.id}-{index}",
                status="released",
                wave_id=wave.id,
                ship_name=f"Buyer {index}",
            )
            session.add(order)
            session.flush()
            order_rows.append(order)
            for sku_code, qty in lines.items():
                row = stock[sku_code]
                line = OrderLine(order_id=order.id, sku_code=sku_code, sku_id=row.sku_id, qty=qty)
                session.add(line)
                session.flush()
                allocation = Allocation(order_line_id=line.id, stock_id=row.id, qty=qty)
                session.add(allocation)
                row.allocated += qty
                allocations.append((order, allocation, sku_code))
        session.flush()
        size = orders_per_task or len(order_rows)
        released = Released(wave.id, [], [o.id for o in order_rows if o.id is not None])
        for start in range(0, len(order_rows), size):
            group = {o.id for o in order_rows[start : start + size]}
            task = PickTask(wave_id=wave.id, strategy=strategy, route_m=42.0)
            session.add(task)
            session.flush()
            assert task.id is not None
            released.task_ids.append(task.id)
            mine = [(o, a, s) for o, a, s in allocations if o.id in group]
            totes = _pre_bind(session, task.id, mine, released) if pre_bind_totes else {}
            if strategy == "batch":
                _batch_stops(session, task.id, mine, stock)
            else:
                _order_stops(session, task.id, mine, stock, totes, link_allocations)
        return released


def _primary_stock(session) -> dict[str, Stock]:  # type: ignore[no-untyped-def]
    by_code = {}
    for sku_code, spec in SKUS.items():
        by_code[sku_code] = session.exec(
            select(Stock)
            .join(Location)
            .join(Sku)
            .where(Sku.code == sku_code, Location.code == spec.location)
        ).one()
    return by_code


def _route_index(sku_code: str) -> int:
    return ROUTE.index(SKUS[sku_code].location)


def _order_stops(session, task_id, mine, stock, totes, link_allocations) -> None:  # type: ignore[no-untyped-def]
    ordered = sorted(mine, key=lambda item: (_route_index(item[2]), item[0].id))
    for seq, (order, allocation, sku_code) in enumerate(ordered, start=1):
        session.add(
            PickStop(
                task_id=task_id,
                seq=seq,
                stock_id=stock[sku_code].id,
                sku_id=stock[sku_code].sku_id,
                order_id=order.id,
                qty=allocation.qty,
                allocation_id=allocation.id if link_allocations else None,
                tote_id=totes.get(order.id),
            )
        )


def _batch_stops(session, task_id, mine, stock) -> None:  # type: ignore[no-untyped-def]
    totals: dict[str, int] = {}
    for _order, allocation, sku_code in mine:
        totals[sku_code] = totals.get(sku_code, 0) + allocation.qty
    for seq, sku_code in enumerate(sorted(totals, key=_route_index), start=1):
        session.add(
            PickStop(
                task_id=task_id,
                seq=seq,
                stock_id=stock[sku_code].id,
                sku_id=stock[sku_code].sku_id,
                qty=totals[sku_code],
            )
        )


def _pre_bind(session, task_id, mine, released) -> dict[int, int]:  # type: ignore[no-untyped-def]
    totes: dict[int, int] = {}
    for order, _allocation, _sku in mine:
        if order.id in totes:
            continue
        code = f"TOTE-{9000 + order.id}"
        tote = Tote(code=code, order_id=order.id, task_id=task_id)
        session.add(tote)
        session.flush()
        totes[order.id] = tote.id
        released.tote_codes[order.id] = code
    return totes


def stop_scans(sku_code: str, qty: int, tote: str | None) -> list[str]:
    """The scans of one stop done right: location, each unit, the tote."""
    spec = SKUS[sku_code]
    return [spec.location, *[spec.ean] * qty, *([tote] if tote else [])]


def scan_all(store: Store, task_id: int, codes: list[str]) -> None:
    for code in codes:
        outcome = scan_at_stop(store, PICKER, task_id, code)
        assert outcome.accepted, (code, outcome.reason)


def stock_of(store: Store, location: str) -> tuple[int, int]:
    with store.read() as session:
        stock = session.exec(
            select(Stock)
            .join(Location, col(Location.id) == Stock.location_id)
            .where(Location.code == location)
        ).one()
        return stock.on_hand, stock.allocated


def journal_rows(store: Store, action: str, accepted: bool) -> int:
    with store.read() as session:
        return session.exec(
            select(func.count())
            .select_from(Journal)
            .where(Journal.action == action, Journal.accepted == accepted)
        ).one()


def claim_with_totes(store: Store, totes: list[str]) -> int:
    task = claim_next_task(store, PICKER, totes)
    assert task is not None
    return task.task_id


def schema_of(store: Store) -> str | None:
    if store.is_sqlite:
        return None
    with store.read() as session:
        return session.exec(select(func.current_schema())).one()
