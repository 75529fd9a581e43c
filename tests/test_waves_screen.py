"""The supervisor's wave desk through Pilot at 80x24: the board, pause/resume/cancel a wave,
release a quiet pick list, split a merged shipment on a supervisor's badge; and the board's
read model on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.apphelpers import make_test_app, open_screen, scan, type_keys, wait_idle
from tests.support.picking_floor import (
    PICKER,
    PICKER_2,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
    seed_floor,
)
from warehouse_tui.screens.waves import WavesScreen
from warehouse_tui.services.picking import claim_next_task
from warehouse_tui.services.supervision import wave_board
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Operator, Order, PickTask, Wave, utcnow
from warehouse_tui.widgets.pin_prompt import PinPrompt

QUIET = timedelta(minutes=12, seconds=30)


def quiet_claim(store: Store) -> tuple[int, int]:
    """Two claimed pick lists of one wave; the first one's handheld went quiet 12 minutes ago."""
    first, second = claim_next_task(store, PICKER), claim_next_task(store, PICKER_2)
    assert first is not None and second is not None
    with store.write() as session:
        session.get_one(PickTask, first.task_id).heartbeat_at = utcnow() - QUIET
    return first.task_id, second.task_id


def merged_pair(store: Store) -> tuple[int, int]:
    with store.write() as session:
        orders = [
            Order(
                shop="web",
                shop_order_id=f"M-{n}",
                buyer_id="B9",
                status="ready",
                merge_group="M9",
                ship_name="Mia",
            )
            for n in (1, 2)
        ]
        session.add_all(orders)
        session.flush()
        assert orders[0].id is not None and orders[1].id is not None
        return orders[0].id, orders[1].id


@pytest.fixture(name="desk")
def desk_fixture(sqlite_store: Store) -> Iterator[Store]:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 2}, {"TEE": 1}], orders_per_task=1)
    release_wave(sqlite_store, "batch", [{"CAP": 1}, {"MUG": 1}], link_allocations=False)
    yield sqlite_store


async def open_desk(pilot: Pilot) -> WavesScreen:
    return await open_screen(pilot, "OP-1000000003", WavesScreen())


def rows(screen: WavesScreen, table: str) -> list[list[str]]:
    data = screen.query_one(f"#{table}", DataTable)
    return [[str(cell) for cell in data.get_row_at(index)] for index in range(data.row_count)]


def feedback(screen: WavesScreen) -> str:
    return str(screen.query_one("#feedback").render())


def test_the_board_counts_waves_lists_units_and_quiet_claims(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 2}, {"TEE": 1}], orders_per_task=1)
    quiet, _heard = quiet_claim(floor)
    with floor.write() as session:
        flagged = session.exec(select(Order).order_by(Order.id)).first()
        assert flagged is not None
        flagged.hold_reason = "Short 1 × MUG (not at LOC-A01-01-1, none free elsewhere)"
    board = wave_board(floor)
    [wave] = board.waves
    assert (wave.status, wave.orders, wave.flagged, wave.units_picked, wave.units) == (
        "picking",
        2,
        1,
        0,
        3,
    )  # claiming a list starts the wave
    assert [(c.task_id, c.stale) for c in board.claims] == [(quiet, True), (quiet + 1, False)]
    assert board.claims[0].picker == "Ana Picker" and board.claims[0].stops == 1
    assert 12 * 60 <= board.claims[0].quiet_s < 13 * 60


def test_a_picked_wave_stays_on_the_board_until_its_last_order_ships(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 2}, {"TEE": 1}], orders_per_task=1)

    def picked_and(statuses: tuple[str, str]) -> list[tuple[str, int, int, int]]:
        with floor.write() as session:
            session.exec(select(Wave)).one().status = "done"
            for order, status in zip(
                session.exec(select(Order).order_by(Order.id)), statuses, strict=True
            ):
                order.status = status
        return [(w.status, w.orders, w.packed, w.shipped) for w in wave_board(floor).waves]

    assert picked_and(("picked", "picked")) == [("done", 2, 0, 0)]
    assert picked_and(("shipped", "packed")) == [("done", 2, 2, 1)]
    assert picked_and(("shipped", "cancelled")) == []


async def test_a_pick_list_claimed_on_a_handheld_shows_within_a_second(desk: Store) -> None:
    """The desk reads again when another terminal commits, not on a timer."""
    app = make_test_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        assert rows(screen, "claims") == []
        claimed = await asyncio.to_thread(claim_next_task, desk, PICKER)
        assert claimed is not None
        committed = time.monotonic()
        while not rows(screen, "claims") and time.monotonic() - committed < 5:
            await pilot.pause(0.02)
        assert rows(screen, "claims")[0][0] == f"PICK-{claimed.task_id}"
        assert time.monotonic() - committed < 1.0


