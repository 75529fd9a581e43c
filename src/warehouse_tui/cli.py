"""The `warehouse-tui` command: with no subcommand it starts the app.

Every command runs inside `RefusingGroup`: a database or file that cannot serve it (one that is
not there, not a database, read-only, on a full disk, behind an unreachable server) ends the
command with one line of reason on stderr and exit 1, as any refused input does. Other
exceptions are bugs and keep their traceback.

Each subcommand's module is imported only when that subcommand runs (or `--help` lists them
all): a command that only reads a barcode or plans a route must not pay for importing the
device drivers, the import service and the ORM behind every other command. `COMMANDS` names
where each one lives; `LazyCommands` loads it on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.main
from typer._click import Context  # typer vendors click: TyperGroup's methods take this Context
from typer.core import TyperGroup

from warehouse_tui.commands.common import (
    GLOBALS,
    DbOption,
    OperatorOption,
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

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        ctx.meta[JSON_ASKED] = "--json" in args  # the subcommand's context is gone on failure
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Context) -> Any:
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


COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "db": ("db", "app", "Database schema."),
    "check": ("check", "check_cmd", "Prove the floor's books agree; exit 1 naming each violation."),
    "demo": ("demo", "demo_cmd", None),
    "scale": ("devices", "scale_app", "Scales."),
    "labels": ("devices", "labels_app", "Our own labels."),
    "barcode": ("devices", "barcode_app", "Barcodes as scanners see them."),
    "manifest": ("shipping", "manifest", None),
    "import": (
        "importing",
        "import_cmd",
        "Import catalog, locations, stock or orders (CSV or JSON Lines).",
    ),
    "order": ("orders", "app", "Show or cancel one order."),
    "status": ("orders", "status", "Orders and waves per state."),
    "wave": ("waves", "wave_app", "Plan, release, pause, resume or cancel waves."),
    "orders": ("waves", "orders_app", "Audit new orders."),
    "route": ("waves", "route_app", "What-if routes on a layout."),
    "settings": ("settings", "app", "Warehouse-wide settings."),
    "operator": ("operators", "app", "Operators, badges and PIN locks."),
    "product": ("products", "app", "Look a product up by any of its codes."),
    "stock": ("stock", "app", "Stock per SKU for purchasing."),
    "sync": ("sync", "app", "Pull orders from the shops, deliver the outbox."),
    "exceptions": ("exceptions", "app", "What will not finish by itself; act on one."),
    "board": ("board", "board_cmd", None),
    "kpi": ("kpi", "kpi_cmd", None),
    "serve": ("serve", "serve_cmd", None),
    "totes": ("totes", "app", "Register totes (print their labels with `labels totes`)."),
    "count": ("counts", "count_cmd", "Ask for locations to be counted (blind, on a handheld)."),
    "returns": ("returns", "app", "Returns: announce, report, scrap or release quarantine."),
    "receipts": ("receipts", "app", "Supplier deliveries: expect, open unannounced, close."),
    "serials": ("serials", "app", "Serials refused as never received: record one as received."),
}
"""Subcommand → (module in warehouse_tui.commands, its Typer app or command function, help;
None takes the function's docstring)."""


class LazyCommands(RefusingGroup):
    """The root group: a subcommand is built from its module when it is first asked for."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute, help_text = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(f"warehouse_tui.commands.{module}"), attribute)
        # Registered on a stand-in root as the eager registration did, so a group stays a
        # group (`route plan`) and a function a command, each with its help.
        stand_in = typer.Typer(add_completion=False)
        if isinstance(target, typer.Typer):
            stand_in.add_typer(target, name=cmd_name, help=help_text)
        else:
            stand_in.command(cmd_name, help=help_text)(target)
        command = typer.main.get_group(stand_in).commands[cmd_name]
        self.commands[cmd_name] = command
        return command


app = typer.Typer(
    cls=LazyCommands,
    help="The packing floor of an online shop, in a terminal.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: DbOption = None,
    station: StationOption = None,
    operator: OperatorOption = None,
) -> None:
    GLOBALS.db = db
    GLOBALS.station = station
    GLOBALS.operator = operator
    if ctx.invoked_subcommand is None:
        from warehouse_tui.app import run_app
        from warehouse_tui.store.address import check_database

        database = chosen_db(None)
        check_database(database)
        run_app(database, chosen_station(None))
