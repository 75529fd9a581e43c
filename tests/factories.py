"""Floors for tests, built through the real import and services (no test lives here).

`sample_floor` imports the sample files of data/ (the catalog, locations and stock an operator
would import first) and adds the carrier DHL with a standard service; `order_records` makes
orders in the import format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warehouse_tui.services.auth import add_operator
from warehouse_tui.services.importing import ImportKind, import_file, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Carrier, CarrierService, Role

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN = Actor(None, "DESK", "cli", name="test-admin")
SHIP_TO = {"name": "Ada", "address1": "1 Road", "city": "Town", "postcode": "1", "country": "GB"}


def sample_floor(store: Store) -> None:
    for kind, name in (
        (ImportKind.CATALOG, "catalog.csv"),
        (ImportKind.LOCATIONS, "locations.csv"),
        (ImportKind.STOCK, "stock.csv"),
    ):
        result = import_file(store, kind, DATA / name, actor=ADMIN)
        assert result.accepted, result.errors
    with store.write() as session:
        carrier = Carrier(code="DHL", name="DHL")
        session.add(carrier)
        session.flush()
        session.add(CarrierService(carrier_id=carrier.id, code="STD", name="Standard"))


def order_record(number: str, lines: dict[str, int], **changes: Any) -> dict[str, Any]:
    """One order in the import format, shipped by DHL Standard to a buyer named `number`."""
    return {
        "shop": "web",
        "shop_order_id": number,
        "buyer": {"id": number, "name": number},
        "ship_to": {**SHIP_TO, "name": number},
        "carrier": "DHL",
        "service": "STD",
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines.items()],
        **changes,
    }


def import_orders(store: Store, *records: dict[str, Any]) -> None:
    result = import_records(store, ImportKind.ORDERS, records, actor=ADMIN)
    assert result.accepted, result.errors


def operator(store: Store, role: Role, name: str, station: str = "HH-1") -> Actor:
    """A new operator of `role` (PIN 1234), as the actor a screen on `station` would make."""
    view, refusal = add_operator(store, ADMIN, name, role, "1234")
    assert view is not None, refusal
    return Actor(view.id, station, "test")
