"""The Receive screen on a handheld (40×16): a delivery opened by its reference, a case of a
batch-tracked item received by its GS1-128 label, put away by a shelf scan, closed with its
differences; refusals shown; the step read back after a restart."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from textual.pilot import Pilot

from tests.apphelpers import make_test_app, open_screen, scan, type_keys, wait_idle
from tests.support.goodsin_floor import (
    MUG_EAN,
    PIN,
    SHELF_2,
    TEA_BATCH_L1,
    TEA_EAN,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.screens.receive import ReceiveScreen
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.receipts import import_receipts
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal

BADGE, SUPERVISOR_BADGE = "OP-1000000001", "OP-1000000002"
DELIVERY = json.dumps(
    {"supplier": "ACME", "reference": "PO-7", "lines": [{"sku": "TEA", "qty": 24, "batch": "L1"}]}
)


@pytest.fixture(name="floor")
def goodsin_floor_fixture(sqlite_store: Store) -> GoodsInFloor:
    floor = build_goodsin_floor(sqlite_store)
    assert import_receipts(floor.store, floor.clerk, [DELIVERY]).accepted
    return floor


def text(screen: object, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())  # type: ignore[attr-defined]


async def test_a_delivery_received_put_away_and_closed(floor: GoodsInFloor) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, BADGE, ReceiveScreen())
        await scan(pilot, "PO-9")
        assert "No delivery PO-9 is expected" in text(screen, "feedback")
        await scan(pilot, "PO-7")
        assert text(screen, "mode") == "PO-7"
        await scan(pilot, TEA_EAN)
        assert "batch-tracked" in text(screen, "feedback")
        await scan(pilot, TEA_BATCH_L1)
        assert "12 of 24" in text(screen, "feedback")
        assert text(screen, "what") == "TEA: 12 to put away"
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "not put away yet" in text(screen, "feedback")
        await scan(pilot, SHELF_2)
        assert "12 put away" in text(screen, "feedback")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "12 short, 0 over" in text(screen, "feedback")
        assert text(screen, "prompt") == "Scan the delivery's reference"
    assert check_floor(floor.store) == []


async def test_the_screen_comes_back_at_the_same_step(floor: GoodsInFloor) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        await open_screen(pilot, BADGE, ReceiveScreen())
        await scan(pilot, "PO-7")
        await scan(pilot, TEA_BATCH_L1)
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, BADGE, ReceiveScreen())
        assert text(screen, "what") == "TEA: 12 to put away"


async def test_an_unexpected_delivery_opened_by_a_supervisors_badge(floor: GoodsInFloor) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, BADGE, ReceiveScreen())
        await scan(pilot, "DN-1")
        assert "scan a supervisor's badge" in text(screen, "feedback")
        await scan(pilot, SUPERVISOR_BADGE)
        await type_keys(pilot, "9999")  # a wrong PIN
        await type_keys(pilot, "ACME")
        assert "DN-1" not in text(screen, "mode")
        await scan(pilot, "DN-1")
        await scan(pilot, SUPERVISOR_BADGE)
        await type_keys(pilot, PIN)
        await type_keys(pilot, "ACME")
        assert text(screen, "mode") == "DN-1"
        await scan(pilot, MUG_EAN)
        assert "1 of 0 · 1 over" in text(screen, "feedback")
    with floor.store.read() as session:
        opened = session.execute(
            select(Journal).where(Journal.action == "receipts.open", Journal.accepted)
        ).scalar_one()
        assert (opened.operator_id, opened.authorised_by) == (
            floor.clerk.operator_id,
            floor.supervisor.operator_id,
        )


def test_snapshot_receive_40x16(floor: GoodsInFloor, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await open_screen(pilot, BADGE, ReceiveScreen())
        await scan(pilot, "PO-7")
        await scan(pilot, TEA_BATCH_L1)

    app = make_test_app(floor.store, station="HH-1")
    assert snap_compare(app, terminal_size=(40, 16), run_before=run_before)
