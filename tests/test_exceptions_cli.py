"""`warehouse-tui exceptions`, `exceptions act`, `exceptions show` and `count` on a SQLite
file: the JSON contract, one line per item, and exit 1 with the reason when an action does not
apply."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.factories import exceptions_floor, import_orders, operator, order_record, pick, release
from warehouse_tui.cli import app
from warehouse_tui.services.holds import hold_order
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Role

DESK = Actor(None, "DESK", "cli", name="test")


def run(store: Store, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [*args, "--db", str(store.engine.url.database)])


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_the_queue_prints_one_object_per_item_and_act_does_one(sqlite_store: Store) -> None:
    exceptions_floor(sqlite_store)
    import_orders(
        sqlite_store, order_record("A-1", {"SOCKS-3": 5}), order_record("B-1", {"SOCKS-3": 1})
    )
    assert hold_order(sqlite_store, DESK, "web:B-1", "address <unclear>").accepted
    release(sqlite_store)
    pick(sqlite_store, operator(sqlite_store, Role.PICKER, "Pia"), ["TOTE-0001"], {"SOCKS-3": 2})

    listed = run(sqlite_store, "exceptions", "--json")
    assert listed.exit_code == 0, listed.output
    items = lines(listed.stdout)
    assert [item["kind"] for item in items] == ["held", "count", "short"]  # oldest first
    assert all(list(item) == ["id", "kind", "ref", "since", "reason", "actions"] for item in items)
    held, count, short = items
    assert held["reason"] == "address <unclear>" and held["actions"] == ["release", "cancel"]
    assert short["ref"].startswith("ORD-") and count["ref"] == "LOC-B07-03-2"

    only = run(sqlite_store, "exceptions", "--kind", "held", "--json")
    assert lines(only.stdout) == [held]
    assert run(sqlite_store, "exceptions", "--kind", "nonsense").exit_code == 2

    wrong = run(sqlite_store, "exceptions", "act", held["id"], "ship-short", "--json")
    assert wrong.exit_code == 1 and "does not apply" in json.loads(wrong.stdout)["error"]
    done = run(sqlite_store, "exceptions", "act", short["id"], "wait", "--reason", "no stock")
    assert done.exit_code == 0 and "ready" in done.stdout
    gone = run(sqlite_store, "exceptions", "act", short["id"], "wait")
    assert gone.exit_code == 1 and "no longer an exception" in gone.stderr

    history = lines(run(sqlite_store, "exceptions", "show", short["id"], "--json").stdout)
    assert [row["action"] for row in history][-1] == "short.wait"
    assert history[-1]["reason"] == "no stock"


def test_count_asks_for_counts_and_refuses_an_unknown_location(sqlite_store: Store) -> None:
    exceptions_floor(sqlite_store)
    asked = run(sqlite_store, "count", "LOC-B07-03-2", "LOC-A01-02-1", "--json")
    assert asked.exit_code == 0, asked.output
    assert [row["location"] for row in lines(asked.stdout)] == ["LOC-B07-03-2", "LOC-A01-02-1"]
    again = run(sqlite_store, "count", "LOC-B07-03-2", "--json")
    assert lines(again.stdout)[0]["task"] == lines(asked.stdout)[0]["task"]  # kept, not doubled
    unknown = run(sqlite_store, "count", "LOC-Z99-99-9")
    assert unknown.exit_code == 1 and "No such location" in unknown.stderr
    queued = lines(run(sqlite_store, "exceptions", "--kind", "count", "--json").stdout)
    assert [item["ref"] for item in queued] == ["LOC-B07-03-2", "LOC-A01-02-1"]
