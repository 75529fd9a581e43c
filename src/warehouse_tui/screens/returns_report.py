"""What came back, at the supervisor's desk (80×24 and larger): returns by reason, by SKU (the
return rate against units shipped) and by buyer, repeat returners flagged — the rows
`warehouse-tui returns report` prints. F2 steps the period: all, the last 30 days, the last 7."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption

if TYPE_CHECKING:
    from warehouse_tui.services.returns.report import ReportRow

PERIODS = (None, 30, 7)  # days back; None: every return


class ReturnsReportScreen(FloorScreen):
    CSS_PATH = "goods_in.tcss"
    AUTO_FOCUS = "#report"
    TITLE_TEXT = N_("Returns report")
    HELP: ClassVar[str] = N_(
        "Units returned by reason, by SKU (with the units shipped and the return rate) and by "
        "buyer; a buyer with two returns or more in the period is flagged as a repeat "
        "returner. F2 steps the period (all, 30 days, 7 days), F5 reads it again. The same "
        "report on the command line: warehouse-tui returns report.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "period", _("Period")),
        Binding("f5", "reload", _("Refresh")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="goods-in"):
            yield Caption(id="mode")
            yield DataTable(id="report", cursor_type="row", zebra_stripes=True)
            yield Static(_("F2 period · F5 refresh · F1 help · Esc"), classes="keys")

    def on_mount(self) -> None:
        self.query_one("#report", DataTable).add_columns(
            _("By"), _("Key"), _("Units"), _("Shipped"), _("Rate"), _("Returns"), _("Repeat")
        )
        self.action_reload()

    def action_reload(self) -> None:
        from warehouse_tui.services.returns.report import report_rows, returns_report

        days = PERIODS[self.period]
        start = datetime.now(UTC) - timedelta(days=days) if days is not None else None
        store = self.store
        self.call_service(lambda: report_rows(returns_report(store, start)), then=self._show)

    def _show(self, rows: list[ReportRow]) -> None:
        days = PERIODS[self.period]
        self.query_one("#mode", Caption).text = (
            _("Returns, all time") if days is None else _("Returns, last {n} days").format(n=days)
        )
        by = {"reason": _("reason"), "sku": _("SKU"), "buyer": _("buyer")}
        table: DataTable[Text] = self.query_one("#report", DataTable)
        table.clear()
        for row in rows:
            cells = (
                by[row.by],
                row.key,
                str(row.units),
                "" if row.shipped is None else str(row.shipped),
                "" if row.rate is None else f"{row.rate:.1%}",
                "" if row.returns is None else str(row.returns),
                _("repeat") if row.repeat else "",
            )
            table.add_row(*(Text(on_screen(cell)) for cell in cells))

    def action_period(self) -> None:
        self.period = (self.period + 1) % len(PERIODS)
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("returns_report", N_("Returns report"), {"supervisor"}, ReturnsReportScreen)
