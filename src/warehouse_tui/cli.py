"""The `warehouse-tui` command: with no subcommand it starts the app.

Every command runs inside `RefusingGroup`: a database or file that cannot serve it (one that is
not there, not a database, read-only, on a full disk, behind an unreachable server) ends the
command with one line of reason on stderr and exit 1, as any refused input does. Other
exceptions are bugs and keep their traceback.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from warehouse_tui.commands.common import (
    GLOBALS,
    DbOption,
    StationOption,
    chosen_db,
    chosen_station,
    emit_exact,
    printable,
    refusal_reason,
)

JSON_ASKED = "warehouse_tui.json"


class RefusingGroup(TyperGroup):
    """The root command group: a database or file failure is refused in one line, exit 1."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        ctx.meta[JSON_ASKED] = "--json" in args  # the subcommand's context is gone on failure
        return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):  # usage errors, exits
            raise
        except Exception as error:
            reason = refusal_reason(error)
            if reason is None:
                raise
            if ctx.meta.get(JSON_ASKED):
                emit_exact({"error": reason})
            typer.echo(printable(reason), err=True)  # a path may hold a newline, or ESC
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=RefusingGroup,
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
        from warehouse_tui.store.address import check_database

        database = chosen_db(None)
        check_database(database)
        run_app(database, chosen_station(None))


def _register() -> None:
    from warehouse_tui.commands import (
        check,
        counts,
        demo,
        devices,
        exceptions,
        importing,
        operators,
        orders,
        products,
        settings,
        shipping,
        stock,
    )
    from warehouse_tui.commands import db as db_commands
    from warehouse_tui.commands import sync as sync_commands
    from warehouse_tui.commands import waves as wave_commands

    app.add_typer(db_commands.app, name="db", help="Database schema.")
    app.command("check", help="Prove the floor's books agree; exit 1 naming each violation.")(
        check.check_cmd
    )
    app.command("demo")(demo.demo_cmd)
    app.add_typer(devices.scale_app, name="scale", help="Scales.")
    app.add_typer(devices.labels_app, name="labels", help="Our own labels.")
    app.add_typer(devices.barcode_app, name="barcode", help="Barcodes as scanners see them.")
    app.command("manifest")(shipping.manifest)
    app.command("import", help="Import catalog, locations, stock or orders (CSV or JSON Lines).")(
        importing.import_cmd
    )
    app.add_typer(orders.app, name="order", help="Show or cancel one order.")
    app.command("status", help="Orders and waves per state.")(orders.status)
    app.add_typer(
        wave_commands.wave_app, name="wave", help="Plan, release, pause, resume or cancel waves."
    )
    app.add_typer(wave_commands.orders_app, name="orders", help="Audit new orders.")
    app.add_typer(wave_commands.route_app, name="route", help="What-if routes on a layout.")
    app.add_typer(settings.app, name="settings", help="Warehouse-wide settings.")
    app.add_typer(operators.app, name="operator", help="Operators, badges and PIN locks.")
    app.add_typer(products.app, name="product", help="Look a product up by any of its codes.")
    app.add_typer(stock.app, name="stock", help="Stock per SKU for purchasing.")
    app.add_typer(
        sync_commands.app, name="sync", help="Pull orders from the shops, deliver the outbox."
    )
    app.add_typer(
        exceptions.app, name="exceptions", help="What will not finish by itself; act on one."
    )
    app.command("count", help="Ask for locations to be counted (blind, on a handheld).")(
        counts.count_cmd
    )


_register()
