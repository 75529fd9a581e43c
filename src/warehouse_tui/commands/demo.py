"""`warehouse-tui demo`: seed the demo warehouse into an empty database, then start the app."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    StationOption,
    chosen_db,
    chosen_station,
    emit,
    open_store,
)
from warehouse_tui.i18n import _

SeedOption = Annotated[
    int, typer.Option("--seed", help="Random seed: the same seed and day give the same data.")
]
TodayOption = Annotated[
    datetime | None,
    typer.Option(
        "--today",
        formats=["%Y-%m-%d"],
        help="The demo's day (YYYY-MM-DD); dates are relative to it. Default: today.",
        show_default=False,
    ),
]
NoStartOption = Annotated[bool, typer.Option("--no-start", help="Only seed; do not start the app.")]
ResetOption = Annotated[
    bool,
    typer.Option("--reset", help="Delete every row first, so a database with data is reseeded."),
]


def demo_cmd(
    seed: SeedOption = 1,
    today: TodayOption = None,
    no_start: NoStartOption = False,
    reset: ResetOption = False,
    db: DbOption = None,
    station: StationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Seed the demo warehouse into an empty database, then start the app on it.

    A database that already holds data is left as it is (use --reset to wipe and reseed).
    """
    from warehouse_tui.demo import TIMEZONE, holds_data, seed_demo, wipe

    store = open_store(db, create=True)
    day = today.date() if today else datetime.now(ZoneInfo(TIMEZONE)).date()
    seeded = not holds_data(store) or reset
    if not seeded:
        typer.echo(
            _("The database already holds data: left as it is (--reset wipes it and reseeds)."),
            err=True,
        )
        if as_json:
            emit({"seeded": False})
    else:
        if reset:
            typer.echo(_("Deleting every row…"), err=True)
            wipe(store)
        counts = seed_demo(store, seed, day, progress=lambda message: typer.echo(message, err=True))
        report(seed, day, counts, as_json)
    store.dispose()
    if not no_start:
        from warehouse_tui.app import run_app

        run_app(chosen_db(db), chosen_station(station))


def report(seed: int, day: date, counts: dict[str, int], as_json: bool) -> None:
    if as_json:
        emit({"seeded": True, "seed": seed, "today": day.isoformat(), **counts})
        return
    typer.echo(
        _(
            "Demo warehouse seeded (seed {seed}, day {day}): {locations} locations, {skus} SKUs, "
            "{orders} orders — {ready} ready, {held} held, {cancelled} cancelled; "
            "{merged} merged shipments."
        ).format(
            seed=seed,
            day=day.isoformat(),
            locations=counts["locations"],
            skus=counts["skus"],
            orders=counts["orders"],
            ready=counts.get("orders_ready", 0),
            held=counts.get("orders_held", 0),
            cancelled=counts.get("orders_cancelled", 0),
            merged=counts["merge_groups"],
        )
    )
