"""`stock report`: on hand, allocated, free, demand, shipped units and cover per SKU."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select
from typer.testing import CliRunner

from tests.factories import import_orders, order_record, sample_floor
from warehouse_tui.cli import app
from warehouse_tui.services.stock_report import stock_report
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import OrderLine, Parcel, ParcelLine, ParcelStatus, utcnow


def ship(store: Store, order_line_id: int, qty: int, days_ago: float) -> None:
    """A parcel holding `qty` of the line, loaded `days_ago` days ago (as load_parcel leaves it)."""
    with store.write() as session:
        line = session.get(OrderLine, order_line_id)
        assert line is not None
        parcel = Parcel(
            order_id=line.order_id,
            status=ParcelStatus.LOADED,
            weight_g=400,
            tracking=f"T{order_line_id}-{days_ago}",
            loaded_at=utcnow() - timedelta(days=days_ago),
        )
        session.add(parcel)
        session.flush()
        session.add(ParcelLine(parcel_id=parcel.id, order_line_id=order_line_id, qty=qty))


def test_the_report_adds_up(store: Store) -> None:
    sample_floor(store)
    import_orders(
        store,
        order_record("A-1", {"MUG-01": 30}),
        order_record("B-1", {"MUG-01": 6}),
        order_record("C-1", {"MUG-01": 9}),
    )
    with store.read() as session:
        first, second, _third = session.exec(select(OrderLine.id).order_by(OrderLine.id)).all()
    ship(store, first, 30, days_ago=2)  # in both windows
    ship(store, second, 6, days_ago=20)  # in the 30-day window only
    ship(store, second, 99, days_ago=40)  # too old to count
    [mug] = stock_report(store, sku="MUG-01")
    assert (mug.on_hand, mug.allocated, mug.free) == (168, 0, 168)
    assert (mug.shipped_7d, mug.shipped_30d) == (30, 36)
    assert mug.days_of_cover == 140.0  # 168 free at 36 units per 30 days
    assert mug.open_demand == 45
    assert mug.locations == ["LOC-A01-01-1", "LOC-C11-01-4"]

    low = stock_report(store, low_below_days=200)
    assert "MUG-01" in [row.sku for row in low]
    assert "MUG-01" not in [row.sku for row in stock_report(store, low_below_days=100)]


def test_the_command_prints_json_and_csv(sqlite_store: Store) -> None:
    sample_floor(sqlite_store)
    db = str(sqlite_store.engine.url.database)
    runner = CliRunner()
    as_json = runner.invoke(app, ["stock", "report", "--sku", "MUG-01", "--json", "--db", db])
    assert as_json.exit_code == 0, as_json.output
    row = json.loads(as_json.stdout)
    assert (row["sku"], row["free"], row["days_of_cover"]) == ("MUG-01", 168, None)
    as_csv = runner.invoke(app, ["stock", "report", "--csv", "--db", db])
    header, *rows = as_csv.stdout.splitlines()
    assert header.startswith("sku,name,on_hand,allocated,free")
    assert any(line.startswith("MUG-01,Coffee mug 350 ml,168,0,168") for line in rows)
    missing = runner.invoke(app, ["stock", "report", "--sku", "NOPE", "--db", db])
    assert (missing.exit_code, missing.stderr) == (1, "No SKU NOPE\n")
