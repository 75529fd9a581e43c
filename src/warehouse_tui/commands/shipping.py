"""`warehouse-tui manifest`: the day's parcels handed to one carrier, as CSV or PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from warehouse_tui.commands.common import DbOption, JsonOption, emit, open_store, refuse
from warehouse_tui.i18n import _


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(_("Give the date as YYYY-MM-DD")) from error


def manifest(
    carrier: Annotated[str, typer.Option("--carrier", help="Carrier code, e.g. UPS.")],
    out: Annotated[Path, typer.Option("--out", help="FILE.csv or FILE.pdf.")],
    day: Annotated[
        str | None,
        typer.Option("--date", help="Local date YYYY-MM-DD (default: today).", show_default=False),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the end-of-day manifest of CARRIER: the parcels loaded on its truck that day."""
    from sqlmodel import select

    from warehouse_tui.services.shipping import local_today, write_manifest
    from warehouse_tui.store.models import Carrier

    if out.suffix.lower() not in (".csv", ".pdf"):
        raise typer.BadParameter(_("--out must end in .csv or .pdf"))
    chosen_day = _day(day)
    store = open_store(db)
    try:
        with store.read() as session:
            known = session.exec(select(Carrier.id).where(Carrier.code == carrier)).first()
        if known is None:
            refuse(_("Unknown carrier {carrier}").format(carrier=carrier), as_json=as_json)
        chosen_day = chosen_day or local_today(store)
        try:
            count = write_manifest(store, carrier, chosen_day, out)
        except OSError as error:
            refuse(str(error), as_json=as_json)
    finally:
        store.dispose()
    if as_json:
        emit(
            {"carrier": carrier, "date": chosen_day.isoformat(), "parcels": count, "out": str(out)}
        )
    else:
        typer.echo(
            _("{count} parcels of {carrier} on {day} → {out}").format(
                count=count, carrier=carrier, day=chosen_day.isoformat(), out=out
            )
        )
