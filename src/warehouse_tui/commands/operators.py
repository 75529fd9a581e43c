"""`warehouse-tui operator add|list|unlock|new-badge`: who may log in, and their badges."""

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
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.models import Role

app = typer.Typer(no_args_is_help=True)
OperatorId = Annotated[int, typer.Argument(metavar="ID", help="The operator's id.")]


def _cli(station: str | None) -> Actor:
    return cli_actor(station, "cli")


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="The operator's name as screens show it.")],
    role: Annotated[Role, typer.Option(help="What the operator may do.")],
    pin: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="4 to 12 digits.", show_default=False)
    ],
    language: Annotated[str, typer.Option(help="en or zh_CN.")] = "en",
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Add an operator with a new random badge (print it with `labels badges`)."""
    from warehouse_tui.services.auth import add_operator

    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        refuse(_("A PIN is 4 to 12 digits"), as_json=as_json)
    if language not in ("en", "zh_CN"):
        refuse(_("Language is en or zh_CN"), as_json=as_json)
    store = open_store(db)
    view, refusal = add_operator(store, _cli(station), name, role, pin, language)
    store.dispose()
    if view is None:
        refuse(refusal, as_json=as_json)
    if as_json:
        emit({"id": view.id, "badge": view.badge, "name": view.name, "role": view.role})
    else:
        typer.echo(f"{view.id}\t{view.badge}\t{view.name}\t{view.role}")


@app.command("list")
def list_cmd(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every operator: id, badge, name, role, language and a PIN lock if one holds."""
    from warehouse_tui.services.auth import operators

    store = open_store(db)
    rows = operators(store)
    store.dispose()
    for view, locked_until in rows:
        until = locked_until.isoformat() if locked_until else None
        if as_json:
            emit(
                {
                    "id": view.id,
                    "badge": view.badge,
                    "name": view.name,
                    "role": view.role,
                    "language": view.language,
                    "locked_until": until,
                }
            )
        else:
            lock = _("locked until {time}").format(time=until) if until else ""
            typer.echo(
                "\t".join((str(view.id), view.badge, view.name, view.role, view.language, lock))
            )


@app.command()
def unlock(
    operator_id: OperatorId,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Lift an operator's lock after wrong PINs."""
    from warehouse_tui.services.auth import unlock_operator

    store = open_store(db)
    refusal = unlock_operator(store, _cli(station), operator_id)
    store.dispose()
    if refusal:
        refuse(refusal, as_json=as_json)
    if as_json:
        emit({"id": operator_id, "unlocked": True})
    else:
        typer.echo(_("Operator {id} unlocked").format(id=operator_id))


@app.command("new-badge")
def new_badge_cmd(
    operator_id: OperatorId,
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Issue a new random badge for a lost or copied one; the old badge stops working."""
    from warehouse_tui.services.auth import reissue_badge

    store = open_store(db)
    badge, refusal = reissue_badge(store, _cli(station), operator_id)
    store.dispose()
    if badge is None:
        refuse(refusal, as_json=as_json)
    if as_json:
        emit({"id": operator_id, "badge": badge})
    else:
        typer.echo(badge)
