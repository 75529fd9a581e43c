"""`product show`: a product from any of its codes, with its stock and open demand."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.factories import import_orders, order_record, sample_floor
from warehouse_tui.cli import app
from warehouse_tui.services.lookup import product_card
from warehouse_tui.store.engine import Store


def test_any_code_of_a_product_finds_it(store: Store) -> None:
    sample_floor(store)
    import_orders(store, order_record("A-1", {"MUG-01": 2}), order_record("B-1", {"MUG-01": 1}))
    codes = ("4006381333931", "04006381333931", "14006381333938", "MUG-01", "]C10104006381333931")
    cards = [product_card(store, code) for code in codes]
    assert all(card == cards[0] for card in cards)
    card = cards[0]
    assert card is not None
    assert (card["sku"], card["name"]) == ("MUG-01", "Coffee mug 350 ml")
    assert card["barcodes"] == [
        {"code": "04006381333931", "units": 1},
        {"code": "14006381333938", "units": 12},
    ]
    assert card["stock"][0] == {
        "location": "LOC-A01-01-1",
        "batch": None,
        "expiry": None,
        "on_hand": 48,
        "allocated": 0,
    }
    assert (card["open_orders"], card["open_units"]) == (2, 3)
    tea = product_card(store, "TEA-GRN")
    assert tea is not None and tea["batch_tracked"] and tea["stock"][0]["batch"]
    assert product_card(store, "4006381333932") is None  # wrong check digit
    assert product_card(store, "NOPE") is None


def test_the_command_shows_it_and_refuses_an_unknown_code(sqlite_store: Store) -> None:
    sample_floor(sqlite_store)
    db = str(sqlite_store.engine.url.database)
    runner = CliRunner()
    shown = runner.invoke(app, ["product", "show", "14006381333938", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[:2] == [
        "MUG-01  Coffee mug 350 ml",
        "Barcodes: 04006381333931, 14006381333938 ×12",
    ]
    as_json = runner.invoke(app, ["product", "show", "MUG-01", "--json", "--db", db])
    assert json.loads(as_json.stdout)["size_mm"] == [120, 90, 100]
    unknown = runner.invoke(app, ["product", "show", "NOPE", "--json", "--db", db])
    assert unknown.exit_code == 1
    assert json.loads(unknown.stdout) == {"error": "No product has the code NOPE"}
    assert Path(db).exists()
