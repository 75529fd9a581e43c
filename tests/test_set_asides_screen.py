"""Units refused at the pack station, ended on the supervisor's Exceptions desk (80x24) through
Pilot: a wrong lot's set-aside shows where the unit waits and where it goes, F8 scraps it after
asking why, F9 puts another back on its shelf, and stock and ledger agree after; F3 records a
serial from before serials were received as received (asking why), and the unit packs."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from tests.apphelpers import make_test_app, open_screen, wait_idle
from tests.support.pack_screen import floor_fixture  # noqa: F401 (a fixture)
from tests.support.packing_floor import (
    PACKER,
    PHONE_GS1,
    SHELF,
    SYRUP_GS1,
    Floor,
    packed_of,
    start,
)
from warehouse_tui.screens.exceptions import ExceptionsScreen, ReasonPrompt
from warehouse_tui.services import packing
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.receipts import open_unexpected, receive_scan
from warehouse_tui.store.models import Stock, StockMove


def text(screen: object, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())  # type: ignore[attr-defined]


def _two_wrong_lots(floor: Floor) -> dict[str, int]:
    """An order of syrup picked from L1, refused a unit of L9 and one of L8 (5 of each on the
    shelf); the two lots' stock ids."""
    floor.order({"SYR-1": 2}, tote="TOTE-0001", lots={"SYR-1": ["L1"]})
    floor.order({"SYR-1": 2}, status="new", lots={"SYR-1": ["L9", "L8"]})  # makes the lots
    lots: dict[str, int] = {}
    with floor.store.write() as session:
        for batch in ("L9", "L8"):
            lot = session.exec(select(Stock).where(Stock.batch == batch)).one()
            lot.on_hand, lot.allocated = 5, 0
            session.add(
                StockMove(
                    sku_id=lot.sku_id,
                    location_id=lot.location_id,
                    batch=batch,
                    delta=5,
                    reason="receive",
                )
            )
            assert lot.id is not None
            lots[batch] = lot.id
    parcel_id = start(floor, "TOTE-0001")
    for batch in ("L9", "L8"):
        refused = packing.verify_scan(floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch=batch))
        assert not refused.accepted
    return lots


def _lot_and_ledger(floor: Floor, lot_id: int) -> tuple[int, int]:
    with floor.store.read() as session:
        lot = session.get_one(Stock, lot_id)
        ledger = session.exec(
            select(func.sum(StockMove.delta)).where(StockMove.batch == lot.batch)
        ).one()
        return lot.on_hand, int(ledger or 0)


async def test_the_desk_scraps_one_wrong_lot_and_puts_the_other_back(floor: Floor) -> None:
    lots = _two_wrong_lots(floor)
    async with make_test_app(floor.store).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, "OP-1000000003", ExceptionsScreen())
        assert "in the set-aside tote at PACK-1" in text(screen, "detail")
        assert SHELF in text(screen, "detail")
        assert text(screen, "actions") == "F9 all back on the shelf · F8 scrap · F10 settled"
        await pilot.press("f8")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, ReasonPrompt)
        await pilot.press(*"crushed", "enter")
        await wait_idle(pilot)
        assert "Scrapped: written off batch L9" in text(screen, "feedback")
        await pilot.press("f9")
        await wait_idle(pilot)
        assert f"Back on the shelf at {SHELF}" in text(screen, "feedback")
        assert "Nothing waits" in text(screen, "detail")
    assert _lot_and_ledger(floor, lots["L9"]) == (4, 4)
    assert _lot_and_ledger(floor, lots["L8"]) == (5, 5)


async def test_the_desk_receives_a_serial_from_before_serials_and_the_unit_packs(
    floor: Floor,
) -> None:
    desk = Actor(3, "DESK-1", "test")
    opened = open_unexpected(floor.store, desk, "ACME", "PO-1")
    assert opened.receipt_id is not None
    assert receive_scan(
        floor.store, desk, opened.receipt_id, PHONE_GS1.format(serial="R1")
    ).accepted
    order_id = floor.order({"PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    old_unit = PHONE_GS1.format(serial="OLD7")
    assert not packing.verify_scan(floor.store, PACKER, parcel_id, old_unit).accepted
    async with make_test_app(floor.store).run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, "OP-1000000003", ExceptionsScreen())
        assert "OLD7" in text(screen, "detail")
        assert text(screen, "actions") == "F3 serial received · F10 settled"
        await pilot.press("f3")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, ReasonPrompt)
        await pilot.press(*"old stock", "enter")
        await wait_idle(pilot)
        assert "Serial OLD7 of PHN-1 is received" in text(screen, "feedback")
        assert "Nothing waits" in text(screen, "detail")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, old_unit).accepted
    assert packed_of(floor.store, order_id) == {"PHN-1": 1}
