"""The `import`, `order show|cancel` and `status` commands: output contracts and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.support.import_files import good_order
from warehouse_tui.commands import orders as order_commands
from warehouse_tui.commands.importing import import_cmd
from warehouse_tui.domain.states import FLOOR_STATUSES
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import WaveStatus


def command_app() -> typer.Typer:
    app = typer.Typer()
    app.command("import")(import_cmd)
    app.add_typer(order_commands.app, name="order")
    app.command("status")(order_commands.status)
    return app


@pytest.fixture
def run(sqlite_store: Store):  # type: ignore[no-untyped-def]
    db = str(sqlite_store.sqlite_path)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(command_app(), [*args, "--db", db])

    return invoke


def write(tmp_path: Path, name: str, *records: object) -> str:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(record) for record in records) + "\n")
    return str(path)


def test_bad_rows_are_reported_per_line_and_exit_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "orders.jsonl", good_order(1), good_order(2, lines=[{"sku": "A"}]))
    result = run("import", "orders", path)
    assert result.exit_code == 1
    assert result.stderr == "line 2: lines[0].qty: missing\n"
    assert result.stdout == ""
    as_json = run("import", "orders", path, "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "imported": 0,
        "errors": [{"line": 2, "reason": "lines[0].qty: missing"}],
    }


def test_import_then_show_cancel_and_status(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "orders.txt", good_order(1), good_order(2))
    assert run("import", "orders", path).exit_code == 2  # no format from ".txt"
    imported = run("import", "orders", path, "--format", "jsonl", "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {
        "imported": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "cancelled": 0,
        "intercepted": 0,
    }

    shown = run("order", "show", "WEB:1", "--json")
    summary = json.loads(shown.stdout)
    # The audit runs at import: this empty floor knows neither the SKU nor the carrier.
    assert summary["status"] == "held" and "unknown SKU MUG-01" in summary["hold_reason"]
    assert summary["parcels"] == []
    assert summary["lines"] == [
        {"sku": "MUG-01", "ordered": 2, "allocated": 0, "picked": 0, "packed": 0}
    ]
    assert "MUG-01" in run("order", "show", "ORD-1").stdout

    cancelled = run("order", "cancel", "WEB:2", "--json")
    assert json.loads(cancelled.stdout) == {"id": 2, "status": "cancelled", "intercepted": False}
    refused = run("order", "cancel", "WEB:2")
    assert (refused.exit_code, refused.stderr) == (1, "This order is already cancelled\n")
    missing = run("order", "show", "WEB:9", "--json")
    assert missing.exit_code == 1 and json.loads(missing.stdout)["error"].startswith("No such")

    status = json.loads(run("status", "--json").stdout)
    assert status == {
        "orders": {state.value: 0 for state in FLOOR_STATUSES} | {"held": 1, "cancelled": 1},
        "waves": {state.value: 0 for state in WaveStatus},
    }
    assert "cancelled" in run("status").stdout


def test_order_show_prints_shop_text_as_text(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    marked = {
        "name": "[bold]Lena[/] [@click=app.quit]x[/]",
        "address1": "Gartenweg [/] 4",
        "city": "[red]Berlin",
        "postcode": "10115",
        "country": "DE",
    }
    order = good_order(7, ship_to=marked, shop_order_id="[/]7")
    path = write(tmp_path, "orders.jsonl", order)
    assert run("import", "orders", path).exit_code == 0
    shown = run("order", "show", "WEB:[/]7")
    assert shown.exit_code == 0, shown.output
    assert "(WEB:[/]7)" in shown.stdout
    assert "[bold]Lena[/] [@click=app.quit]x[/], Gartenweg [/] 4, [red]Berlin" in shown.stdout
