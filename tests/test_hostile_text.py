"""Every floor screen shows shop, file and operator text as text: names full of markup, terminal
escapes and right-to-left overrides render literally, through Pilot at the screen's size.

Each test seeds a floor, then rewrites every name a shop, a file or an operator gave it (SKU
names, ship-to names and addresses, pack instructions, operator, carrier, service, box and shop
names) to hostile text, opens the screen and reads what the terminal would be sent. Markup must
show as typed (`[b]x[/b]`, not a bold x; `[/]`, not a MarkupError); a character a terminal acts
on (ESC, U+202E) must show as its escape, never reach the terminal raw.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update
from textual.app import App
from textual.pilot import Pilot

from tests.apphelpers import add_operators, make_test_app, open_screen, scan, wait_idle
from tests.factories import ADMIN, exceptions_floor, import_orders, order_record
from tests.support.goodsin_floor import MUG_EAN, build_goodsin_floor
from tests.support.packing_floor import build_floor
from tests.support.picking_floor import PICKER, SKUS, release_wave, seed_floor, stop_scans
from tests.support.shipping_floor import packed_order, seed_carriers_and_shops
from warehouse_tui.domain.text import on_screen
from warehouse_tui.screens.board import BoardScreen
from warehouse_tui.screens.exceptions import ExceptionsScreen
from warehouse_tui.screens.kpi import KpiScreen
from warehouse_tui.screens.load import LoadScreen
from warehouse_tui.screens.pack import PackScreen
from warehouse_tui.screens.picking import PickingScreen
from warehouse_tui.screens.putwall import PutWallScreen
from warehouse_tui.screens.receive import ReceiveScreen
from warehouse_tui.screens.registry import SCREEN_MODULES
from warehouse_tui.screens.returns import ReturnsScreen
from warehouse_tui.screens.returns_report import ReturnsReportScreen
from warehouse_tui.screens.tasks import TasksScreen
from warehouse_tui.screens.waves import WavesScreen
from warehouse_tui.services.counts import request_counts
from warehouse_tui.services.holds import hold_order
from warehouse_tui.services.picking import claim_next_task, scan_at_stop
from warehouse_tui.services.receipts import open_unexpected
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    BoxType,
    Carrier,
    CarrierService,
    Operator,
    Order,
    Shop,
    Sku,
    Station,
)

HANDHELD, STATION = (40, 16), (80, 24)
SKU_NAME = "[b]x[/b] \x1b[1mעברית"
SHIP_TO = "[/] \u202eعربي"
INSTRUCTIONS = "[link=http://x]y[/link]"
OPERATOR = "[@click=app.quit]q[/]"
CARRIER = "\x1b[31mRED"
PICKER_NAME = "[i]Ana[/i] [/b]"  # the desk's table shows the picker, the bar the supervisor
SETTLE_TRIES = 100  # 5 s: a loaded machine paints late
# The screens each test opens; a screen added to the registry needs a test here.
COVERED = {
    "picking",
    "putwall",
    "pack",
    "load",
    "waves",
    "exceptions",
    "tasks",
    "returns",
    "receive",
    "returns_report",
    "board",
    "kpi",
}


def make_hostile(store: Store) -> None:
    """Every name on the floor, rewritten to hostile text."""
    with store.write() as session:
        session.execute(update(Sku).values(name=SKU_NAME))
        session.execute(
            update(Order).values(
                ship_name=SHIP_TO,
                buyer_name=SHIP_TO,
                ship_address1=SHIP_TO,
                ship_city=SKU_NAME,
                pack_instructions=INSTRUCTIONS,
            )
        )
        session.execute(update(Operator).values(name=OPERATOR))
        for table in (Carrier, CarrierService, BoxType, Shop):
            session.execute(update(table).values(name=CARRIER))


def screen_text(app: App[object]) -> str:
    """What the terminal is sent for the screen, as one string (the compositor's lines)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def assert_shown(pilot: Pilot[object], *texts: str) -> None:
    """Each text is on screen as written (control characters escaped), line wraps aside, and
    nothing a terminal acts on is sent raw. A table sizes its columns when the app is next idle,
    so the screen is read again for a while before the last reading counts."""
    for _attempt in range(SETTLE_TRIES):
        shown = screen_text(pilot.app)
        compact = "".join(shown.split())
        if all("".join(on_screen(text).split()) in compact for text in texts):
            break
        await pilot.pause(0.05)
    assert "\x1b" not in shown and "\u202e" not in shown
    for text in texts:
        assert "".join(on_screen(text).split()) in compact, (text, shown)


def operator_in_bar(size: tuple[int, int]) -> str:
    """The operator's name as the station bar shows it: a handheld's bar cuts it short."""
    return OPERATOR[:15] if size == HANDHELD else OPERATOR


def test_every_registered_screen_is_covered() -> None:
    assert set(SCREEN_MODULES) == COVERED


@pytest.mark.parametrize("size", [HANDHELD, STATION])
async def test_login_and_home(sqlite_store: Store, size: tuple[int, int]) -> None:
    add_operators(sqlite_store)
    make_hostile(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=size) as pilot:
        await wait_idle(pilot)
        await scan(pilot, INSTRUCTIONS)  # not a badge: refused, shown as typed
        await assert_shown(pilot)
        await scan(pilot, "OP-1000000003")
        await wait_idle(pilot)
        await assert_shown(pilot, f"{OPERATOR} · supervisor")  # the home screen's own line


@pytest.mark.parametrize("size", [HANDHELD, STATION])
async def test_picking(sqlite_store: Store, size: tuple[int, int]) -> None:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 1}])
    make_hostile(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, "OP-1000000001", PickingScreen())
        await pilot.press("f2")
        await wait_idle(pilot)
        await scan(pilot, "TOTE-0001")
        await assert_shown(pilot, operator_in_bar(size), SKU_NAME)
        await scan(pilot, OPERATOR)  # a scan no stop wants: refused, quoted as typed
        await assert_shown(pilot, SKU_NAME)


