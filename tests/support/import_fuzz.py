"""Hostile import files: good records of every kind with fields swapped for values that have
broken imports before, written as JSON Lines or CSV, then damaged as bytes.

The values are the ones a demanding operator fuzzed imports with: whole numbers past 64 bits
and past PostgreSQL's `integer`, floats that are not finite, NUL, lone surrogates, terminal
escapes, right-to-left marks, markup, overlong text, every wrong type; the damage is what files
suffer on the way: a byte that is not UTF-8, a BOM, a line nested too deep, a CSV row with a
cell too many or too few, truncation, nothing at all.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import strategies as st

from tests.support.import_files import good_order

INT32_EDGES = (2**31 - 1, 2**31, -(2**31) - 1, 2**63, 10**30, -1, 0, 1)
HOSTILE_TEXT = (
    "",
    " ",
    "\ud800",
    "a\udfffb",
    "NUL\x00",
    "\x1b[31mred\x1b[0m",
    "\u202eRTL\u202c",
    "[b]bold[/b] [@click=quit]x[/]",
    "x" * 300,
    "é" * 2_500,
    "4006381333931",
    "LOC-A01-01-1",
    "MUG-01",
    "9" * 30,
    "1e999",
    "nan",
    "2024-13-45",
    "true",
)
HOSTILE_VALUES = st.one_of(
    st.sampled_from(INT32_EDGES),
    st.integers(),
    st.floats(),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.lists(st.one_of(st.integers(), st.sampled_from(HOSTILE_TEXT)), max_size=3),
    st.dictionaries(st.sampled_from(("sku", "qty", "name", "x")), st.integers(), max_size=2),
)

SAMPLE_SKUS = ("MUG-01", "TEA-GRN", "CABLE-USB", "PHONE-X", "SOCKS-3")
SAMPLE_LOCATIONS = ("LOC-A01-01-1", "LOC-A01-01-2", "LOC-A02-05-1", "LOC-B07-03-2")


def catalog_record(number: int) -> dict[str, Any]:
    return {
        "sku": f"FZ-{number}",
        "name": f"Fuzzed item {number}",
        "barcodes": [f"FZ-CODE-{number}"],
        "weight_g": 100 + number,
        "length_mm": 10,
        "width_mm": 10,
        "height_mm": 10,
    }


def location_record(number: int) -> dict[str, Any]:
    return {
        "code": f"LOC-Z{number:02d}-01-1",
        "zone": "Z",
        "block": number % 2,
        "aisle": number % 12,
        "position_m": 1.0 + 30 * (number % 2),
        "bay": 1,
        "level": 1,
    }


def stock_record(number: int) -> dict[str, Any]:
    return {
        "location": SAMPLE_LOCATIONS[number % len(SAMPLE_LOCATIONS)],
        "sku": SAMPLE_SKUS[number % len(SAMPLE_SKUS)],
        "qty": 1 + number,
    }


def order_record(number: int) -> dict[str, Any]:
    return good_order(9_000 + number)


GOOD_RECORDS = {
    "catalog": catalog_record,
    "locations": location_record,
    "stock": stock_record,
    "orders": order_record,
}


def _paths(record: dict[str, Any]) -> list[tuple[str | int, ...]]:
    """Every field of `record`, nested ones of an order (ship_to.x, lines[0].qty) included."""
    paths: list[tuple[str | int, ...]] = []
    for key, value in record.items():
        paths.append((key,))
        if isinstance(value, dict):
            paths += [(key, inner) for inner in value]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            paths += [(key, 0, inner) for inner in value[0]]
    return paths


@st.composite
def hostile_records(draw: st.DrawFn, kind: str) -> list[dict[str, Any]]:
    """A few records of `kind`, each good or with fields replaced, removed or added."""
    records = []
    for number in range(draw(st.integers(1, 4))):
        record = GOOD_RECORDS[kind](number)
        if kind == "stock":
            record["qty"] = draw(st.sampled_from((record["qty"], 2_000_000_000)))
        for _change in range(draw(st.integers(0, 2))):
            path = draw(st.sampled_from([*_paths(record), ("unknown",)]))
            *parents, last = path
            target: Any = record
            for step in parents:
                target = target[step]
            if draw(st.booleans()) and last in target:
                del target[last]
            else:
                target[last] = draw(HOSTILE_VALUES)
        records.append(record)
    return records


def jsonl_text(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def csv_text(kind: str, records: list[dict[str, Any]]) -> str:
    """The records as CSV: an order flattened to one row per line, as the CSV format has it."""
    rows = [_flat_order(record) for record in records] if kind == "orders" else records
    columns = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue()


def _flat_order(record: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "ship_to" and isinstance(value, dict):
            flat.update({f"ship_{name}": inner for name, inner in value.items()})
        elif key == "buyer" and isinstance(value, dict):
            flat.update({f"buyer_{name}": inner for name, inner in value.items()})
        elif key == "lines" and isinstance(value, list) and value and isinstance(value[0], dict):
            flat.update(value[0])
        else:
            flat[key] = value
    return flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    return str(value)


@st.composite
def damaged(draw: st.DrawFn, text: str) -> bytes:
    """`text` as UTF-8 bytes (lone surrogates as they are, which is not UTF-8), then maybe
    damaged the way files are on their way to us."""
    data = text.encode("utf-8", "surrogatepass")
    lines = data.split(b"\n")
    where = draw(st.integers(0, max(0, len(lines) - 1)))
    damage = draw(
        st.sampled_from(
            ("none", "bom", "latin-1", "deep", "nul", "ragged", "short", "truncated", "empty")
        )
    )
    if damage == "bom":
        return b"\xef\xbb\xbf" + data
    if damage == "latin-1":
        lines[where] += b"\xe9"
    elif damage == "deep":
        depth = draw(st.sampled_from((900, 5_000, 100_000)))
        lines[where] = b"[" * depth + b"]" * depth
    elif damage == "nul":
        lines[where] += b"\x00"
    elif damage == "ragged":
        lines[where] += b",extra"
    elif damage == "short":
        lines[where] = lines[where].rpartition(b",")[0]
    elif damage == "truncated":
        return data[: draw(st.integers(0, len(data)))]
    elif damage == "empty":
        return b""
    return b"\n".join(lines)
