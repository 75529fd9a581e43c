"""`warehouse-tui product show CODE`: a product from any of its codes, for the floor's
look-ups (an item that will not scan, a count, a question from the shop)."""

from __future__ import annotations

from typing import Annotated, Any

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
    the open demand."""
    from warehouse_tui.services.lookup import product_card

    store = open_store(db)
    card = product_card(store, code)
    store.dispose()
    if card is None:
        refuse(_("No product has the code {code}").format(code=code), as_json=as_json)
    if as_json:
        emit_exact(card)
    else:
        _print_card(card)


def _print_card(card: dict[str, Any]) -> None:
    lines = [
        f"{card['sku']}  {card['name']}",
        _("Barcodes: {codes}").format(
            codes=", ".join(
                barcode["code"] + (f" ×{barcode['units']}" if barcode["units"] > 1 else "")
                for barcode in card["barcodes"]
            )
            or "—"
        ),
        _("Weight {weight} g, size {l}×{w}×{h} mm").format(
            weight=card["weight_g"],
            l=card["size_mm"][0],
            w=card["size_mm"][1],
            h=card["size_mm"][2],
        ),
    ]
    tracking = [
        name
        for name, on in ((_("serial"), card["serial_tracked"]), (_("batch"), card["batch_tracked"]))
        if on
    ]
    if tracking:
        lines.append(_("Tracked by {what}").format(what=", ".join(tracking)))
    for row in card["stock"]:
        place = " ".join(part for part in (row["location"], row["batch"], row["expiry"]) if part)
        lines.append(
            _("{place}: {on_hand} on hand, {allocated} allocated").format(
                place=place,
                on_hand=row["on_hand"],
                allocated=row["allocated"],
            )
        )
    lines.append(
        _("Open demand: {units} units in {orders} orders").format(
            units=card["open_units"], orders=card["open_orders"]
        )
    )
    for line in lines:
        typer.echo(line)
