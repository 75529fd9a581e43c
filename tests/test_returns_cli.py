"""`warehouse-tui returns import|report|quarantine|scrap|release` and `order show` with returns:
output contracts, exit codes, refusals that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlmodel import select
from typer.testing import CliRunner

from tests.support.goodsin_floor import (
    MUG_EAN,
    QUARANTINE,
    SHELF,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.commands import orders as order_commands
from warehouse_tui.commands import returns as return_commands
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.returns.disposition import inspect_unit, put_away_unit
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Return, ReturnLine


def command_app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(return_commands.app, name="returns")
    app.add_typer(order_commands.app, name="order")
    return app


@pytest.fixture(name="floor")
def goodsin_floor_fixture(sqlite_store: Store) -> GoodsInFloor:
    return build_goodsin_floor(sqlite_store)


@pytest.fixture
def run(floor: GoodsInFloor):  # type: ignore[no-untyped-def]
    db = str(floor.store.sqlite_path)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(command_app(), [*args, "--db", db])

    return invoke


def write(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "returns.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


GOOD = json.dumps(
    {
        "shop": "WEB",
        "shop_order_id": "1001",
        "rma": "RMA-7",
        "lines": [{"sku": "MUG", "qty": 1, "reason": "too small"}],
    }
)

OTHER = GOOD.replace("RMA-7", "RMA-8")


def _returns(floor: GoodsInFloor) -> list[tuple[str, int]]:
    with floor.store.read() as session:
        rows = session.execute(
            select(Return.rma, ReturnLine.qty).join(ReturnLine, ReturnLine.return_id == Return.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "line 2: not a JSON object"),
        (GOOD.replace('"1001"', '"999"'), "line 2: no order WEB 999"),
        (OTHER.replace('"MUG"', '"TEA"'), "line 2: order 1001 has no TEA"),
        (OTHER.replace('"qty": 1', '"qty": 3'), "line 2: MUG: 3 is more than was shipped"),
    ],
)
def test_a_bad_line_refuses_the_whole_file(
    run, floor: GoodsInFloor, tmp_path: Path, line: str, problem: str
) -> None:  # type: ignore[no-untyped-def]
    result = run("returns", "import", write(tmp_path, GOOD, line), "--json")
    assert result.exit_code == 1
    assert problem in json.loads(result.stdout)["error"]
    assert _returns(floor) == []


def test_announced_once_received_reported_and_shown_on_the_order(
    run, floor: GoodsInFloor, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, GOOD)
    assert json.loads(run("returns", "import", path, "--json").stdout) == {"added": 1, "known": 0}
    assert json.loads(run("returns", "import", path, "--json").stdout) == {"added": 0, "known": 1}
    found = find_return(floor.store, floor.clerk, "RMA-7")
    assert found.return_id is not None
    ids = []
    for condition, location in (("resaleable", SHELF), ("damaged", QUARANTINE)):
        unit = receive_unit(floor.store, floor.clerk, found.return_id, MUG_EAN)
        assert unit.unit_id is not None
        inspect_unit(floor.store, floor.clerk, unit.unit_id, condition)
        assert put_away_unit(floor.store, floor.clerk, unit.unit_id, location).accepted
        ids.append(unit.unit_id)
    report = [json.loads(line) for line in run("returns", "report", "--json").stdout.splitlines()]
    assert {"by": "reason", "key": "too small", "units": 2} in report
    assert {"by": "sku", "key": "MUG", "units": 2, "shipped": 2, "rate": 1.0} in report
    assert {"by": "buyer", "key": "Ada Lovelace", "units": 2, "returns": 1, "repeat": False} in (
        report
    )
    assert run("returns", "report", "--from", "2099-01-01", "--csv").stdout.count("\n") == 1
    quarantined = json.loads(run("returns", "quarantine", "--json").stdout)
    assert (quarantined["unit"], quarantined["location"]) == (ids[1], QUARANTINE[4:])
    refused = run("returns", "release", str(ids[0]), SHELF, "--json")
    assert refused.exit_code == 1 and "is shelved now" in json.loads(refused.stdout)["error"]
    assert run("returns", "scrap", str(ids[1])).exit_code == 1  # no reason given
    scrapped = run("returns", "scrap", str(ids[1]), "--reason", "cracked", "--json")
    assert json.loads(scrapped.stdout) == {"unit": ids[1], "status": "scrapped"}
    assert run("returns", "quarantine", "--json").stdout == ""
    shown = json.loads(run("order", "show", "ORD-1", "--json").stdout)
    assert shown["returns"][0]["rma"] == "RMA-7"
    assert [unit["status"] for unit in shown["returns"][0]["units"]] == ["shelved", "scrapped"]
    assert "RMA-7" in run("order", "show", "ORD-1").stdout
    assert check_floor(floor.store) == []
