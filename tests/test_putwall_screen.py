"""The put-wall screen through Pilot at handheld (40x16) and station (80x24) sizes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from tests.apphelpers import make_test_app, open_screen, scan
from tests.support.picking_floor import PICKER, SKUS, release_wave, seed_floor, stop_scans
from warehouse_tui.screens.putwall import PutWallScreen
from warehouse_tui.services.picking import claim_next_task, scan_at_stop
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Station

SIZES = [(40, 16), (80, 24)]
MUG, TEE, CAP = SKUS["MUG"].ean, SKUS["TEE"].ean, SKUS["CAP"].ean


@pytest.fixture
def floor(sqlite_store: Store) -> Iterator[Store]:
    """A batch wave picked to the end, waiting at put wall 1 (station TEST-1)."""
    seed_floor(sqlite_store)
    with sqlite_store.write() as session:
        session.add(Station(name="TEST-1", kind="put-wall", wall=1))
    release_wave(sqlite_store, "batch", [{"MUG": 1, "TEE": 1}, {"MUG": 1}])
    task = claim_next_task(sqlite_store, PICKER)
    assert task is not None
    for code in stop_scans("MUG", 2, None) + stop_scans("TEE", 1, None):
        assert scan_at_stop(sqlite_store, PICKER, task.task_id, code).accepted
    yield sqlite_store


async def open_wall(pilot: Pilot, badge: str = "OP-1000000002") -> PutWallScreen:
    return await open_screen(pilot, badge, PutWallScreen())


def text(screen: PutWallScreen, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())


@pytest.mark.parametrize("size", SIZES)
async def test_item_slot_confirm_and_ready(floor: Store, size: tuple[int, int]) -> None:
    async with make_test_app(floor).run_test(size=size) as pilot:
        screen = await open_wall(pilot)
        assert text(screen, "wall-name") == "Put wall 1"
        await scan(pilot, MUG)
        assert text(screen, "slot") == "WALL-1-01"
        await scan(pilot, "WALL-1-02")
        assert "Wrong slot" in text(screen, "feedback")
        await scan(pilot, "WALL-1-01")
        assert text(screen, "order").endswith("1/2 in slot")
        await scan(pilot, MUG)
        await scan(pilot, "WALL-1-02")
        assert text(screen, "slot") == "WALL-1-02 READY"
        assert screen.query_one("#slot").has_class("ready")
        await scan(pilot, CAP)
        assert "No open order needs CAP" in text(screen, "feedback")
        assert text(screen, "prompt") == "Set it aside"


async def test_without_a_configured_wall_a_slot_scan_chooses_it(floor: Store) -> None:
    with floor.write() as session:
        session.delete(session.get(Station, 1))
    async with make_test_app(floor).run_test(size=(40, 16)) as pilot:
        screen = await open_wall(pilot)
        await scan(pilot, TEE)
        assert "slot label" in text(screen, "feedback")
        await scan(pilot, "WALL-1-03")
        assert text(screen, "wall-name") == "Put wall 1"
        await scan(pilot, TEE)
        assert text(screen, "slot") == "WALL-1-01"


async def test_a_restarted_terminal_shows_the_slot_of_the_item_in_hand(floor: Store) -> None:
    async with make_test_app(floor).run_test(size=(40, 16)) as pilot:
        await open_wall(pilot)
        await scan(pilot, TEE)
    async with make_test_app(floor).run_test(size=(40, 16)) as pilot:
        screen = await open_wall(pilot)
        assert text(screen, "slot") == "WALL-1-01"
        await scan(pilot, "WALL-1-01")
        assert text(screen, "feedback") == "In WALL-1-01"


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_put_wall_slot(floor: Store, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await open_wall(pilot)
        await scan(pilot, MUG)

    assert snap_compare(make_test_app(floor), terminal_size=size, run_before=run_before)
