"""`warehouse-tui product show CODE`: a product from any of its codes, for the floor's
look-ups (an item that will not scan, a count, a question from the shop)."""

from __future__ import annotations

from typing import Annotated

import typer

from warehouse_tui.commands.common import DbOption, JsonOption, emit_exact, open_store, refuse
from warehouse_tui.i18n import _

app = typer.Typer(no_args_is_help=True)


@app.command()
def show(
    code: Annotated[str, typer.Argument(help="A barcode, case code, GS1 string or the SKU.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Name, barcodes, case sizes, tracking, weight and size, stock per location and lot, and
    the open demand; for a GS1 code with a serial, where that unit's serial stands."""
    from warehouse_tui.services.lookup import product_card, product_card_lines

    store = open_store(db)
    card = product_card(store, code)
    store.dispose()
    if card is None:
        refuse(_("No product has the code {code}").format(code=code), as_json=as_json)
    if as_json:
        emit_exact(card)
    else:
        for line in product_card_lines(card):
            typer.echo(line)
