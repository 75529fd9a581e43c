"""Entry point. `warehouse-tui` with no subcommand starts the app without importing the command
line machinery (typer costs ~0.1 s), so the login screen paints sooner."""

from __future__ import annotations

import sys

from warehouse_tui.config import db_from_environment, station_from_environment

APP_OPTIONS = ("--db", "--station")


def app_options(argv: list[str]) -> dict[str, str] | None:
    """The --db/--station values when argv asks for nothing but the app, else None."""
    options: dict[str, str] = {}
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        name, equals, value = word.partition("=")
        if name not in APP_OPTIONS:
            return None
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        options[name] = value
    return options


def main() -> None:
    options = app_options(sys.argv[1:])
    if options is None:
        from warehouse_tui.cli import app

        app()
        return
    from warehouse_tui.app import run_app

    run_app(
        options.get("--db") or db_from_environment(),
        options.get("--station") or station_from_environment(),
    )
