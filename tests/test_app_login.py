"""The real app through Pilot: log in as each role at handheld and station sizes."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Static

from tests.apphelpers import (
    OPERATORS,
    add_operators,
    log_in,
    make_test_app,
    scan,
    type_keys,
    wait_idle,
)
from warehouse_tui.screens.home import HomeScreen
from warehouse_tui.screens.login import LoginScreen
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.models import Journal

SIZES = [(40, 16), (80, 24)]


@pytest.fixture
def floor(sqlite_store):  # type: ignore[no-untyped-def]
    add_operators(sqlite_store)
    return sqlite_store


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("badge", [op[1] for op in OPERATORS[:4]])
async def test_badge_login_each_role(floor, badge: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, badge)
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.badge == badge
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_pin_login_and_wrong_pin(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await pilot.click("#operator-id")
        await pilot.press("2", "enter", "9", "9", "9", "9", "enter")
        await wait_idle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "wrong PIN" in str(app.screen.query_one("#feedback").render())
        await pilot.click("#pin")
        await pilot.press(*"2222", "enter")
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)
    with floor.read() as session:
        rows = session.exec(select(Journal).where(Journal.action == "login")).all()
        assert [(r.accepted, r.operator_id) for r in rows] == [(False, 2), (True, 2)]
        assert rows[0].station == "TEST-1"


async def test_badge_scanned_into_pin_field_is_a_scan(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await pilot.click("#pin")
        await scan(pilot, "OP-1000000003")
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.role == "supervisor"


async def test_a_typed_badge_asks_for_the_pin(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await type_keys(pilot, "OP-1000000001")
        screen = app.screen
        assert isinstance(screen, LoginScreen) and app.operator is None
        assert "now type your PIN" in str(screen.query_one("#login-prompt", Static).render())
        assert "Esc" in str(screen.query_one("#login-hint", Static).render())
        assert screen.focused is screen.query_one("#pin")
        await type_keys(pilot, "0000")  # wrong: refused, the badge still waits
        assert isinstance(app.screen, LoginScreen)
        assert "wrong PIN" in str(app.screen.query_one("#feedback").render())
        await type_keys(pilot, "1111")
        assert isinstance(app.screen, HomeScreen)
        assert app.operator is not None and app.operator.id == 1


async def test_esc_forgets_a_typed_badge(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await type_keys(pilot, "OP-1000000001")
        await pilot.press("escape")
        hint = app.screen.query_one("#login-hint", Static)
        assert "type your ID and PIN" in str(hint.render())
        await scan(pilot, "OP-1000000002")  # a scanned badge logs in alone again
        assert app.operator is not None and app.operator.id == 2


async def test_a_typed_badge_on_the_home_screen_waits_for_its_pin(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-1000000001")
        await type_keys(pilot, "OP-1000000003")
        assert isinstance(app.screen, LoginScreen) and app.operator is None
        await type_keys(pilot, "3333")
        assert app.operator is not None and app.operator.role == "supervisor"


async def test_unknown_badge_refused(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-0999")
        assert isinstance(app.screen, LoginScreen)
        await scan(pilot, "4006381333931")
        assert "not a badge" in str(app.screen.query_one("#feedback").render())


async def test_chinese_operator_gets_chinese(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-1000000005")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f1")
        await pilot.pause()
        text = str(app.screen.query_one("#help-title").render())
        assert text == "首页"


async def test_f1_help_on_login(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert "badge" in str(app.screen.query_one("#help-text").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("badge", ["OP-1000000001", "OP-1000000003"])
def test_snapshot_home(floor, snap_compare, badge: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await log_in(pilot, badge)

    assert snap_compare(make_test_app(floor), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_login(floor, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_idle(pilot)

    assert snap_compare(make_test_app(floor), terminal_size=size, run_before=run_before)


async def test_a_service_that_raises_stops_the_app_with_its_error(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    shown: list[int] = []
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=(40, 16)) as pilot:
            await log_in(pilot, "OP-1000000001")
            app.screen.call_service(lambda: 1 // 0, then=shown.append)  # type: ignore[attr-defined]
            await app.services_done()
            await pilot.pause()
    assert shown == [] and app.return_code == 1


async def test_a_failing_result_handler_stops_the_app_too(floor) -> None:  # type: ignore[no-untyped-def]
    def fail(_result: int) -> None:
        raise LookupError("the screen could not show it")

    app = make_test_app(floor)
    with pytest.raises(LookupError):
        async with app.run_test(size=(40, 16)) as pilot:
            await log_in(pilot, "OP-1000000001")
            app.screen.call_service(lambda: 1, then=fail)  # type: ignore[attr-defined]
            await app.services_done()
            await pilot.pause()


async def test_a_scan_refused_by_the_screen_itself_is_journaled_too(floor) -> None:  # type: ignore[no-untyped-def]
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await scan(pilot, "LOC-A01-01-1")  # a location label where a badge is wanted
        await log_in(pilot, "OP-1000000001")
        await scan(pilot, "TOTE-0001")  # on the home screen, before choosing a screen
    with floor.read() as session:
        rows = session.exec(select(Journal).where(Journal.action == "scan")).all()
    assert [(r.raw, r.accepted, r.operator_id, r.station) for r in rows] == [
        ("LOC-A01-01-1", False, None, "TEST-1"),
        ("TOTE-0001", False, 1, "TEST-1"),
    ]
    assert "not a badge" in rows[0].reason and rows[1].screen == "HomeScreen"


async def test_a_double_triggered_badge_logs_in_once(floor) -> None:  # type: ignore[no-untyped-def]
    """Every screen refuses the same code twice inside the window: here the second badge read
    reaches the home screen and changes nothing."""
    with floor.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 60_000)
    app = make_test_app(floor)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-1000000001")
        await scan(pilot, "OP-1000000001")
        assert "double trigger" in str(app.screen.query_one("#feedback").render())
    with floor.read() as session:
        rows = session.exec(select(Journal).order_by(Journal.id)).all()
    assert [(r.action, r.accepted) for r in rows] == [("login", True), ("scan", False)]
    assert "double trigger" in rows[1].reason
