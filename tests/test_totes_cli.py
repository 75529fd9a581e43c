"""`warehouse-tui totes add N`: totes registered for the floor, whose labels `labels totes`
prints; a count out of range is refused with nothing added."""

from __future__ import annotations

import json

from sqlmodel import select
from typer.testing import CliRunner

from warehouse_tui.cli import app
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Tote


def test_totes_add_registers_totes_numbered_on_and_refuses_a_bad_count(
    sqlite_store: Store,
) -> None:
    db = str(sqlite_store.sqlite_path)
    runner = CliRunner()
    first = runner.invoke(app, ["--db", db, "totes", "add", "2", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"totes": ["TOTE-0001", "TOTE-0002"]}
    second = runner.invoke(app, ["--db", db, "totes", "add", "1"])
    assert second.exit_code == 0 and second.stdout.strip() == "TOTE-0003"
    refused = runner.invoke(app, ["--db", db, "totes", "add", "0", "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout) == {"error": "Add 1 to 10000 totes at a time"}
    with sqlite_store.read() as session:
        assert list(session.exec(select(Tote.code).order_by(Tote.code))) == [
            "TOTE-0001",
            "TOTE-0002",
            "TOTE-0003",
        ]
        added = session.exec(select(Journal).where(Journal.action == "totes.add")).all()
        assert [row.raw for row in added] == ["TOTE-0001..TOTE-0002", "TOTE-0003..TOTE-0003"]
