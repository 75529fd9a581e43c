"""Operator KPIs for supervisors (80x24 and larger): today's figures per operator, as bars.

The bars compare operators with each other (the longest is the best of the day), so the
screen answers at a glance who is slow, who refuses many scans and who waits between tasks.
The figures come from services/kpi.py, the same as `warehouse-tui kpi`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.bar import Bar
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.feedback_line import FeedbackLine

if TYPE_CHECKING:
    from warehouse_tui.services.kpi import KpiResult

BAR_WIDTH = 8
BARS = (
    ("pick_lines_per_hour", N_("Lines/h")),
    ("orders_per_hour", N_("Orders/h")),
    ("refused_per_100", N_("Refused/100")),
    ("idle_min", N_("Idle min")),
)


class KpiScreen(FloorScreen):
    CSS_PATH = "kpi.tcss"
    TITLE_TEXT = N_("Operator KPIs")
    HELP: ClassVar[str] = N_(
        "Today's figures per operator, from the journal and the stock ledger: pick lines per "
        "hour, orders packed per hour, refused scans per hundred and minutes idle between "
        "tasks. Each bar is measured against the day's highest value of its column.\n\n"
        "F5 reads again. `warehouse-tui kpi --from D --to D --by operator|shift|day` gives "
        "every figure, for any days, as a table, JSON or CSV.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f5", "reload", _("Read again")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self._clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(id="kpi"):
            yield Static(_("Operator KPIs today"), classes="heading")
            with VerticalScroll(id="kpi-scroll"):
                yield Static(id="kpi-bars")
            yield FeedbackLine(id="feedback")
            yield Static(_("F5 read again · F1 help · Esc back"), classes="keys")

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        from warehouse_tui.services.kpi import today_kpis

        actor, clock = self.actor, self._clock
        self.call_service(
            lambda: today_kpis(self.store, actor, clock() if clock else None), then=self._show
        )

    def _show(self, result: KpiResult) -> None:
        from warehouse_tui.services.kpi import kpi_rows

        rows = list(kpi_rows(result))
        if not rows:
            self.query_one("#kpi-bars", Static).update(_("Nobody has worked today yet"))
            return
        self.query_one("#kpi-bars", Static).update(bar_table(rows))

    def handle_scan(self, code: str) -> None:
        self.refuse_scan(code, _("The KPI screen takes no scans: Esc goes back"))

    def action_back(self) -> None:
        self.app.pop_screen()


def bar_table(rows: list[dict[str, Any]]) -> Table:
    """One line per operator: each figure as a bar against the column's highest, and its value."""
    table = Table(box=None, pad_edge=False, expand=False)
    table.add_column(_("Operator"), no_wrap=True, max_width=16)
    for _key, heading in BARS:
        table.add_column(_(heading), no_wrap=True, min_width=BAR_WIDTH + 5)
    highest = {key: max(float(row[key]) for row in rows) or 1.0 for key, _h in BARS}
    for row in rows:
        cells: list[Any] = [Text(on_screen(row["operator"]))]
        for key, _heading in BARS:
            value = float(row[key])
            bar = Table.grid()
            bar.add_column(width=BAR_WIDTH)
            bar.add_row(Bar(highest[key], 0, value, width=BAR_WIDTH), Text(f" {value:g}"))
            cells.append(bar)
        table.add_row(*cells)
    return table


register_screen("kpi", N_("Operator KPIs"), {"supervisor"}, lambda: KpiScreen())
