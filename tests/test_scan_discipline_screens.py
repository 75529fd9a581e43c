"""The bypasses closed, through the real app and Pilot: a SKU's code typed at a stop, F5 with
nothing scanned (and the supervisor's badge and PIN that let it through), a made-up tote, a
missing, unknown or expired lot, at the handheld's 40x16 and a station's 80x24; the pack
station's typed SKU code and its supervisor approval at 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import col, select

from tests.apphelpers import make_test_app, open_screen, scan, type_keys, wait_idle
from tests.support.pack_screen import (
    STATION,
    done,
    floor_fixture,  # noqa: F401 (a fixture, `floor` in the pack test)
    open_pack,
)
from tests.support.pack_screen import text as pack_text
from tests.support.packing_floor import Floor
from tests.support.picking_floor import SKUS, release_wave, seed_floor
from warehouse_tui.screens.picking import NumberPrompt, PickingScreen
from warehouse_tui.services.packing import TYPED_QTY
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Sku, Stock
from warehouse_tui.widgets.pin_prompt import PinPrompt

SIZES = [(40, 16), (80, 24)]


@pytest.fixture
def pick_floor(sqlite_store: Store) -> Iterator[Store]:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"MUG": 1, "PEN": 30}])
    yield sqlite_store


def _text(screen: PickingScreen, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())


def _journal(store: Store, action: str) -> list[Journal]:
    with store.read() as session:
        return list(
            session.exec(select(Journal).where(Journal.action == action).order_by(col(Journal.id)))
        )


@pytest.mark.parametrize("size", SIZES)
async def test_picking_refuses_a_typed_code_an_unknown_tote_and_f5_without_a_scan(
    pick_floor: Store, size: tuple[int, int]
) -> None:
    app = make_test_app(pick_floor)
    async with app.run_test(size=size) as pilot:
        screen = await open_screen(pilot, "OP-1000000001", PickingScreen())
        await pilot.press("f2")
        await wait_idle(pilot)
        await scan(pilot, "TOTE-1")
        assert "no tote TOTE-1: scan a printed tote label" in _text(screen, "feedback")
        assert "Empty tote" in _text(screen, "where")
        for code in ("TOTE-0001", "LOC-A01-01-1"):
            await scan(pilot, code)
        await type_keys(pilot, "MUG")  # the code the screen shows, typed by hand
        assert "must be scanned from the item's barcode" in _text(screen, "feedback")
        assert _text(screen, "how-many").startswith("Qty 0/1")
        for code in (SKUS["MUG"].ean, "TOTE-0001", "LOC-A02-05-1"):
            await scan(pilot, code)

        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, NumberPrompt)
        await type_keys(pilot, "30")
        assert "Scan one PEN first" in _text(screen, "feedback")
        assert _text(screen, "how-many").startswith("Qty 0/30")
        await scan(pilot, "OP-1000000003")  # the supervisor comes over
        assert isinstance(app.screen, PinPrompt)
        await type_keys(pilot, "1234")
        assert _text(screen, "prompt") == "Scan the tote"
        assert _text(screen, "how-many").startswith("Qty 30/30")
    approved = [row for row in _journal(pick_floor, "pick.qty") if row.accepted]
    assert [(row.raw, row.keyed, row.authorised_by) for row in approved] == [("30", True, 3)]


async def test_the_pack_station_refuses_a_typed_code_unless_a_supervisor_approves(
    floor: Floor,
) -> None:
    floor.order({"MUG-1": 1, "TEA-1": 4}, tote="TOTE-0001")
    app = make_test_app(floor.store, station=STATION)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await type_keys(pilot, "MUG-1")
        assert "MUG-1 must be scanned from the item's barcode" in pack_text(screen, "feedback")
        await scan(pilot, "OP-1000000003")  # the mug's label is torn: the supervisor approves
        assert isinstance(app.screen, PinPrompt)
        await type_keys(pilot, "0000")
        assert "wrong PIN" in pack_text(screen, "feedback")
        await scan(pilot, "OP-1000000003")  # a second try
        await type_keys(pilot, "3333")
        assert done(screen) == ["MUG-1 1/1", "TEA-1 0/4"]
        await pilot.press("f7")
        await type_keys(pilot, "4")
        await type_keys(pilot, "TEA-1")  # its label is torn: the packer types the code
        assert "TEA-1 must be scanned" in pack_text(screen, "feedback")
        assert done(screen) == ["MUG-1 1/1", "TEA-1 0/4"]
        await scan(pilot, "OP-1000000003")
        assert isinstance(app.screen, PinPrompt)
        await type_keys(pilot, "3333")
        assert done(screen) == ["MUG-1 1/1", "TEA-1 4/4"]
    approved = [row for row in _journal(floor.store, TYPED_QTY) if row.accepted]
    assert [(row.raw, row.keyed, row.authorised_by) for row in approved] == [("TEA-1 x4", True, 3)]


@pytest.mark.parametrize("size", SIZES)
async def test_picking_refuses_a_missing_unknown_or_expired_lot_and_takes_the_right_one(
    sqlite_store: Store, size: tuple[int, int]
) -> None:
    seed_floor(sqlite_store)
    release_wave(sqlite_store, "pick-by-order", [{"CAP": 1}])
    with sqlite_store.write() as session:
        session.exec(select(Sku).where(Sku.code == "CAP")).one().batch_tracked = True
        allocated = session.exec(select(Stock).where(col(Stock.allocated) == 1)).one()
        allocated.batch, allocated.expiry = "L1", date(2030, 1, 1)
        expired = Stock(
            location_id=allocated.location_id,
            sku_id=allocated.sku_id,
            batch="L0",
            expiry=date(2020, 1, 1),
            on_hand=3,
        )
        session.add(expired)
    gs1 = f"(01)0{SKUS['CAP'].ean}(10)"
    app = make_test_app(sqlite_store)
    async with app.run_test(size=size) as pilot:
        screen = await open_screen(pilot, "OP-1000000001", PickingScreen())
        await pilot.press("f2")
        await wait_idle(pilot)
        for code in ("TOTE-0001", SKUS["CAP"].location):
            await scan(pilot, code)
        for code, words in (
            (SKUS["CAP"].ean, "scan the GS1 code with its batch"),
            (gs1 + "LX", "Batch LX of CAP is not stocked here"),
            (gs1 + "L0", "Batch L0 expires 2020-01-01"),
        ):
            await scan(pilot, code)
            assert words in _text(screen, "feedback")
            assert screen.query_one("#feedback").has_class("fail")
            assert _text(screen, "how-many").startswith("Qty 0/1")
        await scan(pilot, gs1 + "L1")
        assert _text(screen, "prompt") == "Scan the tote"
