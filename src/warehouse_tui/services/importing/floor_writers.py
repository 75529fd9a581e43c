"""Catalog, locations and stock written: checked rows into their tables in bulk.

A SKU or location that exists is updated and a new one inserted, each with one executemany per
table and batch, never row by row through the ORM. Stock rows are receipts: each adds to its lot
and writes a ledger move.

Each writer first refuses what only the database can tell, before it writes anything, so the
file goes in whole or not at all: a barcode already on another SKU (unless barcodes may move),
a location off the warehouse's layout, a stock row naming a location or SKU the warehouse does
not have, or taking a lot past the largest count a column holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlmodel import Session

from warehouse_tui.domain.barcodes import ScanKind, prefixed_label
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.i18n import _
from warehouse_tui.services.importing.fields import INT_MAX, joined_reason
from warehouse_tui.services.importing.floor_rows import LocationRow, SkuRow, StockRow
from warehouse_tui.services.importing.records import RowError
from warehouse_tui.services.importing.result import WRITE_BATCH, ImportResult, Progress
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.settings import warehouse_layout
from warehouse_tui.store.bulk import IN_CHUNK, batches, ids_by, rows_of
from warehouse_tui.store.models import Barcode, Location, Sku, Stock, StockMove, utcnow

_SKUS: Table = Sku.__table__  # type: ignore[attr-defined]
_BARCODES: Table = Barcode.__table__  # type: ignore[attr-defined]
_LOCATIONS: Table = Location.__table__  # type: ignore[attr-defined]
_STOCK: Table = Stock.__table__  # type: ignore[attr-defined]
_MOVES: Table = StockMove.__table__  # type: ignore[attr-defined]

LotKey = tuple[int, int, str]
"""(location id, SKU id, batch): what tells one lot from another."""


def write_catalog(
    session: Session,
    actor: Actor,
    rows: list[SkuRow],
    result: ImportResult,
    progress: Progress,
    *,
    move_barcodes: bool,
) -> list[RowError]:
    """Insert or update every SKU, its barcodes becoming the file's. A barcode registered to
    another SKU is refused, naming both, unless `move_barcodes`: then it moves, journaled."""
    moves = _barcode_moves(session, rows)
    if moves and not move_barcodes:
        return _refused_moves(moves)
    codes = [row.values["code"] for row in rows]
    existing = ids_by(session, _SKUS.c.code, codes)
    new = [row.values for row in rows if row.values["code"] not in existing]
    known = [
        {**row.values, "sku_id": existing[row.values["code"]]}
        for row in rows
        if row.values["code"] in existing
    ]
    ids = dict(existing)
    for batch in batches(new, WRITE_BATCH):
        inserted = session.execute(insert(_SKUS).returning(_SKUS.c.code, _SKUS.c.id), batch)
        ids.update({code: sku_id for code, sku_id in inserted})
    if known:
        session.execute(update(_SKUS).where(_SKUS.c.id == bindparam("sku_id")), known)
    # The file's barcodes become the SKU's: drop the old ones of these SKUs, and the moved
    # codes from the SKUs they were on.
    barcode_codes = [code for row in rows for code, _qty in row.barcodes]
    for id_chunk in batches(list(existing.values()), IN_CHUNK):
        session.execute(delete(_BARCODES).where(_BARCODES.c.sku_id.in_(id_chunk)))
    for code_chunk in batches(barcode_codes, IN_CHUNK):
        session.execute(delete(_BARCODES).where(_BARCODES.c.code.in_(code_chunk)))
    barcodes = [
        {"code": code, "sku_id": ids[row.values["code"]], "quantity": qty}
        for row in rows
        for code, qty in row.barcodes
    ]
    if barcodes:
        session.execute(insert(_BARCODES), barcodes)
    for move in moves:
        record(
            session,
            actor,
            "barcode-moved",
            raw=move.code,
            task_ref=move.to_sku,
            reason=_("moved from SKU {old} to SKU {new}").format(
                old=move.from_sku, new=move.to_sku
            ),
        )
    progress("write", len(rows), len(rows))
    result.created, result.updated = len(new), len(known)
    return []


@dataclass(frozen=True)
class _Move:
    """A barcode of the file registered to another SKU than the file's row gives it to."""

    line: int
    code: str
    from_sku: str
    to_sku: str


def _barcode_moves(session: Session, rows: list[SkuRow]) -> list[_Move]:
    wanted = {code: row for row in rows for code, _qty in row.barcodes}
    owners: dict[str, str] = {}
    for chunk in batches(sorted(wanted), IN_CHUNK):
        found = rows_of(
            session,
            select(_BARCODES.c.code, _SKUS.c.code)
            .join(_SKUS, _SKUS.c.id == _BARCODES.c.sku_id)
            .where(_BARCODES.c.code.in_(chunk)),
        )
        owners.update({code: sku for code, sku in found})
    return [
        _Move(row.line, code, owner, row.values["code"])
        for code, row in wanted.items()
        if (owner := owners.get(code)) is not None and owner != row.values["code"]
    ]


def _refused_moves(moves: list[_Move]) -> list[RowError]:
    problems: dict[int, list[str]] = {}
    for move in moves:
        problems.setdefault(move.line, []).append(
            _(
                "barcodes: {code} is already on SKU {old}; moving it to {new} needs --move-barcodes"
            ).format(code=move.code, old=move.from_sku, new=move.to_sku)
        )
    return [RowError(line, joined_reason(reasons)) for line, reasons in problems.items()]


