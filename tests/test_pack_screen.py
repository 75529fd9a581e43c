"""The pack station screen through Pilot at 80x24: scan, refuse, box, live weight from a
simulated MT-SICS scale on a pty, close and print; STOP; restart; snapshots."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select
from textual.containers import VerticalScroll

from tests.apphelpers import (
    make_test_app,
    scan,
    type_keys,
    wait_idle,
)
from tests.support.pack_screen import (
    STATION,
    done,
    floor_fixture,  # noqa: F401 (a fixture)
    open_pack,
    text,
    wait_for_steady_scale,
)
from tests.support.packing_floor import MUG, TOY, Floor
from warehouse_tui.services.packing import TYPED_WEIGHT
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.models import Journal, Operator, Order, Parcel
from warehouse_tui.widgets.pin_prompt import PinPrompt


async def test_pack_weigh_and_print_through_the_screen(floor: Floor, tmp_path: Path) -> None:
    order_id = floor.order({"MUG-1": 1, "TOY-1": 1}, tote="TOTE-0001")
    floor.order({"TEA-1": 1}, tote="TOTE-0002")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, MUG)
        assert "Scan a tote" in text(screen, "feedback")
        await scan(pilot, "TOTE-0001")
        assert "PCL-" in text(screen, "pack-head")
        await scan(pilot, MUG)
        assert screen.query_one("#feedback").has_class("ok")
        await scan(pilot, "5901234123457")  # tea: another order's item
        assert screen.query_one("#feedback").has_class("fail")
        assert "another order" in text(screen, "feedback")
        await scan(pilot, TOY)
        assert done(screen) == ["MUG-1 1/1", "TOY-1 1/1"]
        await pilot.press("f3")  # the suggested box
        await wait_idle(pilot)
        assert text(screen, "box") == "Box: BOX-S1"
        await wait_for_steady_scale(pilot, screen)  # the simulated scale now weighs the parcel
        await pilot.press("f5")
        await wait_idle(pilot)
        assert "weighed 660 g" in text(screen, "weight"), text(screen, "feedback")
        await pilot.press("f8")
        await wait_idle(pilot)
        assert "order packed" in text(screen, "feedback")
        assert "Label JJD0000000001" in text(screen, "weight")
    assert "JJD0000000001" in (tmp_path / "labels.zpl").read_text(encoding="utf-8")
    with floor.store.read() as session:
        assert session.get_one(Order, order_id).status == "packed"


async def test_a_wrong_weight_sends_the_parcel_back(floor: Floor) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await scan(pilot, TOY)
        await scan(pilot, "BOX-M1")
        await wait_for_steady_scale(pilot, screen)
        assert screen.simulated_scale is not None
        screen.simulated_scale.set_weight(2000)
        await asyncio.sleep(0.3)
        await wait_for_steady_scale(pilot, screen)
        await pilot.press("f5")
        await wait_idle(pilot)
        assert "WEIGHT WRONG" in text(screen, "feedback")
        assert done(screen) == ["TOY-1 0/1"]


async def test_an_intercepted_order_shows_stop(floor: Floor) -> None:
    order_id = floor.order({"TOY-1": 1}, tote="TOTE-0001")
    with floor.store.write() as session:
        session.get_one(Order, order_id).intercepted = True
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        assert text(screen, "feedback").startswith("STOP")
        assert screen.query_one("#feedback").has_class("fail")
        assert screen.parcel_id is None


async def test_a_restarted_station_continues_its_parcel(floor: Floor) -> None:
    floor.order({"MUG-1": 2}, tote="TOTE-0001")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await scan(pilot, MUG)
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        assert "continued" in text(screen, "feedback")
        assert done(screen) == ["MUG-1 1/2"]
        await pilot.press("f2")  # undo
        await wait_idle(pilot)
        assert done(screen) == ["MUG-1 0/2"]
    with floor.store.read() as session:
        assert len(session.exec(select(Parcel)).all()) == 1


async def test_typed_weight_needs_a_supervisor_badge_and_pin(floor: Floor) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    app = make_test_app(floor.store, station="PACK-BARE")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        assert text(screen, "scale") == "No scale at this station"
        for code in ("TOTE-0001", TOY, "BOX-S1"):
            await scan(pilot, code)
        for badge, pin, refusal in (
            ("OP-1000000002", "2222", "Ben Packer is not a supervisor"),  # the packer's own
            ("OP-1000000003", "0000", "wrong PIN"),
        ):
            await pilot.press("f6")
            await type_keys(pilot, "312")
            await scan(pilot, badge)
            assert isinstance(app.screen, PinPrompt)
            await type_keys(pilot, pin)
            assert refusal in text(screen, "feedback")
            assert "weighed —" in text(screen, "weight")
        await pilot.press("f6")
        await type_keys(pilot, "312")
        await scan(pilot, "OP-1000000003")
        await pilot.press("escape")  # the supervisor walks off: nothing is weighed
        await wait_idle(pilot)
        assert "No PIN typed" in text(screen, "feedback")
        assert "weighed —" in text(screen, "weight")
        await pilot.press("f6")
        await type_keys(pilot, "312")
        await scan(pilot, "OP-1000000003")
        await type_keys(pilot, "3333")
        assert "weighed 312 g" in text(screen, "weight")
    with floor.store.read() as session:
        rows = session.exec(select(Journal).where(Journal.action == TYPED_WEIGHT)).all()
        assert [(row.accepted, row.operator_id, row.authorised_by) for row in rows] == [
            (False, 2, None),
            (False, 2, None),
            (True, 2, 3),
        ]
        wrong = session.exec(
            select(Journal).where(Journal.action == "login", Journal.operator_id == 3)
        ).all()
        assert [row.reason for row in wrong] == ["Unknown badge or wrong PIN"]
        assert session.get_one(Operator, 3).failed_pins == 0  # the right PIN cleared the count


async def test_long_instructions_scroll_and_the_confirm_key_stays(floor: Floor) -> None:
    step = "wrap the mug in paper and tape it twice"
    instructions = " / ".join(f"step {n}: {step}" for n in range(12))
    floor.order({"MUG-1": 1}, tote="TOTE-0001", instructions=instructions)
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        assert "Labels to file:" in text(screen, "printer")
        await scan(pilot, "TOTE-0001")
        await pilot.pause()
        assert text(screen, "instructions-state") == "F4 to confirm · PgDn more"
        scroll = screen.query_one("#instructions", VerticalScroll)
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("f4")
        await wait_idle(pilot)
        await pilot.pause()
        assert text(screen, "instructions-state") == "Confirmed"


async def test_the_simulated_scale_is_a_little_off_and_sometimes_wrong(floor: Floor) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    floor.order({"TOY-1": 1}, tote="TOTE-0002")
    for tote, wrong_one_in, outcome in (("TOTE-0001", 0, "weighed"), ("TOTE-0002", 1, "WRONG")):
        with floor.store.write() as session:
            set_setting(session, "sim_scale", {"error_g": 8, "wrong_one_in": wrong_one_in})
        async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
            screen = await open_pack(pilot)
            for code in (tote, TOY, "BOX-M1"):
                await scan(pilot, code)
            await wait_for_steady_scale(pilot, screen)
            assert screen.view is not None and screen.view.expected_weight_g is not None
            assert screen.reading is not None
            off = screen.reading.grams - screen.view.expected_weight_g
            assert abs(off) <= 8 if wrong_one_in == 0 else off > 100
            await pilot.press("f5")
            await wait_idle(pilot)
            feedback = text(screen, "feedback") + text(screen, "weight")
            assert outcome in feedback
