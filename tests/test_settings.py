"""Warehouse-wide settings: `settings show|set` refuses a value of the wrong shape and changes
nothing; the feedback setting drives the bells and colours of every screen's feedback line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select
from textual.color import Color
from typer.testing import CliRunner

from tests.apphelpers import add_operators, log_in, make_test_app, wait_idle
from warehouse_tui.commands.settings import app as settings_app
from warehouse_tui.services.settings import DEFAULTS, set_setting, setting_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal

FEEDBACK = {"ok_bells": 2, "fail_bells": 4, "ok_colour": "#00ff00", "fail_colour": "#ff00ff"}


def run(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(settings_app, [*args, "--db", str(db)])


def set_value(db: Path, key: str, value: str, *options: str):  # type: ignore[no-untyped-def]
    """`settings set`, with `--` so a value such as -1 is not taken for an option."""
    return CliRunner().invoke(settings_app, ["set", *options, "--db", str(db), "--", key, value])


def shown(db: Path) -> dict[str, object]:
    result = run(db, "show", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("sqlite_store")  # the database at tmp_path / "floor.db"
def test_show_lists_every_setting_and_set_changes_one(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    assert shown(db) == DEFAULTS
    result = set_value(db, "feedback", json.dumps(FEEDBACK), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"feedback": FEEDBACK}
    assert set_value(db, "timezone", "Asia/Shanghai").exit_code == 0
    assert shown(db) == {**DEFAULTS, "feedback": FEEDBACK, "timezone": "Asia/Shanghai"}
    store = Store(str(db))
    with store.read() as session:
        changes = session.exec(select(Journal.raw).where(Journal.action == "setting.set")).all()
    store.dispose()
    assert changes == [f"feedback={json.dumps(FEEDBACK)}", 'timezone="Asia/Shanghai"']


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("nope", "1", "Unknown setting nope"),
        ("cart_totes", "2.5", "cart_totes must be like 12"),
        ("cart_totes", "-1", "cart_totes must be like 12"),
        ("weight_tolerance_pct", '"three"', "weight_tolerance_pct must be like 3.0"),
        ("timezone", "Mars/Olympus", "Unknown time zone Mars/Olympus"),
        ("feedback", '{"ok_bells": 1}', "feedback needs exactly the keys"),
        ("feedback", json.dumps({**FEEDBACK, "fail_bells": 40}), "between 0 and 9"),
        ("claim_lease_s", "0", "claim_lease_s must be between 30 and 86400"),
        ("duplicate_scan_window_ms", "5000", "between 0 and 2000"),
        ("box_fill_factor", "5", "between 0.1 and 1.0"),
        (
            "layout",
            json.dumps(
                {
                    "aisles": 12,
                    "aisle_length": 60.0,
                    "aisle_spacing": 3.0,
                    "depot_aisle": 0,
                    "cross_aisles": ["x"],
                }
            ),
            "cross_aisles[]",
        ),
        (
            "layout",
            json.dumps(
                {
                    "aisles": 12,
                    "aisle_length": 60.0,
                    "aisle_spacing": 3.0,
                    "depot_aisle": 0,
                    "cross_aisles": [90.0],
                }
            ),
            "layout: ",
        ),
        ("feedback", json.dumps({**FEEDBACK, "ok_colour": "green"}), "#rrggbb"),
    ],
)
@pytest.mark.usefixtures("sqlite_store")  # the database at tmp_path / "floor.db"
def test_a_value_of_the_wrong_shape_is_refused_and_changes_nothing(
    tmp_path: Path, key: str, value: str, reason: str
) -> None:
    db = tmp_path / "floor.db"
    result = set_value(db, key, value)
    assert result.exit_code == 1
    assert reason in result.stderr
    assert shown(db) == DEFAULTS


@given(
    st.sampled_from(sorted(DEFAULTS)),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=6,
    ),
)
def test_any_value_is_refused_or_accepted_without_raising(key: str, value: object) -> None:
    assert isinstance(setting_refusal(key, value), str)


async def test_the_feedback_setting_sets_bells_and_colours(sqlite_store: Store) -> None:
    add_operators(sqlite_store)
    with sqlite_store.write() as session:
        set_setting(session, "feedback", FEEDBACK)
    app = make_test_app(sqlite_store)
    rung: list[int] = []
    app.bell = lambda: rung.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-0999")  # no such badge: a refusal
        await pilot.pause(0.8)  # the bells are spaced out
        feedback = app.screen.query_one("#feedback")
        assert "fail" in feedback.classes
        assert feedback.styles.color == Color.parse("#ff00ff")
        assert len(rung) == 4
        assert app.get_css_variables()["scan-ok"] == "#00ff00"


@pytest.mark.parametrize(
    ("burst", "taken_as_scan"),
    [
        ({"min_length": 8, "max_key_interval_ms": 1000}, True),
        ({"min_length": 99, "max_key_interval_ms": 1000}, False),
    ],
)
async def test_the_wedge_burst_setting_decides_what_a_typed_field_takes_as_a_scan(
    sqlite_store: Store, burst: dict[str, int], taken_as_scan: bool
) -> None:
    """A supplier code with no shape of ours, typed fast into the PIN field: a scan (refused
    there as not a badge) or a PIN, as the setting says."""
    add_operators(sqlite_store)
    with sqlite_store.write() as session:
        set_setting(session, "wedge_burst", burst)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=(40, 16)) as pilot:
        await wait_idle(pilot)
        await pilot.click("#pin")
        await pilot.press(*"SUPPLIER-X1", "enter")
        await wait_idle(pilot)
        message = str(app.screen.query_one("#feedback").render())
        assert ("not a badge" in message) is taken_as_scan, message


async def test_a_changed_feedback_setting_reaches_a_running_station_at_the_next_log_in(
    sqlite_store: Store,
) -> None:
    add_operators(sqlite_store)
    app = make_test_app(sqlite_store)
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "OP-1000000001")
        assert app.get_css_variables()["scan-fail"] != "#ff00ff"
        with sqlite_store.write() as session:
            set_setting(session, "feedback", FEEDBACK)
        await pilot.press("ctrl+l")
        await log_in(pilot, "OP-1000000001")
        assert app.get_css_variables()["scan-fail"] == "#ff00ff"
