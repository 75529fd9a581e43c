"""Supplier deliveries on SQLite and PostgreSQL: expected from a file, received by scan (cases
count their units, a batch-tracked SKU needs its batch), put away by scan with the ledger and a
stock event, closed with the differences; an unexpected delivery only by a supervisor."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from tests.support.goodsin_floor import (
    MUG_EAN,
    QUARANTINE,
    SHELF,
    SHELF_2,
    TEA_BATCH_L1,
    TEA_EAN,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.receipts import (
    close_receipt,
    import_receipts,
    open_receipt,
    open_unexpected,
    put_away_line,
    receive_scan,
    receiving_desk,
)
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Outbox, Receipt, Stock, StockMove

DELIVERY = json.dumps(
    {
        "supplier": "ACME",
        "reference": "PO-7",
        "lines": [{"sku": "TEA", "qty": 24, "batch": "L1"}, {"sku": "MUG", "qty": 3}],
    }
)


@pytest.fixture(name="floor")
def goodsin_floor_fixture(store: Store) -> GoodsInFloor:
    return build_goodsin_floor(store)


def test_a_bad_file_changes_nothing(floor: GoodsInFloor) -> None:
    bad = DELIVERY.replace('"MUG"', '"NOPE"')
    result = import_receipts(floor.store, floor.clerk, [DELIVERY, bad])
    assert result.refusal is Refusal.BAD_INPUT and "line 2: no SKU NOPE" in result.reason
    with floor.store.read() as session:
        assert session.execute(select(Receipt)).first() is None


def test_a_delivery_received_put_away_and_closed_with_its_differences(
    floor: GoodsInFloor,
) -> None:
    assert import_receipts(floor.store, floor.clerk, [DELIVERY]).added == 1
    assert import_receipts(floor.store, floor.clerk, [DELIVERY]).known == 1
    assert open_receipt(floor.store, floor.clerk, "PO-9").refusal is Refusal.NOT_FOUND
    opened = open_receipt(floor.store, floor.clerk, "PO-7")
    assert opened.accepted and opened.receipt_id is not None
    receipt = opened.receipt_id
    loose = receive_scan(floor.store, floor.clerk, receipt, TEA_EAN)
    assert loose.refusal is Refusal.INCOMPLETE  # no batch on a plain EAN
    case = receive_scan(floor.store, floor.clerk, receipt, TEA_BATCH_L1)
    assert (case.accepted, case.received, case.expected) == (True, 12, 24)
    assert case.line_id is not None
    assert put_away_line(floor.store, floor.clerk, case.line_id, QUARANTINE).refusal is (
        Refusal.WRONG_SCAN
    )
    assert put_away_line(floor.store, floor.clerk, case.line_id, SHELF_2).accepted
    again = put_away_line(floor.store, floor.clerk, case.line_id, SHELF_2)
    assert again.refusal is Refusal.WRONG_STATE
    mugs = None
    for _unit in range(4):
        mugs = receive_scan(floor.store, floor.clerk, receipt, MUG_EAN)
    assert mugs is not None and mugs.line_id is not None and "1 over" in mugs.reason
    assert mugs.suggested == SHELF
    desk = receiving_desk(floor.store, floor.clerk)
    assert (desk.reference, desk.sku, desk.waiting) == ("PO-7", "MUG", 4)
    early = close_receipt(floor.store, floor.clerk, receipt)
    assert early.refusal is Refusal.INCOMPLETE
    assert put_away_line(floor.store, floor.clerk, mugs.line_id, SHELF).accepted
    closed = close_receipt(floor.store, floor.clerk, receipt)
    assert closed.accepted and "12 short, 1 over" in closed.reason
    assert [(row["sku"], row["difference"]) for row in closed.summary] == [
        ("TEA", -12),
        ("MUG", 1),
    ]
    assert receive_scan(floor.store, floor.clerk, receipt, MUG_EAN).refusal is (Refusal.WRONG_STATE)
    with floor.store.read() as session:
        lots = session.execute(select(Stock.batch, Stock.on_hand, Stock.expiry)).all()
        assert ("L1", 12) in [(batch, units) for batch, units, _expiry in lots]
        assert any(str(expiry) == "2027-03-01" for _batch, _units, expiry in lots)
        moves = session.execute(
            select(StockMove.delta).where(StockMove.ref == "PO-7").order_by(StockMove.id)
        ).scalars()
        assert list(moves) == [12, 4]
        stock_events = session.execute(
            select(Outbox.payload).where(Outbox.event == "stock").order_by(Outbox.id)
        ).scalars()
        assert [(event["sku"], event["free"]) for event in stock_events] == [
            ("TEA", 12),
            ("MUG", 9),
        ]
    assert check_floor(floor.store) == []


def test_an_unexpected_delivery_needs_a_supervisor(floor: GoodsInFloor) -> None:
    clerk = open_unexpected(floor.store, floor.clerk, "ACME", "DN-1")
    assert clerk.refusal is Refusal.ROLE
    opened = open_unexpected(floor.store, floor.supervisor, "ACME", "DN-1")
    assert opened.accepted and opened.receipt_id is not None
    twice = open_unexpected(floor.store, floor.supervisor, "ACME", "DN-1")
    assert twice.refusal is Refusal.WRONG_STATE
    unit = receive_scan(floor.store, floor.clerk, opened.receipt_id, MUG_EAN)
    assert (unit.received, unit.expected) == (1, 0)


def test_the_command_line_imports_opens_and_closes(sqlite_store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from warehouse_tui.cli import app

    build_goodsin_floor(sqlite_store)
    db = str(sqlite_store.sqlite_path)
    path = tmp_path / "deliveries.jsonl"
    path.write_text(DELIVERY + "\n")
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [*args, "--db", db, "--json"])

    assert json.loads(run("receipts", "import", str(path)).stdout) == {"added": 1, "known": 0}
    assert run("receipts", "close", "PO-0").exit_code == 1
    opened = run("receipts", "open", "DN-1", "--supplier", "ACME")
    assert json.loads(opened.stdout)["reference"] == "DN-1"
    closed = [json.loads(line) for line in run("receipts", "close", "PO-7").stdout.splitlines()]
    assert [(line["sku"], line["difference"]) for line in closed] == [("TEA", -24), ("MUG", -3)]
