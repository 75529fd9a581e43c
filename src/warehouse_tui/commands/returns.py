"""`warehouse-tui returns import|report|quarantine|scrap|release`: returns announced from a
file, what came back, and a supervisor's decision on a quarantined unit."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import asdict, astuple, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    cli_actor,
    emit,
    open_store,
    refuse,
)
from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.results import LinesImport
    from warehouse_tui.store.engine import Store

app = typer.Typer(no_args_is_help=True)

UnitArgument = Annotated[int, typer.Argument(metavar="UNIT", help="The unit's number (UNIT-n).")]


def import_lines(
    path: Path,
    as_json: bool,
    db: str | None,
    station: str | None,
    importer: Callable[[Store, Actor, list[str]], LinesImport],
) -> None:
    """A file of one record a line through `importer`: what was added, or the refusal with
    every bad line on stderr."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        refuse(_("Cannot read {path}: {error}").format(path=path, error=error), as_json=as_json)
    store = open_store(db)
    result = importer(store, cli_actor(station), lines)
    store.dispose()
    if not result.accepted:
        for bad_line in result.errors[1:]:
            typer.echo(bad_line, err=True)
        refuse(result.reason, as_json=as_json)
    if as_json:
        emit({"added": result.added, "known": result.known})
    else:
        typer.echo(result.reason)


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="JSON Lines, one return a line.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Announce returns: shop, shop_order_id, rma (optional), lines [{sku, qty, reason}]."""
    from warehouse_tui.services.returns.announced import import_returns

    import_lines(path, as_json, db, station, import_returns)


def _day(value: str | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(_("a date is written YYYY-MM-DD")) from None
    return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=UTC)


@app.command()
def report(
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Units returned by reason, by SKU (return rate against units shipped) and by buyer, repeat
    returners flagged."""
    from warehouse_tui.services.returns.report import ReportRow, report_rows, returns_report

    if as_csv and as_json:
        refuse(_("Choose --csv or --json, not both"), as_json=as_json)
    store = open_store(db)
    found = returns_report(store, _day(start, end=False), _day(end, end=True))
    store.dispose()
    rows = report_rows(found)
    if as_json:
        for row in rows:
            emit(asdict(row))
        return
    writer = csv.writer(sys.stdout, delimiter="," if as_csv else "\t", lineterminator="\n")
    writer.writerow([field.name for field in fields(ReportRow)])
    writer.writerows(["" if value is None else value for value in astuple(row)] for row in rows)


@app.command()
def quarantine(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Units waiting in quarantine for a supervisor to scrap or release."""
    from warehouse_tui.services.returns.report import quarantined_units

    store = open_store(db)
    units = quarantined_units(store)
    store.dispose()
    for unit in units:
        if as_json:
            emit(
                {
                    "unit": unit.unit_id,
                    "sku": unit.sku,
                    "condition": unit.condition,
                    "note": unit.note or None,
                    "location": unit.location,
                    "order": unit.order or None,
                }
            )
        else:
            fields = (unit.ref, unit.sku, unit.condition, unit.location, unit.order, unit.note)
            typer.echo("\t".join(fields))


def _decided(result_reason: str, accepted: bool, unit: int, status: str, as_json: bool) -> None:
    if not accepted:
        refuse(result_reason, as_json=as_json, extra={"unit": unit})
    if as_json:
        emit({"unit": unit, "status": status})
    else:
        typer.echo(result_reason)


@app.command()
def scrap(
    unit: UnitArgument,
    reason: Annotated[str, typer.Option(help="Why it is written off (journaled).")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Write off a quarantined unit."""
    from warehouse_tui.services.returns.disposition import scrap_unit

    store = open_store(db)
    result = scrap_unit(store, cli_actor(station), unit, reason)
    store.dispose()
    _decided(result.reason, result.accepted, unit, "scrapped", as_json)


@app.command()
def release(
    unit: UnitArgument,
    location: Annotated[str, typer.Argument(metavar="LOCATION", help="A pickable LOC- code.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Move a quarantined unit to a shelf, where it is stock again."""
    from warehouse_tui.services.returns.disposition import release_unit

    store = open_store(db)
    result = release_unit(store, cli_actor(station), unit, location)
    store.dispose()
    _decided(result.reason, result.accepted, unit, "released", as_json)
