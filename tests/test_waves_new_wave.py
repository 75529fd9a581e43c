"""A wave planned and released from the supervisor's wave desk (F6) through Pilot at 80x24:
previewed first, released only as previewed, refused with its reason; a picker cannot."""

from __future__ import annotations

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from tests.apphelpers import add_operators, make_test_app, open_screen, scan, wait_idle
from tests.support.waves_floor import add_order, stocked_floor
from warehouse_tui.screens.new_wave import NewWaveDialog
from warehouse_tui.screens.waves import WavesScreen
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Order, OrderStatus, Wave

SUPERVISOR = "OP-1000000003"


def _floor(store: Store) -> None:
    add_operators(store)
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)])
        add_order(session, 2, [("SKU-2", 1), ("SKU-3", 2)])
        add_order(session, 3, [("SKU-4", 1)])


def _said(dialog: NewWaveDialog) -> str:
    return str(dialog.query_one("#wave-preview", Static).render())


async def test_a_wave_is_previewed_then_released_from_the_desk(sqlite_store: Store) -> None:
    _floor(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await open_screen(pilot, SUPERVISOR, WavesScreen())
        await pilot.press("f6")
        await wait_idle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewWaveDialog)
        dialog.query_one("#items", Select).value = "single"
        await pilot.press("f10")
        assert "Preview first (F2)" in _said(dialog)
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "2 orders, 2 lines, 2 picks" in _said(dialog)
        assert "F10 releases this wave" in _said(dialog)
        dialog.query_one("#max-orders", Input).value = "1"  # rules changed: preview again
        await pilot.pause()
        await pilot.press("f10")
        assert "Preview first (F2)" in _said(dialog)
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "1 orders, 1 lines, 1 picks" in _said(dialog)
        await pilot.press("f10")
        await wait_idle(pilot)
        assert app.screen is desk
        assert "WAVE-1 released" in str(desk.query_one("#feedback").render())
        assert [str(cell) for cell in desk.query_one("#waves").get_row_at(0)][:2] == [
            "WAVE-1",
            "released",
        ]
    with sqlite_store.read() as session:
        (wave,) = session.exec(select(Wave)).all()
        assert wave.rules["single_item"] is True and wave.rules["max_orders"] == 1
        assert len(session.exec(select(Order).where(Order.wave_id == wave.id)).all()) == 1
        assert session.exec(select(Journal).where(Journal.action == "wave-release")).one()


async def test_bad_rules_and_an_empty_preview_say_why_and_release_nothing(
    sqlite_store: Store,
) -> None:
    _floor(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, SUPERVISOR, WavesScreen())
        await pilot.press("f6")
        dialog = app.screen
        assert isinstance(dialog, NewWaveDialog)
        dialog.query_one("#due-by", Input).value = "25h"
        await pilot.press("f2")
        assert "due-by is a local time written HH:MM" in _said(dialog)
        dialog.query_one("#due-by", Input).value = ""
        dialog.query_one("#carrier", Input).value = "NOPE"
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "No ready order matches these rules" in _said(dialog)
        await pilot.press("f10")
        assert "Preview first (F2)" in _said(dialog)
        await pilot.press("escape")
        await wait_idle(pilot)
        assert isinstance(app.screen, WavesScreen)
    with sqlite_store.read() as session:
        assert session.exec(select(Wave)).all() == []
        ready = session.exec(select(Order).where(Order.status == OrderStatus.READY)).all()
        assert len(ready) == 3  # the preview audited them; nothing was released


async def test_a_scan_while_the_dialog_is_up_reaches_the_desk(sqlite_store: Store) -> None:
    _floor(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await open_screen(pilot, SUPERVISOR, WavesScreen())
        await pilot.press("f6")
        await scan(pilot, "ORD-1")
        assert app.screen is desk
        assert "Split ORD-1" in str(desk.query_one("#feedback").render())


def test_snapshot_new_wave_previewed(sqlite_store: Store, snap_compare) -> None:  # type: ignore[no-untyped-def]
    _floor(sqlite_store)

    async def run_before(pilot: Pilot) -> None:
        await open_screen(pilot, SUPERVISOR, WavesScreen())
        await pilot.press("f6")
        await pilot.press("tab", "tab", *"DHL", "tab", "2", "f2")
        await wait_idle(pilot)

    assert snap_compare(make_test_app(sqlite_store), terminal_size=(80, 24), run_before=run_before)
