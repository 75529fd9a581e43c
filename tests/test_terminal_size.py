"""Below 40x16 every floor screen says the terminal is too small instead of drawing a clipped
screen, still takes scans, and comes back whole when the terminal grows."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tests.apphelpers import add_operators, make_test_app, scan, wait_idle
from warehouse_tui.screens.home import HomeScreen
from warehouse_tui.screens.login import LoginScreen
from warehouse_tui.store.engine import Store


def _message(app_screen: object) -> Static | None:
    from textual.screen import Screen

    assert isinstance(app_screen, Screen)
    found = app_screen.query("#too-small")
    return found.first(Static) if found and found.first().display else None


@pytest.mark.parametrize("size", [(39, 16), (40, 15), (20, 8)])
async def test_too_small_says_so_and_still_takes_a_badge(
    sqlite_store: Store, size: tuple[int, int]
) -> None:
    add_operators(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=size) as pilot:
        await wait_idle(pilot)
        assert isinstance(app.screen, LoginScreen)
        message = _message(app.screen)
        assert message is not None
        assert str(message.render()) == "Terminal too small: 40×16 needed"
        assert not app.screen.query_one("#login").display
        await scan(pilot, "OP-1000000001")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert _message(app.screen) is not None


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
async def test_at_40x16_and_up_the_screen_is_drawn(
    sqlite_store: Store, size: tuple[int, int]
) -> None:
    add_operators(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=(30, 10)) as pilot:
        await wait_idle(pilot)
        assert _message(app.screen) is not None
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert _message(app.screen) is None
        assert app.screen.query_one("#login").display
