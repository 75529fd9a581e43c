"""`warehouse-tui order show|cancel ORDER` and `warehouse-tui status`.

ORDER is an internal id, an order label (ORD-123) or the shop's number (SHOP:SHOP_ORDER_ID).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    chosen_station,
    emit,
    emit_exact,
    open_store,
    refuse,
)
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor

app = typer.Typer(no_args_is_help=True)

OrderArgument = Annotated[
    str, typer.Argument(metavar="ORDER", help="Order id, ORD-<id> or SHOP:SHOP_ORDER_ID.")
]


@app.command()
def show(order: OrderArgument, as_json: JsonOption = False, db: DbOption = None) -> None:
    """An order: its lines (ordered, allocated, picked, packed), parcels and journal."""
    from warehouse_tui.services.orders import order_summary

    store = open_store(db)
    summary = order_summary(store, order)
    store.dispose()
    if summary is None:
        refuse(_("No such order: {order}").format(order=order), as_json=as_json)
    if as_json:
        emit_exact(summary)
    else:
        _print_summary(summary)


@app.command()
def cancel(
    order: OrderArgument,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Cancel an order: at once before release; after release it is intercepted, and cancelled
    once what was picked is restocked."""
    from warehouse_tui.services.orders import cancel_order

    store = open_store(db)
    result = cancel_order(store, Actor(None, chosen_station(station), "cli"), order)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json, extra={"id": result.order_id})
    if as_json:
        emit({"id": result.order_id, "status": result.status, "intercepted": result.intercepted})
    elif result.intercepted:
        typer.echo(
            _("Order {id} intercepted: it is cancelled once its picked items are restocked").format(
                id=result.order_id
            )
        )
    else:
        typer.echo(_("Order {id} cancelled").format(id=result.order_id))


def status(as_json: JsonOption = False, db: DbOption = None) -> None:
    """How many orders and waves are in each state."""
    from warehouse_tui.services.orders import status_counts

    store = open_store(db)
    counts = status_counts(store)
    store.dispose()
    if as_json:
        emit(counts)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for title, key in ((_("Orders"), "orders"), (_("Waves"), "waves")):
        table = Table(title=title, title_justify="left")
        table.add_column(_("State"))
        table.add_column(_("Count"), justify="right")
        for state, count in counts[key].items():
            table.add_row(state, str(count))
        console.print(table)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(_("Order {id} ({shop}:{shop_order_id}) — {status}").format(**summary))
    if summary["hold_reason"]:
        console.print(_("Held: {reason}").format(reason=summary["hold_reason"]))
    lines = Table(title=_("Lines"), title_justify="left")
    for heading in (_("SKU"), _("Ordered"), _("Allocated"), _("Picked"), _("Packed")):
        lines.add_column(heading, justify="left" if heading == _("SKU") else "right")
    for line in summary["lines"]:
        lines.add_row(
            line["sku"], *(str(line[key]) for key in ("ordered", "allocated", "picked", "packed"))
        )
    console.print(lines)
    if summary["parcels"]:
        parcels = Table(title=_("Parcels"), title_justify="left")
        for heading in (_("Parcel"), _("Status"), _("Weight (g)"), _("Tracking")):
            parcels.add_column(heading)
        for parcel in summary["parcels"]:
            parcels.add_row(
                f"PCL-{parcel['id']}",
                parcel["status"],
                str(parcel["weight_g"] or ""),
                parcel["tracking"] or "",
            )
        console.print(parcels)
    if summary["journal"]:
        journal = Table(title=_("Journal"), title_justify="left")
        for heading in (_("At (UTC)"), _("Operator"), _("Station"), _("Action")):
            journal.add_column(heading)
        for entry in summary["journal"]:
            journal.add_row(entry["at"], entry["operator"] or "", entry["station"], entry["action"])
        console.print(journal)
