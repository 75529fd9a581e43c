"""The supervisor's Exceptions desk at 80x24 and the handheld's Tasks screen at 40x16, through
Pilot: the queue oldest first, a kind filter, actions on keys, an item's history; put-back and
a blind count by scan; snapshots of both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.apphelpers import add_operators, make_test_app, open_screen, scan, wait_idle
from tests.factories import (
    ADMIN,
    exceptions_floor,
    import_orders,
    item_code,
    order_record,
    pick,
    release,
)
from warehouse_tui.screens.exceptions import ExceptionsScreen, HistoryScreen, ReasonPrompt
from warehouse_tui.screens.tasks import TasksScreen
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.counts import request_counts
from warehouse_tui.services.holds import hold_order
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import cancel_order
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus

PICKER = Actor(1, "HH-1", "test")
SUPERVISOR_BADGE, PICKER_BADGE = "OP-1000000003", "OP-1000000001"
SOCKS, SHELF = "SOCKS-3", "LOC-B07-03-2"


@pytest.fixture
def floor(sqlite_store: Store) -> Iterator[Store]:
    """Held order H-1 (with markup-like text in its reason), short order S-1 in TOTE-0001 and
    the count its short pick asked for."""
    exceptions_floor(sqlite_store)
    add_operators(sqlite_store)
    import_orders(sqlite_store, order_record("H-1", {SOCKS: 1}), order_record("S-1", {SOCKS: 5}))
    assert hold_order(sqlite_store, ADMIN, "web:H-1", "buyer says [b]wait[/b]").accepted
    release(sqlite_store)
    pick(sqlite_store, PICKER, ["TOTE-0001"], {SOCKS: 2})
    yield sqlite_store


def rows(screen: ExceptionsScreen) -> list[list[str]]:
    table = screen.query_one("#queue", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def text(screen: object, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())  # type: ignore[attr-defined]


def status(store: Store, number: str) -> str:
    with store.read() as session:
        return session.exec(select(Order.status).where(Order.shop_order_id == number)).one()


def order_id(store: Store, number: str) -> int:
    with store.read() as session:
        found = session.exec(select(Order.id).where(Order.shop_order_id == number)).one()
        assert found is not None
        return found


async def open_desk(pilot: Pilot) -> ExceptionsScreen:
    return await open_screen(pilot, SUPERVISOR_BADGE, ExceptionsScreen())


async def test_the_queue_oldest_first_filtered_and_acted_on_by_key(floor: Store) -> None:
    async with make_test_app(floor).run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        queue = rows(screen)
        assert [row[1] for row in queue] == ["held", "count", "short"]
        assert queue[0][3] == "buyer says [b]wait[/b]"  # text, not markup
        assert text(screen, "actions") == "F8 release · F7 cancel"
        await pilot.press("f2")  # short
        await wait_idle(pilot)
        assert [row[1] for row in rows(screen)] == ["short"]
        assert "F4 wait" in text(screen, "actions")
        await pilot.press("f8")
        await wait_idle(pilot)
        assert "does nothing" in text(screen, "feedback")
        await pilot.press("f4")
        await wait_idle(pilot)
        assert "ready for a later wave" in text(screen, "feedback")
        assert rows(screen) == []
        await pilot.press("f2", "f2")  # stuck, then held
        await wait_idle(pilot)
        assert [row[1] for row in rows(screen)] == ["held"]
        await pilot.press("f7")
        await wait_idle(pilot)
        assert "Press F7 again" in text(screen, "feedback")
        await pilot.press("f7")
        await wait_idle(pilot)
        assert rows(screen) == []
    assert (status(floor, "S-1"), status(floor, "H-1")) == (
        OrderStatus.READY,
        OrderStatus.CANCELLED,
    )


async def test_history_hold_by_scan_and_count_by_scan(floor: Store) -> None:
    import_orders(floor, order_record("N-1", {"CABLE-USB": 1}))
    async with make_test_app(floor).run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        await pilot.press("enter")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, HistoryScreen)
        history = pilot.app.screen.query_one(DataTable)
        assert [str(history.get_row_at(i)[2]) for i in range(history.row_count)][-1] == (
            "order.hold"
        )
        await pilot.press("escape")
        new_id = order_id(floor, "N-1")
        await scan(pilot, f"ORD-{new_id}")
        assert isinstance(pilot.app.screen, ReasonPrompt)
        await pilot.press(*"address <b>", "enter")
        await wait_idle(pilot)
        assert f"ORD-{new_id} is held" in text(screen, "feedback")
        await scan(pilot, "LOC-A01-02-1")
        assert "Count asked for" in text(screen, "feedback")
        assert [row[1] for row in rows(screen)].count("count") == 2
    assert status(floor, "N-1") == OrderStatus.HELD


async def test_put_back_by_scan_on_the_handheld(floor: Store) -> None:
    cancelled = order_id(floor, "S-1")
    assert cancel_order(floor, ADMIN, f"ORD-{cancelled}").intercepted
    socks = item_code(floor, SOCKS)
    async with make_test_app(floor, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, PICKER_BADGE, TasksScreen())
        assert text(screen, "waiting") == "To put back: 1 · To count: 1"
        await scan(pilot, "TOTE-0001")
        assert text(screen, "mode") == "Put back from TOTE-0001"
        await scan(pilot, socks)
        assert text(screen, "prompt") == f"Put it at {SHELF} and scan"
        await scan(pilot, "LOC-A01-01-1")
        assert "holds no SOCKS-3" in text(screen, "feedback")
        await scan(pilot, SHELF)
        await scan(pilot, socks)
        await scan(pilot, SHELF)
        assert f"ORD-{cancelled} is cancelled now" in text(screen, "feedback")
        assert text(screen, "waiting") == "To put back: 0 · To count: 1"
    assert check_floor(floor) == []


async def test_a_blind_count_on_the_handheld(floor: Store) -> None:
    socks = item_code(floor, SOCKS)
    async with make_test_app(floor, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, PICKER_BADGE, TasksScreen())
        await scan(pilot, "LOC-A01-01-1")
        assert "No count is asked for" in text(screen, "feedback")
        await scan(pilot, SHELF)
        assert text(screen, "mode") == f"Counting {SHELF}"
        for _unit in range(56):
            await scan(pilot, socks)
        assert text(screen, "what") == "56 counted · last SOCKS-3"
        await pilot.press("f3")
        await wait_idle(pilot)
        assert "by quantity" in text(screen, "feedback")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "SOCKS-3 -2" in text(screen, "feedback")  # 58 on the books, 56 counted
        assert text(screen, "mode") == "Put back or count"
    assert check_floor(floor) == []


def test_snapshot_exceptions_desk(floor: Store, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await open_desk(pilot)

    assert snap_compare(make_test_app(floor), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_tasks_with_an_item_in_hand(floor: Store, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert cancel_order(floor, ADMIN, f"ORD-{order_id(floor, 'S-1')}").intercepted
    assert request_counts(floor, ADMIN, ["LOC-A01-02-1"]).accepted

    async def run_before(pilot: Pilot) -> None:
        await open_screen(pilot, PICKER_BADGE, TasksScreen())
        await scan(pilot, "TOTE-0001")
        await scan(pilot, item_code(floor, SOCKS))

    assert snap_compare(make_test_app(floor, "HH-1"), terminal_size=(40, 16), run_before=run_before)
