"""What every subcommand shares: --db, --station, --json, and the exit-code convention.

Exit 0 when the command did its job, 1 when input was refused, 2 for usage errors. With
--json, stdout carries one compact JSON object per line and nothing else.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import typer

from warehouse_tui.config import db_from_environment, station_from_environment
from warehouse_tui.i18n import _

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLite file or postgresql:// URL (env WAREHOUSE_DB).", show_default=False
    ),
]
StationOption = Annotated[
    str | None,
    typer.Option(
        "--station",
        help="Which bench or handheld this is (env WAREHOUSE_STATION).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="One compact JSON object per line on stdout.")
]


@dataclass
class Globals:
    """Options given before the subcommand; a subcommand's own option wins over these."""

    db: str | None = None
    station: str | None = None


GLOBALS = Globals()


def chosen_db(db: str | None) -> str:
    return db or GLOBALS.db or db_from_environment()


def named_db(db: str | None) -> str | None:
    """The database only when one was named (--db or WAREHOUSE_DB), else None."""
    return db or GLOBALS.db or os.environ.get("WAREHOUSE_DB") or None


def chosen_station(station: str | None) -> str:
    return station or GLOBALS.station or station_from_environment()


def open_store(db: str | None, *, upgrade: bool = True):  # type: ignore[no-untyped-def]
    """The Store for this invocation, its schema brought to head under the upgrade lock."""
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade as upgrade_schema

    store = Store(chosen_db(db))
    if upgrade:
        upgrade_schema(store)
    return store


def read_store(db: str | None):  # type: ignore[no-untyped-def]
    """The Store for a command that only reads: not upgraded (that costs more than the
    reading), refused with a clear message when its schema is behind this program's."""
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.revision import newest_revision, stored_revision

    store = Store(chosen_db(db))
    stored, newest = stored_revision(store), newest_revision()
    if stored is None:
        store.dispose()
        refuse(_("This database has no warehouse schema: run `warehouse-tui db upgrade` first"))
    if stored != newest:
        store.dispose()
        refuse(
            _(
                "The database's schema is at revision {stored}, this program needs {newest}:"
                " run `warehouse-tui db upgrade` first"
            ).format(stored=stored, newest=newest)
        )
    return store


def emit(obj: dict[str, Any]) -> None:
    """One compact JSON line on stdout; keys whose value is None are left out."""
    sys.stdout.write(json.dumps(drop_none(obj), ensure_ascii=False, separators=(",", ":")) + "\n")


def emit_exact(obj: dict[str, Any]) -> None:
    """One compact JSON line keeping nulls (for contracts naming keys as always present)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")


def drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if value is not None}


def refuse(message: str, *, as_json: bool = False, extra: dict[str, Any] | None = None) -> NoReturn:
    """Input was refused: say why (stderr, and stdout as JSON with --json), exit 1."""
    if as_json:
        emit_exact({"error": message, **(extra or {})})
    typer.echo(message, err=True)
    raise typer.Exit(1)
