"""The `warehouse-tui` command: with no subcommand it starts the app."""

from __future__ import annotations

import typer

from warehouse_tui.commands.common import (
    GLOBALS,
    DbOption,
    StationOption,
    chosen_db,
    chosen_station,
)

app = typer.Typer(
    help="The packing floor of an online shop, in a terminal.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def root(ctx: typer.Context, db: DbOption = None, station: StationOption = None) -> None:
    GLOBALS.db = db
    GLOBALS.station = station
    if ctx.invoked_subcommand is None:
        from warehouse_tui.app import run_app

        run_app(chosen_db(None), chosen_station(None))


def _register() -> None:
    from warehouse_tui.commands import db as db_commands

    app.add_typer(db_commands.app, name="db", help="Database schema.")


_register()
