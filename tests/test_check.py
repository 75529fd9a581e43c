"""`warehouse-tui check` on both databases: a floor built through the real import and wave
release is consistent, and each rule catches the break it is written for (made with SQL here,
as a faulty write would leave it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from tests.factories import ADMIN, import_orders, order_record, sample_floor
from warehouse_tui.cli import app
from warehouse_tui.services.check import Violation, check_floor
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus


def released_floor(store: Store) -> list[int]:
    """The sample floor with two orders released in one wave: their ids."""
    sample_floor(store)
    import_orders(store, order_record("A-1", {"MUG-01": 2}), order_record("B-1", {"MUG-01": 2}))
    released = release_wave(store, ADMIN, WaveRules(strategy="pick-by-order"))
    assert released["accepted"], released["reason"]
    with store.read() as session:
        return [order.id for order in session.exec(select(Order).order_by(Order.id))]


def break_it(store: Store, sql: str) -> None:
    with store.write() as session:
        session.execute(text(sql))


def rules(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(violation.rule, violation.ref) for violation in violations}


def test_a_floor_built_by_the_services_is_consistent(store: Store) -> None:
    released_floor(store)
    assert check_floor(store) == []


MUG_ROW = (
    "(SELECT s.id FROM stock s JOIN location l ON l.id = s.location_id "
    "JOIN sku k ON k.id = s.sku_id WHERE l.code = 'LOC-A01-01-1' AND k.code = 'MUG-01')"
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            f"UPDATE stock SET on_hand = on_hand + 1 WHERE id = {MUG_ROW}",
            {("ledger", "LOC-A01-01-1 MUG-01")},
        ),
        (
            f"UPDATE stock SET allocated = allocated + 1 WHERE id = {MUG_ROW}",
            {("allocation", "LOC-A01-01-1 MUG-01")},
        ),
        (
            f"UPDATE stock SET allocated = on_hand + 1 WHERE id = {MUG_ROW}",
            {("allocation", "LOC-A01-01-1 MUG-01"), ("negative-stock", "LOC-A01-01-1 MUG-01")},
        ),
    ],
)
def test_each_stock_rule_catches_its_break(
    store: Store, sql: str, expected: set[tuple[str, str]]
) -> None:
    released_floor(store)
    break_it(store, sql)
    assert rules(check_floor(store)) == expected


def test_order_rules_name_the_order(store: Store) -> None:
    first, second = released_floor(store)
    break_it(store, f"UPDATE orderline SET picked = qty + 1 WHERE order_id = {first}")
    break_it(store, f"UPDATE orders SET status = '{OrderStatus.PICKED}' WHERE id = {second}")
    assert rules(check_floor(store)) == {
        ("line-counts", f"ORD-{first}"),
        ("order-status", f"ORD-{second}"),
    }


def test_a_claim_without_a_holder_and_a_parcel_without_tracking_are_named(store: Store) -> None:
    first, _second = released_floor(store)
    break_it(store, "UPDATE picktask SET status = 'claimed', claimed_by = NULL")
    break_it(
        store,
        "INSERT INTO parcel (order_id, status, carrier, service, station, created_at) "
        f"VALUES ({first}, 'closed', 'DHL', 'STD', 'PACK-1', CURRENT_TIMESTAMP)",
    )
    found = check_floor(store)
    assert {violation.rule for violation in found} == {"claim", "parcel"}
    parcel = next(violation for violation in found if violation.rule == "parcel")
    assert parcel.detail == "closed without tracking number and weight"


def test_an_order_held_with_picked_units_is_right_only_after_its_wave_was_cancelled(
    store: Store,
) -> None:
    first, second = released_floor(store)
    break_it(store, f"UPDATE orderline SET picked = 1 WHERE order_id IN ({first}, {second})")
    break_it(store, f"UPDATE orders SET status = 'held' WHERE id IN ({first}, {second})")
    break_it(store, f"UPDATE orders SET wave_id = NULL WHERE id = {second}")
    break_it(store, "UPDATE wave SET status = 'cancelled'")
    assert rules(check_floor(store)) == {("order-status", f"ORD-{second}")}


def test_a_wave_left_picking_with_every_list_finished_is_named(store: Store) -> None:
    released_floor(store)
    break_it(store, "UPDATE picktask SET status = 'done'")
    assert rules(check_floor(store)) == {("wave", "WAVE-1")}


def test_the_command_prints_the_contract_and_exits_1_on_a_violation(
    sqlite_store: Store, tmp_path: Path
) -> None:
    released_floor(sqlite_store)
    url = str(sqlite_store.engine.url.database)
    runner = CliRunner()
    clean = runner.invoke(app, ["check", "--json", "--db", url])
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout) == {"ok": True, "violations": []}

    break_it(sqlite_store, f"UPDATE stock SET on_hand = on_hand - 1 WHERE id = {MUG_ROW}")
    broken = runner.invoke(app, ["check", "--json", "--db", url])
    assert broken.exit_code == 1
    assert json.loads(broken.stdout) == {
        "ok": False,
        "violations": [
            {
                "rule": "ledger",
                "ref": "LOC-A01-01-1 MUG-01",
                "detail": "on hand 47, ledger moves add up to 48",
            }
        ],
    }
