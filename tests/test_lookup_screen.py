"""F12 looks up a product on every floor screen (40x16 and 80x24): by a scan of any of its codes
or by its typed SKU, the same card as `product show`; an unknown code says so; scans made while
the look-up is open are look-ups; before log-in F12 says to log in first."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.apphelpers import make_test_app, scan, type_keys, wait_idle
from tests.support.pack_screen import (
    STATION,
    floor_fixture,  # noqa: F401 (a fixture)
    open_pack,
)
from tests.support.packing_floor import MUG, MUG_CASE, Floor
from warehouse_tui.screens.home import HomeScreen
from warehouse_tui.screens.lookup import LookupScreen


def card(pilot: Pilot) -> str:
    screen = pilot.app.screen
    assert isinstance(screen, LookupScreen)
    return str(screen.query_one("#lookup-card").render())


async def open_lookup(pilot: Pilot) -> None:
    await pilot.press("f12")
    await wait_idle(pilot)
    assert isinstance(pilot.app.screen, LookupScreen)


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_look_up_on_the_home_screen(floor: Floor, size: tuple[int, int]) -> None:
    async with make_test_app(floor.store, station=STATION).run_test(size=size) as pilot:
        await wait_idle(pilot)
        await scan(pilot, "OP-1000000001")  # a picker, on a handheld's home screen
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        await open_lookup(pilot)
        await scan(pilot, MUG_CASE)  # the case code finds the product too
        assert card(pilot).startswith("MUG-1")
        assert f"{MUG_CASE} ×6" in card(pilot)
        assert "Open demand" in card(pilot)
        await type_keys(pilot, "NOPE-9")
        assert card(pilot) == "No product has the code NOPE-9"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_look_up_over_the_pack_station_leaves_the_parcel_alone(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await open_lookup(pilot)
        await scan(pilot, MUG)  # a look-up, not an item packed
        assert MUG in card(pilot)
        await type_keys(pilot, "MUG-1")
        assert card(pilot).startswith("MUG-1")
        await pilot.press("escape")
        await wait_idle(pilot)
        assert pilot.app.screen is screen
        assert screen.view is not None
        assert [line.packed for line in screen.view.lines] == [0]


async def test_before_log_in_f12_says_log_in_first(floor: Floor) -> None:
    async with make_test_app(floor.store, station=STATION).run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await pilot.press("f12")
        await wait_idle(pilot)
        assert not isinstance(pilot.app.screen, LookupScreen)
        assert "Log in first" in str(pilot.app.screen.query_one("#feedback").render())