@pytest.mark.parametrize("size", [HANDHELD, STATION])
async def test_put_wall(sqlite_store: Store, size: tuple[int, int]) -> None:
    seed_floor(sqlite_store)
    with sqlite_store.write() as session:
        session.add(Station(name="TEST-1", kind="put-wall", wall=1))
    release_wave(sqlite_store, "batch", [{"MUG": 1}])
    task = claim_next_task(sqlite_store, PICKER)
    assert task is not None
    for code in stop_scans("MUG", 1, None):
        assert scan_at_stop(sqlite_store, PICKER, task.task_id, code).accepted
    make_hostile(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=size) as pilot:
        await open_screen(pilot, "OP-1000000002", PutWallScreen())
        await scan(pilot, SKUS["MUG"].ean)
        await assert_shown(pilot, operator_in_bar(size), SKU_NAME)


async def test_pack(sqlite_store: Store) -> None:
    add_operators(sqlite_store)
    floor = build_floor(sqlite_store, operators=False)
    with sqlite_store.write() as session:
        session.add(Station(name="PACK-BARE", kind="pack"))
    floor.order({"TOY-1": 1}, tote="TOTE-0001", instructions="fragile")
    make_hostile(sqlite_store)
    app = make_test_app(sqlite_store, station="PACK-BARE")
    async with app.run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000002", PackScreen())
        await scan(pilot, "TOTE-0001")
        await assert_shown(pilot, OPERATOR, SHIP_TO, SKU_NAME, INSTRUCTIONS)


async def test_load(sqlite_store: Store) -> None:
    add_operators(sqlite_store)
    with sqlite_store.write() as session:
        seed_carriers_and_shops(session)
        packed_order(session, "1001")
    make_hostile(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000002", LoadScreen())
        await assert_shown(pilot, OPERATOR, CARRIER)
        await pilot.press("down", "enter")  # UPS, second of the two carriers
        await wait_idle(pilot)
        await assert_shown(pilot, CARRIER, SHIP_TO)


async def test_waves(sqlite_store: Store) -> None:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 1}])
    assert claim_next_task(sqlite_store, PICKER) is not None
    make_hostile(sqlite_store)
    with sqlite_store.write() as session:
        session.execute(
            update(Operator).where(Operator.id == PICKER.operator_id).values(name=PICKER_NAME)
        )
    app = make_test_app(sqlite_store)
    async with app.run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000003", WavesScreen())
        await assert_shown(pilot, OPERATOR, PICKER_NAME)
        await scan(pilot, SKU_NAME.split()[0])  # not an order label: refused, quoted as typed
        await assert_shown(pilot, OPERATOR)


