"""`warehouse-tui demo`: seed the demo warehouse into an empty database, then start the app."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
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

if TYPE_CHECKING:
    from warehouse_tui.store.engine import Store

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
    typer.Option("--reset", help="Make the database anew, then seed it."),
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

    A database that already holds data is left as it is (use --reset to make it anew and reseed).
    """
    from warehouse_tui.demo import TIMEZONE, holds_data, recreate, seed_demo

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
            typer.echo(_("Making the database anew…"), err=True)
            recreate(store)
        counts = seed_demo(store, seed, day, progress=lambda message: typer.echo(message, err=True))
        report(seed, day, counts, as_json)
    shop_folder = _connect_file_shops(store, chosen_db(db))
    store.dispose()
    if not as_json:
        typer.echo(
            _(
                "The demo shops sync through files in {folder} (put orders in */inbox); "
                "file printers write labels to {labels}."
            ).format(folder=shop_folder, labels=shop_folder.parent / "labels"),
            err=True,
        )
    if not no_start:
        from warehouse_tui.app import run_app

        with _sync_watcher(chosen_db(db), shop_folder / "sync.log"):
            run_app(chosen_db(db), chosen_station(station))


def _connect_file_shops(store: Store, db: str) -> Path:
    """The demo's shops sync through a folder each, beside the database, unless a shop was set
    up otherwise: `<folder>/shops/<CODE>/inbox` takes order files, `outbox` gets what the floor
    tells the shop. Returns the shops' folder."""
    from warehouse_tui.config import files_dir
    from warehouse_tui.demo import SHOP_CODES
    from warehouse_tui.sync.shops import connect_shop, shop_configs

    folder = files_dir(db) / "shops"
    for code in SHOP_CODES:
        if shop_configs(store, code):
            continue
        inbox, outbox = folder / code / "inbox", folder / code / "outbox"
        inbox.mkdir(parents=True, exist_ok=True)
        outbox.mkdir(parents=True, exist_ok=True)
        settings = {"inbox": str(inbox), "outbox": str(outbox)}
        refusal = connect_shop(store, code, "file", settings, station="demo")
        assert not refusal, refusal
    return folder


@contextmanager
def _sync_watcher(db: str, log: Path) -> Iterator[None]:
    """`warehouse-tui sync --watch` beside the app, its output in `log`, stopped (SIGTERM: it
    finishes the event in flight) when the app ends."""
    with log.open("ab") as output:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "warehouse_tui", "--db", db, "sync", "--watch"],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
        try:
            yield
        finally:
            watcher.terminate()
            try:
                watcher.wait(timeout=10)
            except subprocess.TimeoutExpired:
                watcher.kill()


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
