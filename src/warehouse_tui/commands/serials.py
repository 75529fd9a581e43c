"""`warehouse-tui serials receive SKU SERIAL --reason R`: a supervisor records a serial as
received when the pick and pack stations refuse it as never received — a unit in stock from
before its SKU's deliveries were received with serials. Journaled with who and why; the unit
then picks and packs, and a set-aside waiting for it is done."""

from __future__ import annotations

from typing import Annotated

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

app = typer.Typer(no_args_is_help=True)


@app.callback()
def serials() -> None:
    """Serial numbers the pick and pack stations refuse."""


@app.command()
def receive(
    sku: Annotated[str, typer.Argument(metavar="SKU", help="The SKU's code or any barcode.")],
    serial: Annotated[str, typer.Argument(metavar="SERIAL", help="The unit's serial.")],
    reason: Annotated[str, typer.Option(help="Why; journaled with the serial.")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Record a serial refused as never received as received (stock from before serials)."""
    from warehouse_tui.services.set_asides import receive_serial

    store = open_store(db)
    result = receive_serial(store, cli_actor(station), sku, serial, reason)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json, extra={"sku": sku, "serial": serial})
    if as_json:
        emit({"sku": sku, "serial": serial, "message": result.message})
    else:
        typer.echo(result.message)
