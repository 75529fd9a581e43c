"""`warehouse-tui receipts import|open|close`: supplier deliveries expected from a file, one
nobody announced opened by a supervisor, and a delivery closed with its differences."""

from __future__ import annotations

from pathlib import Path
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
from warehouse_tui.commands.returns import import_lines
from warehouse_tui.i18n import _

app = typer.Typer(no_args_is_help=True)

ReferenceArgument = Annotated[str, typer.Argument(metavar="REF", help="The delivery's reference.")]


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="JSON Lines, one delivery a line.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Expected deliveries: supplier, reference, lines [{sku, qty, batch, expiry}]."""
    from warehouse_tui.services.receipts import import_receipts

    import_lines(path, as_json, db, station, import_receipts)


@app.command("open")
def open_cmd(
    reference: ReferenceArgument,
    supplier: Annotated[str, typer.Option(help="Who delivered it.")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Open a delivery nobody announced, so the Receive screen takes it (a supervisor's call)."""
    from warehouse_tui.services.receipts import open_unexpected

    store = open_store(db)
    result = open_unexpected(store, cli_actor(station), supplier, reference)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json)
    if as_json:
        emit({"receipt": result.receipt_id, "reference": reference})
    else:
        typer.echo(result.reason)


@app.command()
def close(
    reference: ReferenceArgument,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Close a delivery: expected against received, per line."""
    from warehouse_tui.services.receipts import close_receipt, receipt_id_by_reference

    store = open_store(db)
    receipt_id = receipt_id_by_reference(store, reference)
    if receipt_id is None:
        store.dispose()
        refuse(_("No delivery {ref}").format(ref=reference), as_json=as_json)
    result = close_receipt(store, cli_actor(station), receipt_id)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json)
    if as_json:
        for line in result.summary:
            emit(line)
        return
    typer.echo(result.reason)
    for line in result.summary:
        typer.echo(
            "\t".join(
                str(line[key] if line[key] is not None else "")
                for key in ("sku", "batch", "expected", "received", "difference")
            )
        )
