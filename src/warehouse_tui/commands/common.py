"""What every subcommand shares: --db, --station, --json, and the exit-code convention.

Exit 0 when the command did its job, 1 when input was refused, 2 for usage errors. With
--json, stdout carries one compact JSON object per line and nothing else.

A database that cannot serve a command is input refused like any other: `open_store` opens
what --db names only if it is there (commands that create databases say so), and a failure
later on (a read-only file, a full disk, a server gone away) reaches the root command group,
which prints `refusal_reason` on one line instead of a traceback.

Whatever the terminal is shown comes from scanners, shops and files: control and format
characters in it (ESC starts an escape sequence) are written as escapes, never sent raw, in
plain text (`printable`) and in JSON (`emit`, as JSON's own escapes, so the data decodes
unchanged).
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from warehouse_tui.services.journal import Actor

from warehouse_tui.config import db_from_environment, default_db_path, station_from_environment
from warehouse_tui.domain.text import UNSAFE_CATEGORIES as UNSAFE_CATEGORIES  # tests name them here
from warehouse_tui.domain.text import json_line
from warehouse_tui.domain.text import printable as printable  # the commands print through it
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
OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="Who runs the command line, as the journal records it (env WAREHOUSE_OPERATOR;"
        " default the system user). The command line acts as this named local admin.",
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
    operator: str | None = None


GLOBALS = Globals()


def chosen_db(db: str | None) -> str:
    """The subcommand's --db, else the one before it, else the environment's or the default.
    An empty --db is kept (and refused when opened), not taken for "none given"."""
    named = named_db(db)
    return db_from_environment() if named is None else named


def named_db(db: str | None) -> str | None:
    """The database only when one was named (--db or WAREHOUSE_DB), else None."""
    for given in (db, GLOBALS.db):
        if given is not None:
            return given
    return os.environ.get("WAREHOUSE_DB") or None


def chosen_station(station: str | None) -> str:
    return station or GLOBALS.station or station_from_environment()


def cli_actor(station: str | None, screen: str = "cli") -> Actor:
    """The command line as the journal records it: the local admin, named by --operator,
    else WAREHOUSE_OPERATOR, else the system user who ran it."""
    from warehouse_tui.services.journal import Actor

    name = GLOBALS.operator or os.environ.get("WAREHOUSE_OPERATOR") or getpass.getuser()
    return Actor(None, chosen_station(station), screen, name=name)


def open_store(db: str | None, *, upgrade: bool = True, create: bool = False):  # type: ignore[no-untyped-def]
    """The Store for this invocation, its schema brought to head under the upgrade lock.

    A SQLite file that does not exist is refused unless `create` (the commands that create
    databases); the default database's folder is ours, made when the default is created."""
    from warehouse_tui.store.engine import open_database
    from warehouse_tui.store.migrate import upgrade as upgrade_schema

    database = chosen_db(db)
    if create and named_db(db) is None:
        default_db_path().parent.mkdir(parents=True, exist_ok=True)
    store = open_database(database, create=create)
    if upgrade:
        upgrade_schema(store)
    return store


def refusal_reason(error: Exception) -> str | None:
    """One line for a database or file that could not serve the command, else None."""
    from warehouse_tui.store.address import DatabaseUnavailable

    if isinstance(error, DatabaseUnavailable):  # found before the database layer was imported
        return str(error)
    from warehouse_tui.store.engine import failure_reason

    return failure_reason(error)


def read_store(db: str | None):  # type: ignore[no-untyped-def]
    """The Store for a command that only reads: not upgraded (that costs more than the
    reading), refused with a clear message when its schema is behind this program's."""
    from warehouse_tui.store.engine import open_database
    from warehouse_tui.store.revision import newest_revision, stored_revision

    store = open_database(chosen_db(db), create=False)
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
    emit_exact(drop_none(obj))


def emit_exact(obj: dict[str, Any]) -> None:
    """One compact JSON line keeping nulls (for contracts naming keys as always present)."""
    sys.stdout.write(json_line(obj) + "\n")


def drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if value is not None}


def refuse(message: str, *, as_json: bool = False, extra: dict[str, Any] | None = None) -> NoReturn:
    """Input was refused: say why (stderr, and stdout as JSON with --json), exit 1."""
    if as_json:
        emit_exact({"error": message, **(extra or {})})
    typer.echo(message, err=True)
    raise typer.Exit(1)
