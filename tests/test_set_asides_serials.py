"""A serial refused as never received — a unit in stock from before its SKU's deliveries were
received with serials — has an end: the supervisor records it as received, on the Exceptions
desk for the unit set aside or with `warehouse-tui serials receive`, journaled with who and
why, and the unit packs (services on SQLite and PostgreSQL, the command on a SQLite file)."""

from __future__ import annotations

import json

from sqlmodel import select
from typer.testing import CliRunner

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    PACKER,
    PHONE_GS1,
    Floor,
    build_floor,
    floor_fixture,
    journal,
    module_store_fixture,
    packed_of,
    start,
)
from warehouse_tui.cli import app
from warehouse_tui.services import packing
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.receipts import open_unexpected, receive_scan
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.serials import serial_card, serial_card_line
from warehouse_tui.services.set_asides import RECEIVE, receive_serial
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ReceiptSerial

SUPERVISOR = Actor(3, "DESK-1", "test")


def _deliveries_bring_serials(store: Store) -> None:
    opened = open_unexpected(store, SUPERVISOR, "ACME", "PO-1")
    assert opened.receipt_id is not None
    scanned = receive_scan(store, SUPERVISOR, opened.receipt_id, PHONE_GS1.format(serial="R1"))
    assert scanned.accepted, scanned.reason


def test_the_desk_receives_a_set_aside_serial_and_the_unit_packs(floor: Floor) -> None:
    store = floor.store
    _deliveries_bring_serials(store)
    order_id = floor.order({"PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    old_unit = PHONE_GS1.format(serial="OLD7")
    assert packing.verify_scan(store, PACKER, parcel_id, old_unit).refusal is Refusal.WRONG_SCAN
    [aside] = list_exceptions(store, Kind.SET_ASIDE)
    assert [str(action) for action in aside.actions] == ["receive", "close"]

    assert act(store, PACKER, aside.id, "receive", "old stock").refusal is Refusal.ROLE
    assert act(store, SUPERVISOR, aside.id, "receive").refusal is Refusal.BAD_INPUT
    received = act(store, SUPERVISOR, aside.id, "receive", "stock from before serials")
    assert received.accepted, received.reason
    assert received.message == (
        "Serial OLD7 of PHN-1 is received: the unit picks and packs — take it back from the "
        "set-aside tote at PACK-1"
    )
    assert list_exceptions(store, Kind.SET_ASIDE) == []
    [row] = journal(store, RECEIVE)
    assert (row.operator_id, row.reason, row.raw) == (3, "stock from before serials", "OLD7")
    with store.read() as session:
        recorded = session.exec(select(ReceiptSerial).where(ReceiptSerial.serial == "OLD7")).one()
        assert (recorded.receipt_line_id, recorded.received_by) == (None, 3)
        card = serial_card(session, floor.sku["PHN-1"], "OLD7")
    assert serial_card_line(card) == (
        "Serial OLD7: received by a supervisor: in stock from before serials were received"
    )

    assert packing.verify_scan(store, PACKER, parcel_id, old_unit).accepted
    assert packed_of(store, order_id) == {"PHN-1": 1}


def test_receiving_a_serial_by_hand_refuses_what_the_rule_does_not_refuse(floor: Floor) -> None:
    store = floor.store
    not_yet = receive_serial(store, SUPERVISOR, "PHN-1", "Q5", "opening stock")
    assert not not_yet.accepted and "not received with serials" in not_yet.reason
    _deliveries_bring_serials(store)
    assert receive_serial(store, PACKER, "PHN-1", "Q5", "x").refusal is Refusal.ROLE
    assert receive_serial(store, SUPERVISOR, "NOPE", "Q5", "x").refusal is Refusal.NOT_FOUND
    assert receive_serial(store, SUPERVISOR, "PHN-1", "Q5", " ").refusal is Refusal.BAD_INPUT
    done = receive_serial(store, SUPERVISOR, "09501101020917", "Q5", "opening stock")
    assert done.message == "Serial Q5 of PHN-1 is received: the unit picks and packs"
    twice = receive_serial(store, SUPERVISOR, "PHN-1", "Q5", "opening stock")
    assert twice.refusal is Refusal.WRONG_STATE and "received already" in twice.reason
    received = receive_serial(store, SUPERVISOR, "PHN-1", "R1", "x")
    assert received.refusal is Refusal.WRONG_STATE
    assert [row.accepted for row in journal(store, RECEIVE)] == [False] * 4 + [True, False, False]


def test_the_command_records_a_serial_and_ends_its_set_aside(sqlite_store: Store) -> None:
    floor = build_floor(sqlite_store)
    with sqlite_store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
    _deliveries_bring_serials(sqlite_store)
    floor.order({"PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    packing.verify_scan(sqlite_store, PACKER, parcel_id, PHONE_GS1.format(serial="OLD8"))
    db = str(sqlite_store.engine.url.database)
    runner = CliRunner()

    refused = runner.invoke(app, ["serials", "receive", "PHN-1", "OLD8", "--db", db, "--json"])
    assert refused.exit_code == 1 and "--reason" in json.loads(refused.stdout)["error"]
    done = runner.invoke(
        app, ["serials", "receive", "PHN-1", "OLD8", "--reason", "old stock", "--db", db]
    )
    assert done.exit_code == 0, done.output
    assert "take it back from the set-aside tote at PACK-1" in done.stdout
    assert list_exceptions(sqlite_store, Kind.SET_ASIDE) == []
    assert packing.verify_scan(
        sqlite_store, PACKER, parcel_id, PHONE_GS1.format(serial="OLD8")
    ).accepted
