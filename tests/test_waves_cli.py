"""`wave preview|release`, `orders audit` and `route plan` through their own Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from tests.support.waves_floor import add_order, stocked_floor
from warehouse_tui.commands.waves import app
from warehouse_tui.domain.routing import plan_route_from_spec
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus

runner = CliRunner()


def _db(store: Store) -> str:
    return str(store.sqlite_path)


def _seeded(store: Store) -> str:
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)])
        add_order(session, 2, [("SKU-2", 1), ("SKU-3", 2)])
        add_order(session, 3, [("SKU-404", 1)])
    return _db(store)


def _json(output: str) -> dict:
    (line,) = output.splitlines()
    return json.loads(line)


def test_orders_audit_json(sqlite_store: Store) -> None:
    result = runner.invoke(app, ["orders", "audit", "--db", _seeded(sqlite_store), "--json"])
    assert result.exit_code == 0, result.output
    assert _json(result.stdout) == {"audited": 3, "ready": 2, "held": 1, "merge_groups": 0}


def test_orders_audit_lists_the_holds(sqlite_store: Store) -> None:
    result = runner.invoke(app, ["orders", "audit", "--db", _seeded(sqlite_store)])
    assert result.exit_code == 0
    assert "unknown SKU SKU-404" in result.stdout


def test_wave_preview_then_release(sqlite_store: Store) -> None:
    db = _seeded(sqlite_store)
    preview = runner.invoke(app, ["wave", "preview", "--strategy", "batch", "--db", db, "--json"])
    assert preview.exit_code == 0, preview.output
    summary = _json(preview.stdout)
    assert set(summary) == {"orders", "lines", "picks", "batches", "walk_m"}
    assert (summary["orders"], summary["lines"], summary["batches"]) == (2, 3, 1)
    assert set(summary["walk_m"]) == {"best", "s_shape", "pick_by_order"}
    assert summary["walk_m"]["best"] <= summary["walk_m"]["s_shape"]

    release = runner.invoke(app, ["wave", "release", "--strategy", "batch", "--db", db, "--json"])
    assert release.exit_code == 0, release.output
    released = _json(release.stdout)
    planned = {**summary, "walk_m": {"best": summary["walk_m"]["best"]}}  # a preview compares
    assert released == {**planned, "wave": released["wave"]}
    assert isinstance(released["wave"], int)
    with sqlite_store.read() as session:
        statuses = {o.shop_order_id: o.status for o in session.exec(select(Order))}
    assert statuses == {"1": OrderStatus.RELEASED, "2": OrderStatus.RELEASED, "3": OrderStatus.HELD}

    again = runner.invoke(app, ["wave", "release", "--db", db, "--json"])
    assert again.exit_code == 1
    assert _json(again.stdout)["error"] == "No ready order matches these wave rules"


def test_wave_preview_for_people(sqlite_store: Store) -> None:
    result = runner.invoke(app, ["wave", "preview", "--single-item", "--db", _seeded(sqlite_store)])
    assert result.exit_code == 0
    assert "1 orders, 1 lines, 1 picks on 1 pick lists" in result.stdout
    assert "0% less walking than picking order by order" in result.stdout  # one order: the same


def test_wave_usage_errors(sqlite_store: Store) -> None:
    db = _db(sqlite_store)
    both = runner.invoke(app, ["wave", "preview", "--single-item", "--multi-item", "--db", db])
    assert both.exit_code == 2
    strategy = runner.invoke(app, ["wave", "preview", "--strategy", "zone", "--db", db])
    assert strategy.exit_code == 2
    limit = runner.invoke(app, ["wave", "release", "--max-orders", "0", "--db", db])
    assert limit.exit_code == 2
    due = runner.invoke(app, ["wave", "preview", "--due-by", "noon", "--db", db])
    assert due.exit_code == 2 and "HH:MM" in due.output


def _spec(tmp_path: Path, spec: object) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


SPEC = {
    "layout": {
        "aisles": 4,
        "aisle_length": 20,
        "aisle_spacing": 3,
        "depot_aisle": 0,
        "cross_aisles": [10],
    },
    "picks": [{"aisle": 3, "position": 15}, {"aisle": 1, "position": 5}],
    "method": "optimal",
}


def test_route_plan_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["route", "plan", _spec(tmp_path, SPEC), "--json"])
    assert result.exit_code == 0, result.output
    answer = _json(result.stdout)
    assert answer == plan_route_from_spec(SPEC)
    assert answer["exact"] is True and sorted(answer["sequence"]) == [0, 1]
    # depot (0, 0) → (1, 5) → over the middle cross-aisle to (3, 15) → back: 2×9 + 2×15
    assert answer["length"] == 48.0


def test_route_plan_refuses_bad_specs_clearly(tmp_path: Path) -> None:
    bad = runner.invoke(
        app, ["route", "plan", _spec(tmp_path, {**SPEC, "method": "fast"}), "--json"]
    )
    assert bad.exit_code == 1
    assert "unknown routing method 'fast'" in _json(bad.stdout)["error"]
    missing = runner.invoke(app, ["route", "plan", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    (tmp_path / "torn.json").write_text('{"layout": ', encoding="utf-8")
    torn = runner.invoke(app, ["route", "plan", str(tmp_path / "torn.json")])
    assert torn.exit_code == 1 and "not valid JSON" in torn.stderr


def test_wave_pause_resume_and_cancel_for_scripts(sqlite_store: Store) -> None:
    db = _seeded(sqlite_store)
    wave = _json(runner.invoke(app, ["wave", "release", "--db", db, "--json"]).stdout)["wave"]

    def change(action: str) -> tuple[int, dict]:
        result = runner.invoke(app, ["wave", action, str(wave), "--db", db, "--json"])
        return result.exit_code, _json(result.stdout)

    assert change("pause") == (0, {"wave": wave, "status": "paused"})
    assert change("pause")[0] == 1  # already paused: refused, nothing changes
    assert change("resume") == (0, {"wave": wave, "status": "released"})
    assert change("cancel") == (0, {"wave": wave, "status": "cancelled"})
    code, refused = change("resume")
    assert code == 1 and refused["wave"] == wave and "cancelled" in refused["error"]
    with sqlite_store.read() as session:
        statuses = {o.shop_order_id: o.status for o in session.exec(select(Order))}
    assert statuses == {"1": OrderStatus.READY, "2": OrderStatus.READY, "3": OrderStatus.HELD}
    missing = runner.invoke(app, ["wave", "pause", "999", "--db", db])
    assert missing.exit_code == 1 and "No such wave: 999" in missing.stderr
