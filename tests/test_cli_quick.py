"""The read-only commands answered before typer is imported (warehouse_tui/quick.py): the same
bytes as typer prints, and every case they do not answer left to typer with nothing printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import revision_before_head
from tests.factories import busy_floor, pack_and_label, pick, picked_totes
from warehouse_tui import quick
from warehouse_tui.cli import app
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade

HEAVY = ("typer", "click", "rich", "sqlalchemy", "sqlmodel", "textual", "alembic", "psycopg")
ROUTE = {
    "layout": {
        "aisles": 8,
        "aisle_length": 30,
        "aisle_spacing": 3,
        "depot_aisle": 0,
        "cross_aisles": [10, 20],
    },
    "picks": [{"aisle": a, "position": p} for a, p in ((1, 4), (6, 25), (3, 15), (7, 2))],
    "method": "best",
}


@pytest.fixture
def floor_db(sqlite_store: Store, tmp_path: Path) -> str:
    """A floor with a packed order (its lines, parcel and journal) and others released."""
    floor = busy_floor(sqlite_store, 3, cart_totes=1)
    pick(sqlite_store, floor.pickers[0], totes=["TOTE-0001"])
    [tote] = picked_totes(sqlite_store).values()
    pack_and_label(sqlite_store, floor.packers[0], tote, tmp_path / "labels.zpl")
    return str(sqlite_store.sqlite_path)


def quick_answer(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int | None, str]:
    status = quick.run(argv)
    return status, capsys.readouterr().out


def typer_answer(argv: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, argv)
    return result.exit_code, result.stdout


def test_quick_answers_are_typers_bytes(
    floor_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "route.json"
    spec.write_text(json.dumps(ROUTE))
    for argv in (
        ["--db", floor_db, "status", "--json"],
        ["status", "--json", f"--db={floor_db}"],
        ["--db", floor_db, "order", "show", "ORD-1", "--json"],
        ["--station", "X", "order", "show", "--json", "2", "--db", floor_db],
        ["barcode", "inspect", "4006381333931", "ORD-12", "LOC-A03-12-2", "x\x1b[2J", "--json"],
        ["route", "plan", str(spec), "--json"],
    ):
        status, out = quick_answer(argv, capsys)
        assert (status, out) == typer_answer(argv), argv
    _status, shown = quick_answer(["--db", floor_db, "order", "show", "1", "--json"], capsys)
    summary = json.loads(shown)
    assert summary["status"] == "packed" and summary["parcels"] and summary["journal"]
    by_shop = ["--db", floor_db, "order", "show", f"{summary['shop']}:{summary['shop_order_id']}"]
    assert quick_answer([*by_shop, "--json"], capsys) == (0, shown)
    assert all(entry["at"].endswith("+00:00") for entry in summary["journal"])


def test_what_quick_does_not_answer_is_left_to_typer_unprinted(
    floor_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    behind = tmp_path / "behind.db"
    store = Store(str(behind))
    upgrade(store, revision_before_head())
    store.dispose()
    bad_spec = tmp_path / "bad.json"
    bad_spec.write_text("{not json")
    for argv in (
        ["--db", floor_db, "status"],  # tables for people: rich's
        ["--db", floor_db, "status", "--json", "--help"],
        ["--db", floor_db, "status", "--json", "--verbose"],
        ["--db", floor_db, "status", "--json", "extra"],
        ["--db", str(behind), "status", "--json"],  # typer words the refusal
        ["--db", str(tmp_path / "none.db"), "status", "--json"],
        ["--db", "postgresql://nobody@127.0.0.1:1/x", "status", "--json"],
        ["--db", floor_db, "order", "show", "ORD-999", "--json"],
        ["--db", floor_db, "order", "show", "--json"],
        ["--db", floor_db, "barcode", "inspect", "4006381333931", "--json"],  # resolves: ORM
        ["barcode", "inspect", "--json"],
        ["route", "plan", str(bad_spec), "--json"],
        ["route", "plan", str(tmp_path / "missing.json"), "--json"],
        ["order", "cancel", "1", "--json"],
        ["--db"],
    ):
        assert quick_answer(argv, capsys) == (None, ""), argv


def test_a_quick_command_imports_no_command_line_or_orm(floor_db: str) -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from warehouse_tui import quick;"
            f"status = quick.run(['--db', {floor_db!r}, 'order', 'show', '1', '--json']);"
            "status = status, quick.run(['barcode', 'inspect', '4006381333931', '--json']);"
            f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}));"
            "print(repr((status, heavy)), file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stderr.strip() == "((0, 0), [])"