async def test_pause_resume_and_cancel_a_wave(desk: Store) -> None:
    app = make_test_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        assert [row[:2] for row in rows(screen, "waves")] == [
            ["WAVE-1", "released"],
            ["WAVE-2", "released"],
        ]
        await pilot.press("f2")
        await wait_idle(pilot)
        assert rows(screen, "waves")[0][1] == "paused"
        assert "WAVE-1 is now paused" in feedback(screen)
        await pilot.press("f2")
        await wait_idle(pilot)
        assert rows(screen, "waves")[0][1] == "released"
        await pilot.press("down", "f3")
        await wait_idle(pilot)
        assert "Press F3 again" in feedback(screen)
        with desk.read() as session:
            assert session.get_one(Wave, 2).status == "released"  # not yet
        await pilot.press("f3")
        await wait_idle(pilot)
        assert [row[0] for row in rows(screen, "waves")] == ["WAVE-1"]
    with desk.read() as session:
        assert session.get_one(Wave, 2).status == "cancelled"
        actions = session.exec(select(Journal.action).where(Journal.action.startswith("wave-")))
        assert list(actions) == ["wave-pause", "wave-resume", "wave-cancel"]


async def test_quiet_pick_lists_are_released_by_the_supervisor(desk: Store) -> None:
    quiet, heard = quiet_claim(desk)
    app = make_test_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        claims = rows(screen, "claims")
        assert [row[0] for row in claims] == [f"PICK-{quiet}", f"PICK-{heard}"]
        assert claims[0][5] == "QUIET · 12 min ago" and claims[1][5] == "just now"
        await pilot.press("f5")
        await wait_idle(pilot)
        assert feedback(screen) == f"Released: PICK-{quiet}"
        assert [row[0] for row in rows(screen, "claims")] == [f"PICK-{heard}"]
        await pilot.press("tab", "f4")  # the one still heard from, released by hand
        await wait_idle(pilot)
        assert rows(screen, "claims") == []
    with desk.read() as session:
        assert {session.get_one(PickTask, t).status for t in (quiet, heard)} == {"open"}


async def test_a_merged_order_is_split_on_a_supervisors_badge_and_pin(desk: Store) -> None:
    first, second = merged_pair(desk)
    app = make_test_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        for badge, pin, refusal in (
            ("OP-1000000001", "1234", "Ana Picker is not a supervisor"),  # a picker's own
            ("OP-1000000003", "0000", "wrong PIN"),
        ):
            await scan(pilot, f"ORD-{first}")
            assert "Scan a supervisor's badge" in feedback(screen)
            await scan(pilot, badge)
            assert isinstance(app.screen, PinPrompt)
            await type_keys(pilot, pin)
            assert "needs a supervisor's badge and PIN" in feedback(screen)
            assert refusal in feedback(screen)
        with desk.read() as session:
            assert session.get_one(Operator, 3).failed_pins == 1
        await scan(pilot, f"ORD-{first}")
        await scan(pilot, "OP-1000000003")
        await type_keys(pilot, "1234")
        assert feedback(screen) == f"ORD-{first} ships on its own now"
    with desk.read() as session:
        split = session.get_one(Order, first)
        assert (split.no_merge, split.merge_group) == (True, None)
        assert session.get_one(Order, second).merge_group is None  # alone now: no group
        rows = session.exec(select(Journal).where(Journal.action == "merge-split")).all()
        assert [(row.accepted, row.authorised_by) for row in rows] == [
            (False, None),
            (False, None),
            (True, 3),
        ]


async def test_a_locked_supervisor_splits_nothing(desk: Store) -> None:
    first, _second = merged_pair(desk)
    with desk.write() as session:
        session.get_one(Operator, 3).locked_until = utcnow() + timedelta(minutes=5)
    app = make_test_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        await scan(pilot, f"ORD-{first}")
        await scan(pilot, "OP-1000000003")
        await type_keys(pilot, "1234")
        assert "Locked after wrong PINs" in feedback(screen)
    with desk.read() as session:
        assert not session.get_one(Order, first).no_merge


def test_snapshot_wave_desk(desk: Store, snap_compare) -> None:  # type: ignore[no-untyped-def]
    quiet_claim(desk)

    async def run_before(pilot: Pilot) -> None:
        await open_desk(pilot)

    assert snap_compare(make_test_app(desk), terminal_size=(80, 24), run_before=run_before)