def write_locations(
    session: Session, rows: list[LocationRow], result: ImportResult, progress: Progress
) -> list[RowError]:
    """Insert or update every location; refuses the whole file when a row's place is not on
    the warehouse's layout (the `layout` setting), which routing would fail on."""
    layout = warehouse_layout(session)
    errors = [RowError(row.line, problem) for row in rows if (problem := _off_layout(layout, row))]
    if errors:
        return errors
    existing = ids_by(session, _LOCATIONS.c.code, [row.values["code"] for row in rows])
    new = [row.values for row in rows if row.values["code"] not in existing]
    known = [
        {**row.values, "location_id": existing[row.values["code"]]}
        for row in rows
        if row.values["code"] in existing
    ]
    for batch in batches(new, WRITE_BATCH):
        session.execute(insert(_LOCATIONS), batch)
    if known:
        session.execute(
            update(_LOCATIONS).where(_LOCATIONS.c.id == bindparam("location_id")), known
        )
    progress("write", len(rows), len(rows))
    result.created, result.updated = len(new), len(known)
    return []


def _off_layout(layout: Layout, row: LocationRow) -> str | None:
    """Why the row's aisle, position or block is not on `layout`, with its bounds; or None."""
    values = row.values
    try:
        layout.check_point(PickPoint(values["aisle"], values["position_m"]))
    except ValueError as error:
        return str(error)
    if not 0 <= values["block"] < layout.blocks:
        return _("block {block} is outside the layout (blocks 0..{last})").format(
            block=values["block"], last=layout.blocks - 1
        )
    return None


def _location_ids(session: Session, codes: list[str]) -> dict[str, int]:
    """Location ids by code as written in the file, with or without the LOC- prefix."""
    stored = {code: prefixed_label(ScanKind.LOCATION, code) for code in codes}
    found = ids_by(session, _LOCATIONS.c.code, sorted(set(stored.values())))
    return {code: found[label] for code, label in stored.items() if label in found}


def _unknown_references(
    rows: list[StockRow], locations: dict[str, int], skus: dict[str, int]
) -> list[RowError]:
    errors = []
    for row in rows:
        problems = []
        if row.location not in locations:
            problems.append(_("location: no location {code}").format(code=row.location))
        if row.sku not in skus:
            problems.append(_("sku: no SKU {code}").format(code=row.sku))
        if problems:
            errors.append(RowError(row.line, joined_reason(problems)))
    return errors


def write_stock(
    session: Session, rows: list[StockRow], result: ImportResult, progress: Progress
) -> list[RowError]:
    """Receive every row into its lot; refuses the whole file (writing nothing) when a row
    names a location or SKU this warehouse does not have."""
    locations = _location_ids(session, sorted({row.location for row in rows}))
    skus = ids_by(session, _SKUS.c.code, sorted({row.sku for row in rows}))
    errors = _unknown_references(rows, locations, skus)
    if errors:
        return errors
    keys = [(locations[row.location], skus[row.sku], row.batch) for row in rows]
    existing = _existing_lots(session, keys)
    errors = _overfull_lots(rows, keys, existing)
    if errors:
        return errors
    now = utcnow()
    lots: dict[LotKey, dict[str, Any]] = {}
    moves = []
    for row, key in zip(rows, keys, strict=True):
        lot = lots.setdefault(
            key,
            {
                "location_id": key[0],
                "sku_id": key[1],
                "batch": key[2],
                "expiry": row.expiry,
                "received_at": row.received_at or now,
                "on_hand": 0,
                "allocated": 0,
            },
        )
        lot["on_hand"] += row.qty
        moves.append(
            {
                "at": now,
                "sku_id": key[1],
                "location_id": key[0],
                "batch": row.batch,
                "delta": row.qty,
                "reason": "receive",
                "ref": "import",
                "operator_id": None,
            }
        )
    added = [
        {"stock_id": existing[key].id, "qty": lot["on_hand"]}
        for key, lot in lots.items()
        if key in existing
    ]
    new = [lot for key, lot in lots.items() if key not in existing]
    if added:
        session.execute(
            update(_STOCK)
            .where(_STOCK.c.id == bindparam("stock_id"))
            .values(on_hand=_STOCK.c.on_hand + bindparam("qty")),
            added,
        )
    for batch in batches(new, WRITE_BATCH):
        session.execute(insert(_STOCK), batch)
    for batch in batches(moves, WRITE_BATCH):
        session.execute(insert(_MOVES), batch)
    progress("write", len(rows), len(rows))
    result.created, result.updated = len(new), len(added)
    return []


class _Lot(NamedTuple):
    id: int
    on_hand: int


def _existing_lots(session: Session, keys: list[LotKey]) -> dict[LotKey, _Lot]:
    """The lots among `keys` that exist, found by SKU."""
    wanted = set(keys)
    found: dict[LotKey, _Lot] = {}
    for chunk in batches(sorted({sku for _location, sku, _batch in wanted}), IN_CHUNK):
        rows = session.execute(
            select(
                _STOCK.c.location_id,
                _STOCK.c.sku_id,
                _STOCK.c.batch,
                _STOCK.c.id,
                _STOCK.c.on_hand,
            ).where(_STOCK.c.sku_id.in_(chunk))
        )
        found.update(
            {
                (location, sku, batch): _Lot(stock, on_hand)
                for location, sku, batch, stock, on_hand in rows
                if (location, sku, batch) in wanted
            }
        )
    return found


def _overfull_lots(
    rows: list[StockRow], keys: list[LotKey], existing: Mapping[LotKey, _Lot]
) -> list[RowError]:
    """The rows that would take their lot past the most units a count can hold."""
    totals = {key: lot.on_hand for key, lot in existing.items()}
    errors = []
    for row, key in zip(rows, keys, strict=True):
        totals[key] = totals.get(key, 0) + row.qty
        if totals[key] > INT_MAX:
            errors.append(
                RowError(
                    row.line,
                    _("qty: the lot would hold more than {maximum} units").format(maximum=INT_MAX),
                )
            )
    return errors
