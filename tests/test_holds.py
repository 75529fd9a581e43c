"""Holding an order by hand and releasing it (the audit runs again), on both databases and
through the command line."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from tests.factories import ADMIN, import_orders, operator, order_record, sample_floor
from warehouse_tui.cli import app
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.holds import hold_order, release_order
from warehouse_tui.services.orders import order_summary
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, OrderStatus, Role


def test_a_held_order_stays_out_of_waves_until_released(store: Store) -> None:
    sample_floor(store)
    import_orders(store, order_record("A-1", {"MUG-01": 1}), order_record("B-1", {"MUG-01": 1}))
    audit_orders(store, ADMIN)
    held = hold_order(store, ADMIN, "web:A-1", "confirm the address by phone")
    assert (held.accepted, held.status, held.hold_reason) == (
        True,
        OrderStatus.HELD,
        "confirm the address by phone",
    )
    summary = order_summary(store, "web:A-1")
    assert summary is not None and summary["hold_reason"] == "confirm the address by phone"
    wave = release_wave(store, ADMIN, WaveRules(strategy="pick-by-order"))
    assert wave["accepted"]
    statuses = {ref: (order_summary(store, ref) or {})["status"] for ref in ("web:A-1", "web:B-1")}
    assert statuses == {"web:A-1": "held", "web:B-1": "released"}

    released = release_order(store, ADMIN, "web:A-1")
    assert (released.accepted, released.status, released.hold_reason) == (
        True,
        OrderStatus.READY,
        "",
    )
    assert release_order(store, ADMIN, "web:A-1").reason == "Order is ready, not held"


def test_release_runs_the_audit_and_says_why_it_is_held_again(store: Store) -> None:
    sample_floor(store)
    import_orders(store, order_record("A-1", {"NO-SUCH-SKU": 1}))
    audit_orders(store, ADMIN)
    again = release_order(store, ADMIN, "web:A-1")
    assert again.accepted and again.status == OrderStatus.HELD
    assert "unknown SKU NO-SUCH-SKU" in again.hold_reason


def test_refusals_change_nothing(store: Store) -> None:
    sample_floor(store)
    import_orders(store, order_record("A-1", {"MUG-01": 1}))
    audit_orders(store, ADMIN)
    assert hold_order(store, ADMIN, "web:A-1", "  ").reason == "Say why the order is held"
    assert hold_order(store, ADMIN, "web:Z-9", "x").reason == "No such order"
    picker = operator(store, Role.PICKER, "Ana")
    assert hold_order(store, picker, "web:A-1", "x").reason.startswith("Only a supervisor")
    release_wave(store, ADMIN, WaveRules(strategy="pick-by-order"))
    in_wave = hold_order(store, ADMIN, "web:A-1", "too late")
    assert not in_wave.accepted and in_wave.reason.startswith("Order is released")
    summary = order_summary(store, "web:A-1")
    assert summary is not None and summary["status"] == "released"
    refusals = [entry for entry in summary["journal"] if not entry["accepted"]]
    assert [entry["action"] for entry in refusals] == ["order.hold"] * 3


def test_the_commands(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_OPERATOR", "night-admin")
    sample_floor(sqlite_store)
    import_orders(sqlite_store, order_record("A-1", {"MUG-01": 1}))
    db = str(sqlite_store.engine.url.database)
    runner = CliRunner()
    held = runner.invoke(
        app, ["order", "hold", "web:A-1", "--reason", "[b]fraud check[/b]", "--json", "--db", db]
    )
    assert held.exit_code == 0, held.output
    assert json.loads(held.stdout) == {
        "id": 1,
        "status": "held",
        "hold_reason": "[b]fraud check[/b]",
    }
    released = runner.invoke(app, ["order", "release", "ORD-1", "--db", db])
    assert (released.exit_code, released.stdout) == (0, "Order 1 is ready\n")
    again = runner.invoke(app, ["order", "release", "ORD-1", "--db", db])
    assert (again.exit_code, again.stderr) == (1, "Order is ready, not held\n")
    with sqlite_store.read() as session:
        rows = session.exec(select(Journal).where(col(Journal.action).startswith("order."))).all()
    assert [(row.action, row.actor_name, row.accepted) for row in rows] == [
        ("order.hold", "night-admin", True),
        ("order.release", "night-admin", True),
        ("order.release", "night-admin", False),
    ]
