"""Sample import records and files: a good order to vary, corruptions, generated bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from warehouse_tui.services.importing import (
    FileFormat,
    ImportKind,
    ImportResult,
    import_file,
    import_text,
)
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.engine import Store

IMPORT_ACTOR = Actor(None, "DESK-1", "import")
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "data"
"""The sample files the README's import formats point to."""


def import_sample(store: Store, folder: Path) -> None:
    """The sample catalog, locations, stock and orders, imported from copies in `folder`."""
    for kind, name in (
        ("catalog", "catalog.csv"),
        ("locations", "locations.csv"),
        ("stock", "stock.csv"),
        ("orders", "orders.jsonl"),
    ):
        copy = folder / name
        shutil.copy(SAMPLE_DATA / name, copy)
        result = import_file(store, ImportKind(kind), copy, actor=IMPORT_ACTOR)
        assert result.accepted, result.errors


def good_order(number: int = 1, **changes: Any) -> dict[str, Any]:
    """A complete, valid order record (shop WEB, one line of MUG-01), with `changes` applied."""
    order: dict[str, Any] = {
        "shop": "WEB",
        "shop_order_id": str(number),
        "ship_to": {
            "name": "Lena",
            "address1": "Gartenweg 4",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
        },
        "carrier": "DHL",
        "lines": [{"sku": "MUG-01", "qty": 2}],
    }
    order.update(changes)
    return order


def jsonl(*records: Any) -> str:
    """JSON Lines text of `records`; a string record is taken as a line already written."""
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"


def import_orders(store: Store, *records: dict[str, Any]) -> ImportResult:
    return import_text(
        store, ImportKind.ORDERS, jsonl(*records), FileFormat.JSONL, actor=IMPORT_ACTOR
    )


CORRUPTIONS: dict[str, Any] = {
    "qty text": lambda order: order["lines"][0].update(qty="2"),
    "no carrier": lambda order: order.pop("carrier"),
    "no lines": lambda order: order.pop("lines"),
    "ship_to list": lambda order: order.update(ship_to=[]),
    "bad ship_by": lambda order: order.update(ship_by="soon"),
    "unknown key": lambda order: order.update(note="x"),
    "negative version": lambda order: order.update(version=-1),
    "line not object": lambda order: order["lines"].append("MUG"),
    "no postcode": lambda order: order["ship_to"].pop("postcode"),
}
BROKEN_TEXT = ("{", "]", '{"shop": "WEB",', "null", '"order"', "42")


@st.composite
def order_files(draw: st.DrawFn) -> tuple[str, set[int]]:
    """JSON Lines text with blank lines and some bad records; the bad records' line numbers."""
    lines: list[str] = []
    bad: set[int] = set()
    for number in range(draw(st.integers(1, 25))):
        lines.extend([""] * draw(st.integers(0, 2)))
        kind = draw(st.sampled_from(["good", "good", "corrupt", "broken"]))
        order = good_order(number)
        if kind == "corrupt":
            CORRUPTIONS[draw(st.sampled_from(sorted(CORRUPTIONS)))](order)
        lines.append(
            draw(st.sampled_from(BROKEN_TEXT))
            if kind == "broken"
            else json.dumps(order, ensure_ascii=False)
        )
        if kind != "good":
            bad.add(len(lines))
    return "\n".join(lines), bad
