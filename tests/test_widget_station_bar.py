"""The station bar: station, operator and the shop sync's state, as text."""

from __future__ import annotations

import io
from datetime import datetime

from rich.console import Console
from textual.app import App, ComposeResult

from tests.apphelpers import add_operators, log_in, make_test_app, wait_idle
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Outbox, OutboxState
from warehouse_tui.sync.outbox import SyncSummary
from warehouse_tui.widgets.station_bar import StationBar


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StationBar()


def shown(bar: StationBar) -> str:
    """The bar's line as a 60-column terminal shows it."""
    console = Console(width=60, record=True, file=io.StringIO())
    console.print(bar.render())
    return console.export_text().rstrip("\n")


async def test_the_bar_says_where_who_and_how_the_shop_stands() -> None:
    app = BarApp()
    async with app.run_test(size=(60, 3)) as pilot:
        bar = app.query_one(StationBar)
        bar.station, bar.operator = "PACK-1", "[b]Marta[/b]"
        await pilot.pause()
        assert shown(bar).rstrip() == "PACK-1 · [b]Marta[/b]"
        bar.sync = SyncSummary(0, 0, None, False)
        await pilot.pause()
        assert shown(bar) == "PACK-1 · [b]Marta[/b]" + "shop: in step".rjust(39)
        assert not bar.has_class("sync-trouble")
        bar.sync = SyncSummary(3, 1, datetime(2026, 12, 4, 9, 5), True)
        await pilot.pause()
        assert shown(bar).endswith("shop: 3 to send, 1 failed, pull failing, pulled 09:05")
        assert bar.has_class("sync-trouble")


async def test_every_floor_screen_shows_the_outbox_backlog(sqlite_store: Store) -> None:
    add_operators(sqlite_store)
    with sqlite_store.write() as session:
        session.add(
            Outbox(
                shop="WEB",
                event="fulfilment",
                payload={},
                idempotency_key="k1",
                order_ref="WEB:1",
                state=OutboxState.PENDING,
            )
        )
    app = make_test_app(sqlite_store, station="PACK-9")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "OP-1000000002")
        await wait_idle(pilot)
        bar = app.screen.query_one(StationBar)
        assert (bar.station, bar.operator) == ("PACK-9", "Ben Packer")
        assert bar.sync is not None and bar.sync.waiting == 1
