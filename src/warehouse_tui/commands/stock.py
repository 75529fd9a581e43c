"""`warehouse-tui stock report`: stock per SKU for purchasing."""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from warehouse_tui.commands.common import DbOption, JsonOption, emit_exact, open_store, refuse
from warehouse_tui.i18n import _

app = typer.Typer(no_args_is_help=True)


@app.command()
def report(
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    low: Annotated[
        bool, typer.Option("--low", help="Only SKUs short of cover or of their open demand.")
    ] = False,
    below: Annotated[
        float, typer.Option(help="With --low: days of cover that count as low.", min=0)
    ] = 7.0,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Per SKU: on hand, allocated, free, open demand, units shipped in the last 7 and 30 days,
    days of cover at the 30-day rate, and the locations holding it."""
    from warehouse_tui.services.stock_report import stock_report

    if as_csv and as_json:
        refuse(_("Choose --csv or --json, not both"), as_json=as_json)
    store = open_store(db)
    rows = stock_report(store, sku=sku, low_below_days=below if low else None)
    store.dispose()
    if sku is not None and not rows and not low:
        refuse(_("No SKU {sku}").format(sku=sku), as_json=as_json)
    if as_json:
        for row in rows:
            emit_exact(asdict(row))
        return
    writer = csv.writer(sys.stdout, delimiter="," if as_csv else "\t", lineterminator="\n")
    writer.writerow(
        [
            "sku",
            "name",
            "on_hand",
            "allocated",
            "free",
            "open_demand",
            "shipped_7d",
            "shipped_30d",
            "days_of_cover",
            "locations",
        ]
    )
    for row in rows:
        cover = "" if row.days_of_cover is None else row.days_of_cover
        writer.writerow(
            [
                row.sku,
                row.name,
                row.on_hand,
                row.allocated,
                row.free,
                row.open_demand,
                row.shipped_7d,
                row.shipped_30d,
                cover,
                " ".join(row.locations),
            ]
        )
