"""The read-only commands scripts call most, answered before typer is imported.

`status`, `order show ORDER`, `barcode inspect CODE…` and `route plan SPEC.json`, with --json,
read a few rows or none; importing typer, rich and SQLAlchemy for them costs tens of times
more than the work. So the launcher first offers the command line to `run`, which answers
only the plainest form of those commands — --json, the options they document, a SQLite
database with a current schema, an answer that is no refusal — and otherwise returns None
before it has printed anything, and typer runs the command as always (the tables and lines
for people included: they are rich's and typer's). A refusal (no such order, a schema
behind, a file that is no database, an unreadable spec) is left to typer on purpose: it is
rare, and its message and exit code then come from the one place that words them.

The answers are the same functions the typer commands print: store/order_view.py on a bare
sqlite3 connection, `parse_scan`, `plan_route_from_spec`, and `json_line` for --json.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

QUICK = {("status",), ("order", "show"), ("barcode", "inspect"), ("route", "plan")}
"""The commands answered here, each by its words."""
_GLOBAL_OPTIONS = ("--db", "--station")
_OPTIONS = {
    ("status",): ("--db",),
    ("order", "show"): ("--db",),
    ("barcode", "inspect"): ("--db",),
    ("route", "plan"): (),
}
"""Options each command takes a value for (all take the flag --json)."""


class _Call:
    """A command line as typer would read it for one of the QUICK commands."""

    def __init__(self, words: tuple[str, ...], globals_: dict[str, str]) -> None:
        self.words = words
        self.globals = globals_
        self.options: dict[str, str] = {}
        self.json = False
        self.arguments: list[str] = []

    @property
    def db(self) -> str | None:
        """The database named (the command's --db, the one before it, WAREHOUSE_DB), else None."""
        for given in (self.options.get("--db"), self.globals.get("--db")):
            if given is not None:
                return given
        return os.environ.get("WAREHOUSE_DB") or None


def run(argv: list[str]) -> int | None:
    """The exit status once `argv` is answered here, else None (nothing was printed)."""
    call = _parse(argv)
    if call is None or not call.json:
        return None
    answer = _ANSWERS[call.words](call)
    if answer is None:
        return None
    sys.stdout.write(answer)
    sys.stdout.flush()
    return 0


def _parse(argv: list[str]) -> _Call | None:
    """`argv` read as typer reads it, or None for anything but a QUICK command's plain form
    (help, an option it does not take, a value missing, `--`)."""
    rest = list(argv)
    globals_: dict[str, str] = {}
    while rest and rest[0].startswith("-"):
        if not take_option(rest, _GLOBAL_OPTIONS, globals_):
            return None
    words = tuple(rest[:2]) if rest[:1] != ["status"] else ("status",)
    if words not in QUICK:
        return None
    call = _Call(words, globals_)
    del rest[: len(words)]
    while rest:
        if rest[0] == "--json":
            call.json = True
            rest.pop(0)
        elif rest[0].startswith("-"):
            if not take_option(rest, _OPTIONS[words], call.options):
                return None
        else:
            call.arguments.append(rest.pop(0))
    return call


def take_option(rest: list[str], names: tuple[str, ...], into: dict[str, str]) -> bool:
    """Move the option at the head of `rest` (`--name value` or `--name=value`) into `into`;
    False when it is none of `names` or has no value."""
    name, equals, value = rest.pop(0).partition("=")
    if name not in names:
        return False
    if not equals:
        if not rest:
            return False
        value = rest.pop(0)
    into[name] = value
    return True


def _status(call: _Call) -> str | None:
    if call.arguments:
        return None
    from warehouse_tui.domain.text import json_line
    from warehouse_tui.store.order_view import status_counts

    counts = _read_sqlite(call, status_counts)
    return None if counts is None else json_line(counts) + "\n"


def _order_show(call: _Call) -> str | None:
    if len(call.arguments) != 1:
        return None
    from warehouse_tui.domain.text import json_line
    from warehouse_tui.store.order_view import order_summary

    (ref,) = call.arguments
    summary = _read_sqlite(call, lambda rows: order_summary(rows, ref))
    return None if summary is None else json_line(summary) + "\n"


def _read_sqlite(call: _Call, read: Callable[[Any], Any]) -> Any:
    """What `read` finds in the SQLite database the call names, on a bare connection; None
    when typer should run the command: a PostgreSQL URL, a database that cannot be read or
    has no current schema (typer words the refusal)."""
    import sqlite3

    from warehouse_tui.config import default_db_path
    from warehouse_tui.store.address import DatabaseUnavailable, check_database, sqlite_path
    from warehouse_tui.store.order_view import rows_on
    from warehouse_tui.store.revision import STORED_REVISION_SQL, newest_revision

    named = call.db
    try:
        path = sqlite_path(check_database(str(default_db_path()) if named is None else named))
    except DatabaseUnavailable:
        return None
    if path is None or "?" in str(path):
        return None
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            rows = rows_on(connection, qmark=True)
            connection.execute("BEGIN DEFERRED")  # one snapshot for every read
            if rows(STORED_REVISION_SQL, ()) != [(newest_revision(),)]:
                return None
            return read(rows)
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def _barcode_inspect(call: _Call) -> str | None:
    if not call.arguments or call.db is not None:  # resolving codes needs the ORM's lookups
        return None
    from warehouse_tui.domain.barcodes import parse_scan, scan_to_json
    from warehouse_tui.domain.text import json_line

    return "".join(json_line(scan_to_json(parse_scan(code))) + "\n" for code in call.arguments)


def _route_plan(call: _Call) -> str | None:
    if len(call.arguments) != 1:
        return None
    import json
    from pathlib import Path

    from warehouse_tui.domain.routing import plan_route_from_spec
    from warehouse_tui.domain.text import json_line

    try:
        result = plan_route_from_spec(json.loads(Path(call.arguments[0]).read_text("utf-8")))
    except (OSError, ValueError):  # unreadable, not JSON (a ValueError), no route: typer says why
        return None
    return json_line({key: value for key, value in result.items() if value is not None}) + "\n"


_ANSWERS: dict[tuple[str, ...], Callable[[_Call], str | None]] = {
    ("status",): _status,
    ("order", "show"): _order_show,
    ("barcode", "inspect"): _barcode_inspect,
    ("route", "plan"): _route_plan,
}
