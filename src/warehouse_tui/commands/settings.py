"""`warehouse-tui settings show|set`: warehouse-wide settings (tolerances, windows, feedback)."""

from __future__ import annotations

import json
from typing import Annotated, Any

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

app = typer.Typer(no_args_is_help=True)


@app.command()
def show(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Every setting with its current value (the default where none was set)."""
    from warehouse_tui.services.settings import all_settings

    store = open_store(db)
    values = all_settings(store)
    store.dispose()
    if as_json:
        emit(values)
        return
    for key, value in values.items():
        typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")


@app.command("set")
def set_cmd(
    key: Annotated[str, typer.Argument(help="The setting's name, as `settings show` lists it.")],
    value: Annotated[str, typer.Argument(help="Its new value as JSON (a bare word is text).")],
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Change one setting; a value of the wrong shape is refused and changes nothing."""
    from warehouse_tui.services.settings import change_setting

    parsed = _parsed(value)
    store = open_store(db)
    refusal = change_setting(store, cli_actor(station, "cli"), key, parsed)
    store.dispose()
    if refusal:
        refuse(refusal, as_json=as_json)
    if as_json:
        emit({key: parsed})
    else:
        typer.echo(
            _("{key} is now {value}").format(key=key, value=json.dumps(parsed, ensure_ascii=False))
        )


def _parsed(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
