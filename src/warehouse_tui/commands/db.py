"""`warehouse-tui db upgrade|current`."""

from __future__ import annotations

from typing import Annotated

import typer

from warehouse_tui.commands.common import DbOption, JsonOption, emit, open_store

app = typer.Typer(no_args_is_help=True)


CreateOption = Annotated[
    bool, typer.Option("--create", help="Create the SQLite file if it does not exist.")
]


@app.command()
def upgrade(db: DbOption = None, create: CreateOption = False, as_json: JsonOption = False) -> None:
    """Bring the schema to the newest revision (under a lock; safe with many terminals), and
    delete what an order import killed mid-way left."""
    from warehouse_tui.services.importing import recover_imports
    from warehouse_tui.store.migrate import current_revision

    store = open_store(db, create=create)
    recover_imports(store)
    revision = current_revision(store)
    if as_json:
        emit({"revision": revision})
    else:
        typer.echo(f"schema at {revision}")
