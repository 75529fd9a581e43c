"""`warehouse-tui totes add N`: register new totes; `labels totes` prints their labels."""

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


@app.command()
def add(
    count: Annotated[int, typer.Argument(metavar="N", help="How many new totes.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Register N new totes, numbered on from the highest (print them with `labels totes`)."""
    from warehouse_tui.services.picking.totes import add_totes

    store = open_store(db)
    result = add_totes(store, cli_actor(station, "cli"), count)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json)
    if as_json:
        emit({"totes": list(result.codes)})
    else:
        typer.echo("\n".join(result.codes))