async def test_exceptions_and_tasks(sqlite_store: Store) -> None:
    """A held order's reason on the supervisor's desk, and the handheld's task list, with every
    name hostile (the hold's reason is an operator's text too)."""
    exceptions_floor(sqlite_store)
    add_operators(sqlite_store)
    import_orders(sqlite_store, order_record("H-1", {"SOCKS-3": 1}))
    assert hold_order(sqlite_store, ADMIN, "web:H-1", INSTRUCTIONS).accepted
    assert request_counts(sqlite_store, ADMIN, ["LOC-B07-03-2"]).accepted
    make_hostile(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000003", ExceptionsScreen())
        await assert_shown(pilot, OPERATOR, INSTRUCTIONS)
    app = make_test_app(sqlite_store, "HH-1")
    async with app.run_test(size=HANDHELD) as pilot:
        await open_screen(pilot, "OP-1000000001", TasksScreen())
        await assert_shown(pilot, operator_in_bar(HANDHELD))
        await scan(pilot, SKU_NAME.split()[0])  # no task takes it: refused, quoted as typed
        await assert_shown(pilot, operator_in_bar(HANDHELD))


async def test_returns(sqlite_store: Store) -> None:
    """A returned unit's SKU code (a catalog's text) on the handheld, as written."""
    build_goodsin_floor(sqlite_store)
    with sqlite_store.write() as session:
        session.execute(update(Sku).where(Sku.code == "MUG").values(code=SKU_NAME))
    async with make_test_app(sqlite_store, "HH-1").run_test(size=HANDHELD) as pilot:
        await open_screen(pilot, "OP-1000000001", ReturnsScreen())
        await scan(pilot, "PCL-1")
        await scan(pilot, MUG_EAN)
        await assert_shown(pilot, SKU_NAME)


async def test_receive(sqlite_store: Store) -> None:
    """A delivery's reference (a supplier's text) on the handheld, as written."""
    floor = build_goodsin_floor(sqlite_store)
    assert open_unexpected(sqlite_store, floor.supervisor, "ACME", INSTRUCTIONS).accepted
    async with make_test_app(sqlite_store, "HH-1").run_test(size=HANDHELD) as pilot:
        await open_screen(pilot, "OP-1000000001", ReceiveScreen())
        await scan(pilot, INSTRUCTIONS)
        await assert_shown(pilot, INSTRUCTIONS)


async def test_returns_report(sqlite_store: Store) -> None:
    """A buyer's name (a shop's text) in the returns report, as written."""
    floor = build_goodsin_floor(sqlite_store)
    with sqlite_store.write() as session:
        session.execute(update(Order).values(buyer_name=SHIP_TO))
    found = find_return(sqlite_store, floor.clerk, "PCL-1")
    assert found.return_id is not None
    assert receive_unit(sqlite_store, floor.clerk, found.return_id, MUG_EAN).accepted
    async with make_test_app(sqlite_store).run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000002", ReturnsReportScreen())
        await assert_shown(pilot, SHIP_TO)


async def test_board_and_kpi(sqlite_store: Store) -> None:
    """The supervisor's board and the KPI bars, whose rows name operators: a picker at work
    today, with a hostile name."""
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 1}])
    task = claim_next_task(sqlite_store, PICKER, cart_totes=["TOTE-0001"])
    assert task is not None
    for code in stop_scans("MUG", 1, "TOTE-0001"):
        assert scan_at_stop(sqlite_store, PICKER, task.task_id, code).accepted
    make_hostile(sqlite_store)
    with sqlite_store.write() as session:
        session.execute(
            update(Operator).where(Operator.id == PICKER.operator_id).values(name=PICKER_NAME)
        )
    async with make_test_app(sqlite_store).run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000003", BoardScreen())
        await assert_shown(pilot, OPERATOR)
    async with make_test_app(sqlite_store).run_test(size=STATION) as pilot:
        await open_screen(pilot, "OP-1000000003", KpiScreen())
        await assert_shown(pilot, OPERATOR, PICKER_NAME)
