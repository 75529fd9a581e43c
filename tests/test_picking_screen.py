"""The picking screen through Pilot at handheld (40x16) and station (80x24) sizes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from tests.apphelpers import make_test_app, open_screen, scan, wait_idle
from tests.support.picking_floor import SKUS, release_wave, seed_floor
from warehouse_tui.screens.picking import NumberPrompt, PickingScreen
from warehouse_tui.store.engine import Store

SIZES = [(40, 16), (80, 24)]
MUG, PEN = SKUS["MUG"].ean, SKUS["PEN"].ean


@pytest.fixture
def floor(sqlite_store: Store) -> Iterator[Store]:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 2, "PEN": 30}, {"TEE": 1}])
    yield sqlite_store


async def open_picking(pilot: Pilot) -> PickingScreen:
    return await open_screen(pilot, "OP-1000000001", PickingScreen())


def text(screen: PickingScreen, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())


@pytest.mark.parametrize("size", SIZES)
async def test_claim_totes_and_a_stop_walked_by_scans(floor: Store, size: tuple[int, int]) -> None:
    app = make_test_app(floor)
    async with app.run_test(size=size) as pilot:
        screen = await open_picking(pilot)
        await scan(pilot, "LOC-A01-01-1")
        assert "claim a pick list first" in text(screen, "feedback")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "Empty tote" in text(screen, "where")
        await scan(pilot, "TOTE-0001")
        await scan(pilot, "TOTE-0002")
        assert text(screen, "where") == "LOC-A01-01-1"
        assert text(screen, "prompt") == "Scan the location"
        await scan(pilot, "LOC-A02-05-1")
        assert "Wrong location" in text(screen, "feedback")
        assert screen.query_one("#feedback").has_class("fail")
        for code in ("LOC-A01-01-1", MUG, MUG):
            await scan(pilot, code)
        assert text(screen, "prompt") == "Scan the tote"
        await scan(pilot, "TOTE-0002")
        assert "this goes in TOTE-0001" in text(screen, "feedback")
        await scan(pilot, "TOTE-0001")
        assert text(screen, "where") == "LOC-A02-05-1"
        assert "stop 2/3" in text(screen, "progress")


async def test_typed_quantity_short_and_pause_keys(floor: Store) -> None:
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await open_picking(pilot)
        await pilot.press("f2")
        await wait_idle(pilot)
        for code in (
            "TOTE-0001",
            "TOTE-0002",
            "LOC-A01-01-1",
            MUG,
            MUG,
            "TOTE-0001",
            "LOC-A02-05-1",
            PEN,
        ):
            await scan(pilot, code)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, NumberPrompt)
        await pilot.press("2", "4", "enter")
        await wait_idle(pilot)
        assert text(screen, "how-many").startswith("Qty 25/30")
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("2", "8", "enter")
        await wait_idle(pilot)
        assert "Shortage recorded" in text(screen, "feedback")
        assert text(screen, "how-many").startswith("Qty 25/28")
        await pilot.press("f3")
        await wait_idle(pilot)
        assert "PAUSED" in text(screen, "prompt")
        await scan(pilot, PEN)
        assert "paused" in text(screen, "feedback")
        await pilot.press("f3")
        await wait_idle(pilot)
        assert text(screen, "prompt") == "Scan the item"


async def test_a_restarted_terminal_shows_the_same_stop(floor: Store) -> None:
    async with make_test_app(floor).run_test(size=(40, 16)) as pilot:
        await open_picking(pilot)
        await pilot.press("f2")
        await wait_idle(pilot)
        for code in ("TOTE-0001", "TOTE-0002", "LOC-A01-01-1", MUG):
            await scan(pilot, code)
    async with make_test_app(floor).run_test(size=(40, 16)) as pilot:
        screen = await open_picking(pilot)
        assert text(screen, "where") == "LOC-A01-01-1"
        assert text(screen, "how-many").startswith("Qty 1/2")
        assert text(screen, "prompt") == "Scan the item"


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_picking_stop(floor: Store, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await open_picking(pilot)
        await pilot.press("f2")
        await wait_idle(pilot)
        for code in ("TOTE-0001", "TOTE-0002", "LOC-A01-01-1", MUG, "4006381333932"):
            await scan(pilot, code)

    assert snap_compare(make_test_app(floor), terminal_size=size, run_before=run_before)
