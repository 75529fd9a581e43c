"""`warehouse-tui order show|cancel ORDER` and `warehouse-tui status`.

ORDER is an internal id, an order label (ORD-123) or the shop's number (SHOP:SHOP_ORDER_ID).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    cli_actor,
    emit,
    emit_exact,
    open_store,
    read_store,
    refuse,
)
from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from warehouse_tui.services.orders import OrderResult

app = typer.Typer(no_args_is_help=True)

OrderArgument = Annotated[
    str, typer.Argument(metavar="ORDER", help="Order id, ORD-<id> or SHOP:SHOP_ORDER_ID.")
]


@app.command()
def show(order: OrderArgument, as_json: JsonOption = False, db: DbOption = None) -> None:
    """An order: its lines (ordered, allocated, picked, packed), parcels and journal."""
    from warehouse_tui.services.orders import order_summary

    store = read_store(db)
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
    result = cancel_order(store, cli_actor(station, "cli"), order)
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


@app.command()
def hold(
    order: OrderArgument,
    reason: Annotated[str, typer.Option(help="Why: everyone who meets the order reads it.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Hold an order that is not yet in a wave; waves pass it by until it is released."""
    from warehouse_tui.services.holds import hold_order

    store = open_store(db)
    result = hold_order(store, cli_actor(station, "cli"), order, reason)
    store.dispose()
    _held_or_released(result, as_json)


@app.command()
def release(
    order: OrderArgument,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Release a held order: it is audited again at once and is ready, or held with the
    audit's reason."""
    from warehouse_tui.services.holds import release_order

    store = open_store(db)
    result = release_order(store, cli_actor(station, "cli"), order)
    store.dispose()
    _held_or_released(result, as_json)


def _held_or_released(result: OrderResult, as_json: bool) -> None:
    if not result.accepted:
        refuse(result.reason, as_json=as_json, extra={"id": result.order_id})
    if as_json:
        emit(
            {
                "id": result.order_id,
                "status": result.status,
                "hold_reason": result.hold_reason or None,
            }
        )
    elif result.hold_reason:
        typer.echo(
            _("Order {id} is {status}: {reason}").format(
                id=result.order_id, status=result.status, reason=result.hold_reason
            )
        )
    else:
        typer.echo(_("Order {id} is {status}").format(id=result.order_id, status=result.status))


def status(as_json: JsonOption = False, db: DbOption = None) -> None:
    """How many orders and waves are in each state."""
    from warehouse_tui.services.orders import status_counts

    store = read_store(db)
    counts = status_counts(store)
    store.dispose()
    if as_json:
        emit(counts)
        return
    from rich.console import Console

    console = Console()
    for title, key in ((_("Orders"), "orders"), (_("Waves"), "waves")):
        rows = [[state, str(count)] for state, count in counts[key].items()]
        console.print(_table(title, (_("State"), _("Count")), rows, counts=True))


def _print_summary(summary: dict[str, Any]) -> None:
    """The order as tables; every value is shop or operator text, so none is read as markup."""
    from rich.console import Console

    console = Console()

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    say(_("Order {id} ({shop}:{shop_order_id}) — {status}").format(**summary))
    ship_to = ", ".join(summary["ship_to"].values())
    say(_("Ship to: {address}").format(address=ship_to))
    say(
        _("Carrier: {carrier} {service}").format(
            carrier=summary["carrier"], service=summary["service"] or ""
        )
    )
    if summary["wave"] is not None:
        say(_("Wave: {wave}").format(wave=summary["wave"]))
    if summary["hold_reason"]:
        say(_("Held: {reason}").format(reason=summary["hold_reason"]))
    if summary["intercept"]:
        say(_("Intercepted: {reason}").format(reason=summary["intercept"]))
    columns = ("ordered", "allocated", "picked", "packed")
    console.print(
        _table(
            _("Lines"),
            (_("SKU"), _("Ordered"), _("Allocated"), _("Picked"), _("Packed")),
            [[line["sku"], *(str(line[key]) for key in columns)] for line in summary["lines"]],
            counts=True,
        )
    )
    if summary["parcels"]:
        console.print(
            _table(
                _("Parcels"),
                (_("Parcel"), _("Status"), _("Weight (g)"), _("Tracking")),
                [
                    [
                        format_label(ScanKind.PARCEL, parcel["id"]),
                        parcel["status"],
                        str(parcel["weight_g"] or ""),
                        parcel["tracking"] or "",
                    ]
                    for parcel in summary["parcels"]
                ],
            )
        )
    units = [(ret, unit) for ret in summary["returns"] for unit in ret["units"]]
    if summary["returns"]:
        console.print(
            _table(
                _("Returns"),
                (_("Return"), _("RMA"), _("Unit"), _("SKU"), _("Condition"), _("Status")),
                [
                    [
                        str(ret["id"]),
                        ret["rma"] or "",
                        str(unit["unit"]),
                        unit["sku"],
                        unit["condition"] or "",
                        unit["status"],
                    ]
                    for ret, unit in units
                ]
                or [
                    [str(ret["id"]), ret["rma"] or "", "", "", "", ret["status"]]
                    for ret in summary["returns"]
                ],
            )
        )
    if summary["journal"]:
        console.print(
            _table(
                _("Journal"),
                (_("At (UTC)"), _("Operator"), _("Station"), _("Action"), _("Outcome")),
                [
                    [
                        entry["at"],
                        entry["operator"] or "",
                        entry["station"],
                        entry["action"],
                        entry["reason"] or (_("done") if entry["accepted"] else _("refused")),
                    ]
                    for entry in summary["journal"]
                ],
            )
        )


def _table(
    title: str, headings: tuple[str, ...], rows: list[list[str]], *, counts: bool = False
) -> Any:
    """A rich table whose cells are plain text: a name like "[b]Mug[/]" shows as typed. With
    `counts`, the columns after the first hold numbers and are right-aligned."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for index, heading in enumerate(headings):
        table.add_column(heading, justify="right" if counts and index else "left")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table
