"""Hostile files through the real `warehouse-tui import` command, on SQLite and PostgreSQL.

Every bad file ends in exit 1 with one `line N: reason` per bad row and nothing of it written;
never a traceback, whatever the bytes. The named cases are the ones that once ended in a
traceback or went in silently; the generated ones mix them into otherwise good files of every
kind and damage the bytes on top.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tests.conftest import PG_URL, drop_pg_schema, make_pg_store
from tests.support.import_files import good_order, import_sample
from tests.support.import_fuzz import csv_text, damaged, hostile_records, jsonl_text
from warehouse_tui.cli import app
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import (
    Barcode,
    Journal,
    Location,
    Order,
    OrderLine,
    Sku,
    Stock,
    StockMove,
)

FLOOR_TABLES = (Sku, Barcode, Location, Stock, StockMove, Order, OrderLine)
REASON_LINE = re.compile(r"line (\d+): \S.*")
CATALOG_HEADER = "sku,name,barcodes,weight_g,length_mm,width_mm,height_mm\n"


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


@contextmanager
def sample_floor(database: str, folder: Path) -> Iterator[tuple[str, Store]]:
    """The sample floor imported: (the `--db` the command is given, a Store on it)."""
    schema = None
    if database == "sqlite":
        db = str(folder / "floor.db")
        store = Store(db)
    else:
        store, schema = make_pg_store()
        db = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    try:
        upgrade(store)
        import_sample(store, folder)
        yield db, store
    finally:
        store.dispose()
        if schema:
            drop_pg_schema(schema)


@pytest.fixture(params=DATABASES)
def floor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Store]]:
    with sample_floor(request.param, tmp_path) as found:
        yield found


@pytest.fixture(scope="module", params=DATABASES)
def unchanging_floor(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Store]]:
    """One sample floor for the tests that assert nothing is written to it."""
    with sample_floor(request.param, tmp_path_factory.mktemp("floor")) as found:
        yield found


def run_import(db: str, kind: str, path: Path, *options: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, "import", kind, str(path), *options])


def floor_rows(store: Store) -> dict[str, list[Any]]:
    """Every row of the floor's tables (the journal aside), to see that nothing changed."""
    with store.read() as session:
        return {
            model.__name__: [
                tuple(row)
                for row in session.execute(
                    select(*model.__table__.columns).order_by(model.__table__.c.id)
                )
            ]
            for model in FLOOR_TABLES
        }


