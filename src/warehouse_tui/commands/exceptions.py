"""`warehouse-tui exceptions`: what will not finish by itself, and one action on one of them.

`exceptions [--kind K] [--json]` lists the queue oldest first (one JSON object per line:
`id`, `kind`, `ref`, `since`, `reason`, `actions`); `exceptions act ID ACTION [--reason R]`
takes one action, exit 1 with the reason when it does not apply (any more); `exceptions show
ID` prints the journal rows about the item.
"""

from __future__ import annotations

from typing import Annotated

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    cli_actor,
    emit,
    emit_exact,
    open_store,
    refuse,
)
from warehouse_tui.i18n import _

app = typer.Typer(no_args_is_help=False)

KindOption = Annotated[
    str | None,
    typer.Option(
        "--kind",
        help="Only one kind: short, stuck, held, intercepted, put-back, count, set-aside, "
        "unloaded.",
        show_default=False,
    ),
]


@app.callback(invoke_without_command=True)
def queue(
    ctx: typer.Context, kind: KindOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """The exceptions queue, oldest first: what each is about, since when, why, what may be
    done."""
    if ctx.invoked_subcommand is not None:
        return
    from warehouse_tui.services.exceptions import Kind, list_exceptions

    if kind is not None and kind not in {k.value for k in Kind}:
        typer.echo(
            _("Unknown kind {kind}: one of {kinds}").format(
                kind=kind, kinds=", ".join(k.value for k in Kind)
            ),
            err=True,
        )
        raise typer.Exit(2)
    store = open_store(db)
    items = list_exceptions(store, Kind(kind) if kind else None)
    store.dispose()
    for item in items:
        if as_json:
            emit_exact(item.as_json())
        else:
            fields = (item.id, item.ref, item.since.isoformat(timespec="seconds"), item.reason)
            typer.echo("\t".join((*fields, ",".join(item.actions))))


@app.command()
def act(
    exception_id: Annotated[str, typer.Argument(metavar="ID", help="An id from the queue.")],
    action: Annotated[str, typer.Argument(metavar="ACTION", help="One of the item's actions.")],
    reason: Annotated[str, typer.Option(help="Why; journaled with the action.")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Take one action on one exception."""
    from warehouse_tui.services.exceptions import act as act_on

    store = open_store(db)
    result = act_on(store, cli_actor(station), exception_id, action, reason)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json, extra={"id": exception_id})
    if as_json:
        emit({"id": exception_id, "action": action, "message": result.message or None})
    else:
        typer.echo(result.message or _("Done"))


@app.command()
def show(
    exception_id: Annotated[str, typer.Argument(metavar="ID", help="An id from the queue.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The journal rows about one exception's order, task or parcel, oldest first."""
    from warehouse_tui.services.exceptions import history

    store = open_store(db)
    rows = history(store, exception_id)
    store.dispose()
    for row in rows:
        if as_json:
            emit_exact(
                {
                    "at": row.at.isoformat(),
                    "who": row.who,
                    "station": row.station,
                    "action": row.action,
                    "accepted": row.accepted,
                    "reason": row.reason,
                    "raw": row.raw,
                }
            )
        else:
            mark = "" if row.accepted else "✗ "
            typer.echo(
                "\t".join(
                    (
                        row.at.isoformat(timespec="seconds"),
                        row.who,
                        row.station,
                        mark + row.action,
                        row.reason or row.raw,
                    )
                )
            )
