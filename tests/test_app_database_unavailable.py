"""The app on a database that did not open: the log-in screen stays, each scan or PIN is
refused with the reason, and nothing ends in a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apphelpers import log_in, scan, wait_idle
from warehouse_tui.app import WarehouseApp
from warehouse_tui.screens.login import LoginScreen


def not_a_database(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "notes.db"
    path.write_text("orders to ship today\n")
    return str(path), "is not a SQLite database"


def unreachable_server(_tmp_path: Path) -> tuple[str, str]:
    return "postgresql://postgres@127.0.0.1:1/test", "Connection refused"


@pytest.mark.parametrize("bad", [not_a_database, unreachable_server])
async def test_log_in_is_refused_with_the_reason(tmp_path: Path, bad) -> None:  # type: ignore[no-untyped-def]
    db, reason = bad(tmp_path)
    app = WarehouseApp(db, "TEST-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-1000000001")
        assert isinstance(app.screen, LoginScreen)
        feedback = str(app.screen.query_one("#feedback").render())
        assert reason in feedback and "Traceback" not in feedback
        await pilot.click("#operator-id")
        await pilot.press("1", "enter", *"1111", "enter")
        await wait_idle(pilot)
        await pilot.press("escape")
        await scan(pilot, "OP-1000000002")  # still usable: the next try is refused the same way
        assert reason in str(app.screen.query_one("#feedback").render())
    assert app.return_code in (0, None)
    assert app.store_error.count("\n") == 0 and reason in app.store_error
