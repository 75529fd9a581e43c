"""Entry point. `warehouse-tui` with no subcommand starts the app without importing the command
line machinery (typer costs ~0.1 s), so the login screen paints sooner; the read-only commands
scripts call are answered without it too when they can be (quick.py). What --db names is
checked first, cheaply: a database that is not there is refused in one line, exit 1, before
anything is painted (what only a connection can tell, the app shows on its log-in screen)."""

from __future__ import annotations

import sys

from warehouse_tui.config import db_from_environment, station_from_environment
from warehouse_tui.quick import take_option

APP_OPTIONS = ("--db", "--station")


def app_options(argv: list[str]) -> dict[str, str] | None:
    """The --db/--station values when argv asks for nothing but the app, else None."""
    options: dict[str, str] = {}
    rest = list(argv)
    while rest:
        if not take_option(rest, APP_OPTIONS, options):
            return None
    return options


def main() -> None:
    options = app_options(sys.argv[1:])
    if options is None:
        from warehouse_tui.quick import run

        answered = run(sys.argv[1:])
        if answered is not None:
            sys.exit(answered)
        from warehouse_tui.cli import app

        app()
        return
    from warehouse_tui.store.address import DatabaseUnavailable, check_database

    db = options["--db"] if "--db" in options else db_from_environment()
    try:
        check_database(db)
    except DatabaseUnavailable as refused:
        from warehouse_tui.commands.common import printable

        sys.exit(printable(str(refused)))
    from warehouse_tui.app import run_app

    run_app(db, options.get("--station") or station_from_environment())