def assert_refused_line_by_line(result: Result) -> list[int]:
    """Exit 1, no traceback, stderr one `line N: reason` per bad row; the rows' numbers."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    matches = [REASON_LINE.fullmatch(line) for line in lines]
    assert lines and all(matches), lines
    numbers = [int(match[1]) for match in matches if match]
    assert len(numbers) == len(set(numbers)), lines
    return numbers


# --- the cases once seen to break -------------------------------------------------------------


def order_with(**changes: Any) -> str:
    """A good order with `changes`, as a JSON line (other than ASCII as \\u escapes)."""
    return json.dumps(good_order(1, **changes)) + "\n"


def sku_row(**changes: Any) -> str:
    record = {
        "sku": "NEW-1",
        "name": "New",
        "barcodes": ["NEW-CODE"],
        "weight_g": 1,
        "length_mm": 1,
        "width_mm": 1,
        "height_mm": 1,
        **changes,
    }
    return json.dumps(record) + "\n"


def location_row(**changes: Any) -> str:
    record = {
        "code": "LOC-Z01-01-1",
        "zone": "Z",
        "block": 0,
        "aisle": 0,
        "position_m": 1.0,
        "bay": 1,
        "level": 1,
        **changes,
    }
    return json.dumps(record) + "\n"


CASES: dict[str, tuple[str, str, bytes, str]] = {
    # name: (kind, file suffix, bytes, the one reason expected on stderr)
    "a whole number past 64 bits": (
        "orders",
        "jsonl",
        order_with(lines=[{"sku": "MUG-01", "qty": 10**30}]).encode(),
        "line 1: lines[0].qty: must be at most 2147483647",
    ),
    "a whole number past PostgreSQL's integer": (
        "catalog",
        "jsonl",
        sku_row(weight_g=2**31).encode(),
        "line 1: weight_g: must be at most 2147483647",
    ),
    "a version past PostgreSQL's integer": (
        "orders",
        "jsonl",
        order_with(version=3_000_000_000).encode(),
        "line 1: version: must be at most 2147483647",
    ),
    "a number of 5,000 digits": (
        "orders",
        "jsonl",
        b'{"shop": "WEB", "shop_order_id": ' + b"9" * 5_000 + b"}\n",
        "line 1: not valid JSON: a number with too many digits",
    ),
    "5,000 digits in a CSV cell": (
        "catalog",
        "csv",
        (CATALOG_HEADER + "NEW-1,New,NEW-CODE," + "9" * 5_000 + ",1,1,1\n").encode(),
        "line 2: weight_g: must be at most 2147483647",
    ),
    "a barcode counting more than any count holds": (
        "catalog",
        "jsonl",
        sku_row(barcodes=["NEW-CODE*99999999999"]).encode(),
        "line 1: barcodes: bad entry 'NEW-CODE*99999999999' (CODE or CODE*N)",
    ),
    "a lone surrogate": (
        "orders",
        "jsonl",
        order_with(carrier="\ud800").encode(),
        "line 1: carrier: holds '\\ud800', which is not a printable character",
    ),
    "a lone surrogate in a name": (
        "catalog",
        "jsonl",
        sku_row(name="Mug \ud800").encode(),
        "line 1: name: holds '\\ud800', which is not valid Unicode",
    ),
    "nesting 100,000 deep": (
        "orders",
        "jsonl",
        b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "line 1: not valid JSON: nested too deeply",
    ),
    "NUL in a name": (
        "catalog",
        "csv",
        (CATALOG_HEADER + "NEW-1,Mu\x00g,NEW-CODE,1,1,1,1\n").encode(),
        "line 2: name: holds a NUL character",
    ),
    "NUL in a buyer's tag": (
        "orders",
        "jsonl",
        order_with(buyer={"tags": ["vip\x00"]}).encode(),
        "line 1: buyer.tags: holds '\\x00', which is not a printable character",
    ),
    "a terminal escape in a field's name": (
        "orders",
        "jsonl",
        json.dumps({**good_order(1), "\x1b[31mnote": "x"}).encode() + b"\n",
        "line 1: \\x1b[31mnote: unknown field",
    ),
    "a SKU code too long to index": (
        "catalog",
        "jsonl",
        sku_row(sku="é" * 3_000).encode(),
        "line 1: sku: longer than 200 characters",
    ),
    "wrong types in every field": (
        "locations",
        "jsonl",
        json.dumps(
            {
                "code": 7,
                "zone": [],
                "block": "0",
                "aisle": 1.5,
                "position_m": "far",
                "bay": True,
                "level": None,
                "pickable": "yes",
            }
        ).encode()
        + b"\n",
        "line 1: code: expected text; zone: expected text; block: expected a whole number; "
        "aisle: expected a whole number; position_m: expected a number; "
        "bay: expected a whole number; level: missing; pickable: expected true or false",
    ),
    "not UTF-8": (
        "orders",
        "jsonl",
        b'{"shop": "WEB"}\n{"shop": "W\xe9B"}\n',
        "line 2: not UTF-8 text",
    ),
    "an empty file": ("orders", "jsonl", b"", "line 1: the file holds no records"),
    "a CSV with its header only": (
        "catalog",
        "csv",
        CATALOG_HEADER.encode(),
        "line 1: the file holds no records",
    ),
    "a BOM, then a ragged CSV row": (
        "catalog",
        "csv",
        ("\ufeff" + CATALOG_HEADER + "NEW-1,New,NEW-CODE,1,1,1\n").encode(),
        "line 2: expected 7 fields, found 6",
    ),
    "a location in aisle 999": (
        "locations",
        "jsonl",
        location_row(aisle=999).encode(),
        "line 1: aisle 999 is outside the layout (aisles 0..11)",
    ),
    "a location past the end of its aisle": (
        "locations",
        "jsonl",
        location_row(position_m=61.0).encode(),
        "line 1: position 61.0 m is outside the aisle (0..60.0 m)",
    ),
    "a location in a block the layout lacks": (
        "locations",
        "jsonl",
        location_row(block=2).encode(),
        "line 1: block 2 is outside the layout (blocks 0..1)",
    ),
    "stock past the largest count of a lot": (
        "stock",
        "csv",
        b"location,sku,qty\nLOC-A01-01-1,MUG-01,2147483600\n",
        "line 2: qty: the lot would hold more than 2147483647 units",
    ),
    "a barcode that is on another SKU": (
        "catalog",
        "jsonl",
        sku_row(barcodes=["4006381333931"]).encode(),
        "line 1: barcodes: 04006381333931 is already on SKU MUG-01; "
        "moving it to NEW-1 needs --move-barcodes",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_file_gets_its_reason_and_writes_nothing(
    unchanging_floor: tuple[str, Store], tmp_path: Path, case: str
) -> None:
    db, store = unchanging_floor
    kind, suffix, content, reason = CASES[case]
    path = tmp_path / f"bad.{suffix}"
    path.write_bytes(content)
    before = floor_rows(store)
    result = run_import(db, kind, path)
    assert_refused_line_by_line(result)
    assert result.stderr == reason + "\n"
    assert floor_rows(store) == before


def test_a_moved_barcode_is_journaled_with_both_skus(
    floor: tuple[str, Store], tmp_path: Path
) -> None:
    db, store = floor
    path = tmp_path / "catalog.jsonl"
    path.write_text(sku_row(barcodes=["4006381333931"]))
    result = run_import(db, "catalog", path, "--move-barcodes")
    assert result.exit_code == 0, result.output
    with store.read() as session:
        owner = session.execute(
            select(Sku.code).join(Barcode).where(Barcode.code == "04006381333931")
        ).scalar_one()
        moves = session.execute(
            select(Journal.raw, Journal.task_ref, Journal.reason).where(
                Journal.action == "barcode-moved"
            )
        ).all()
    assert owner == "NEW-1"
    assert moves == [("04006381333931", "NEW-1", "moved from SKU MUG-01 to SKU NEW-1")]


def test_locations_follow_the_layout_setting(floor: tuple[str, Store], tmp_path: Path) -> None:
    db, store = floor
    with store.write() as session:
        set_setting(
            session,
            "layout",
            {
                "aisles": 20,
                "aisle_length": 80.0,
                "aisle_spacing": 3.0,
                "depot_aisle": 0,
                "cross_aisles": [],
            },
        )
    path = tmp_path / "locations.jsonl"
    path.write_text(location_row(aisle=19, position_m=70.0) + location_row(code="LOC-Z02-01-1"))
    assert run_import(db, "locations", path).exit_code == 0
    path.write_text(location_row(code="LOC-Z03-01-1", block=1))
    result = run_import(db, "locations", path)
    assert result.stderr == "line 1: block 1 is outside the layout (blocks 0..0)\n"


# --- generated files -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["catalog", "locations", "stock", "orders"])
def test_generated_hostile_files_go_in_whole_or_not_at_all(
    floor: tuple[str, Store], tmp_path: Path, kind: str
) -> None:
    db, store = floor
    path_of = {fmt: tmp_path / f"hostile-{uuid.uuid4().hex[:6]}.{fmt}" for fmt in ("jsonl", "csv")}

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def import_once(data: st.DataObject) -> None:
        fmt = data.draw(st.sampled_from(("jsonl", "csv")), label="format")
        records = data.draw(hostile_records(kind), label="records")
        text = jsonl_text(records) if fmt == "jsonl" else csv_text(kind, records)
        path_of[fmt].write_bytes(data.draw(damaged(text), label="bytes"))
        options = ["--move-barcodes"] if kind == "catalog" and data.draw(st.booleans()) else []
        before = floor_rows(store)
        result = run_import(db, kind, path_of[fmt], *options)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code in (0, 1), result.output
        event("imported" if result.exit_code == 0 else "refused")
        if result.exit_code == 1:
            assert_refused_line_by_line(result)
            assert floor_rows(store) == before

    import_once()
