"""Nothing scanned is lost while a dialog is up, through the real app: item scans made while
the pack station's "How many?" or its help is open all count (80x24), an item scanned into the
handheld's short prompt counts, and a badge scanned while the log-in's help is open logs in
(40x16 and 80x24)."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input

from tests.apphelpers import add_operators, make_test_app, open_screen, scan, wait_idle
from tests.support.pack_screen import (
    STATION,
    done,
    floor_fixture,  # noqa: F401 (a fixture)
    open_pack,
)
from tests.support.packing_floor import MUG, Floor
from tests.support.picking_floor import SKUS, release_wave, seed_floor
from warehouse_tui.screens.base import HelpScreen
from warehouse_tui.screens.home import HomeScreen
from warehouse_tui.screens.picking import PickingScreen
from warehouse_tui.store.engine import Store
from warehouse_tui.widgets.number_prompt import NumberPrompt


async def test_item_scans_into_how_many_all_count(floor: Floor) -> None:
    floor.order({"MUG-1": 5}, tote="TOTE-0001")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(pilot.app.screen, NumberPrompt)
        assert isinstance(pilot.app.focused, Input)
        for _ in range(4):
            await scan(pilot, MUG)
            await asyncio.sleep(0.25)  # a hand's pace: outside the double-trigger window
        assert pilot.app.screen is screen
        assert done(screen) == ["MUG-1 4/5"]


async def test_an_item_scanned_over_the_help_counts(floor: Floor) -> None:
    floor.order({"MUG-1": 2}, tote="TOTE-0001")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await scan(pilot, MUG)
        await wait_idle(pilot)
        assert pilot.app.screen is screen
        assert done(screen) == ["MUG-1 1/2"]
        assert screen.query_one("#feedback").has_class("ok")


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_a_badge_scanned_over_the_log_in_help_logs_in(
    sqlite_store: Store, size: tuple[int, int]
) -> None:
    add_operators(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=size) as pilot:
        await wait_idle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await scan(pilot, "OP-1000000001")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_an_item_scanned_into_the_handhelds_short_prompt_counts(
    sqlite_store: Store, size: tuple[int, int]
) -> None:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 2}])
    async with make_test_app(sqlite_store).run_test(size=size) as pilot:
        screen = await open_screen(pilot, "OP-1000000001", PickingScreen())
        await pilot.press("f2")
        await wait_idle(pilot)
        for code in ("TOTE-0001", "LOC-A01-01-1", SKUS["MUG"].ean):
            await scan(pilot, code)
        await asyncio.sleep(0.25)  # a hand's pace: outside the double-trigger window
        await pilot.press("f4")  # short: "How many are really there?"
        await pilot.pause()
        assert isinstance(pilot.app.screen, NumberPrompt)
        await scan(pilot, SKUS["MUG"].ean)  # the second mug, scanned instead of typed
        await wait_idle(pilot)
        assert pilot.app.screen is screen
        assert str(screen.query_one("#prompt").render()) == "Scan the tote"
