"""`warehouse-tui count LOCATION…`: ask for locations to be counted on a handheld (blind)."""

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


def count_cmd(
    locations: Annotated[list[str], typer.Argument(metavar="LOCATION…", help="LOC- codes.")],
    reason: Annotated[str, typer.Option(help="Why they are counted.")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
    station: StationOption = None,
) -> None:
    """Ask for a blind count of each location (a location with a count open keeps it)."""
    from warehouse_tui.services.counts import request_counts

    store = open_store(db)
    result = request_counts(store, cli_actor(station), locations, reason)
    store.dispose()
    if not result.accepted:
        refuse(result.reason, as_json=as_json)
    for location, task_id in zip(locations, result.task_ids, strict=True):
        if as_json:
            emit({"location": location, "task": task_id})
        else:
            typer.echo(
                _("Count {task} asked for at {location}").format(task=task_id, location=location)
            )
