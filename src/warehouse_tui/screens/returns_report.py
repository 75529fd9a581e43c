"""What came back, at the supervisor's desk (80×24 and larger): returns by reason, by SKU (the
return rate against units shipped) and by buyer, repeat returners flagged — the rows
`warehouse-tui returns report` prints; F2 steps the period: all, the last 30 days, the last 7.
Below, the units in quarantine: F3 scraps the chosen one (with a reason), F4 releases it to the
shelf typed (the supervisor's decision, journaled)."""

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
from warehouse_tui.widgets.feedback_line import FeedbackLine

if TYPE_CHECKING:
    from warehouse_tui.services.results import ServiceResult
    from warehouse_tui.services.returns.report import QuarantinedUnit, ReportRow

PERIODS = (None, 30, 7)  # days back; None: every return


class ReturnsReportScreen(FloorScreen):
    CSS_PATH = "goods_in.tcss"
    AUTO_FOCUS = "#report"
    TITLE_TEXT = N_("Returns report")
    HELP: ClassVar[str] = N_(
        "Units returned by reason, by SKU (with the units shipped and the return rate) and by "
        "buyer; a buyer with two returns or more in the period is flagged as a repeat "
        "returner. F2 steps the period (all, 30 days, 7 days), F5 reads it again. The same "
        "report on the command line: warehouse-tui returns report.\n\nQuarantine: choose a "
        "unit (Tab, arrows), F3 scraps it with a reason, F4 releases it to a shelf you type, "
        "or scan the shelf.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "period", _("Period")),
        Binding("f5", "reload", _("Refresh")),
        Binding("f3", "scrap", _("Scrap")),
        Binding("f4", "release", _("Release")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="goods-in"):
            yield Caption(id="mode")
            yield DataTable(id="report", cursor_type="row", zebra_stripes=True)
            yield Caption(_("Quarantine"), id="quarantine-heading")
            yield DataTable(id="quarantine", cursor_type="row", zebra_stripes=True)
            yield FeedbackLine(id="feedback")
            yield Static(_("F2 period · F3 scrap · F4 release · F5 · F1 · Esc"), classes="keys")

    def on_mount(self) -> None:
        self.query_one("#report", DataTable).add_columns(
            _("By"), _("Key"), _("Units"), _("Shipped"), _("Rate"), _("Returns"), _("Repeat")
        )
        self.query_one("#quarantine", DataTable).add_columns(
            _("Unit"), _("SKU"), _("Condition"), _("Location"), _("Order"), _("Note")
        )
        self.action_reload()

    def action_reload(self) -> None:
        from warehouse_tui.services.returns.report import report_rows, returns_report

        days = PERIODS[self.period]
        start = datetime.now(UTC) - timedelta(days=days) if days is not None else None
        store = self.store
        self.call_service(lambda: report_rows(returns_report(store, start)), then=self._show)
        self._load_quarantine()

    def _load_quarantine(self) -> None:
        from warehouse_tui.services.returns.report import quarantined_units

        store = self.store
        self.call_service(lambda: quarantined_units(store), then=self._show_quarantine)

    def _show_quarantine(self, units: list[QuarantinedUnit]) -> None:
        table: DataTable[Text] = self.query_one("#quarantine", DataTable)
        table.clear()
        for unit in units:
            cells = (unit.ref, unit.sku, unit.condition, unit.location, unit.order, unit.note)
            table.add_row(*(Text(on_screen(cell)) for cell in cells), key=str(unit.unit_id))

    def _chosen_unit(self) -> int | None:
        table: DataTable[Text] = self.query_one("#quarantine", DataTable)
        if not table.row_count:
            self.feedback(False, _("No unit in quarantine"))
            return None
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(str(row_key.value))

    def action_scrap(self) -> None:
        from warehouse_tui.screens.exceptions import ReasonPrompt
        from warehouse_tui.services.returns.disposition import scrap_unit

        unit_id, actor, store = self._chosen_unit(), self.actor, self.store
        if unit_id is None:
            return

        def reason_typed(reason: str | None) -> None:
            if reason is not None:
                self.call_service(
                    lambda: scrap_unit(store, actor, unit_id, reason), then=self._decided
                )

        self.app.push_screen(ReasonPrompt(_("Why is it scrapped?")), reason_typed)

    def action_release(self) -> None:
        from warehouse_tui.screens.exceptions import ReasonPrompt
        from warehouse_tui.services.returns.disposition import release_unit

        unit_id, actor, store = self._chosen_unit(), self.actor, self.store
        if unit_id is None:
            return

        def location_typed(location: str | None) -> None:
            if location is not None:
                self.call_service(
                    lambda: release_unit(store, actor, unit_id, location), then=self._decided
                )

        self.app.push_screen(ReasonPrompt(_("Release to which shelf?")), location_typed)

    def _decided(self, result: ServiceResult) -> None:
        self.feedback(result.accepted, result.reason)
        self._load_quarantine()

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

    def handle_scan(self, code: str) -> None:
        """A shelf scanned here releases the chosen quarantined unit to it."""
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan
        from warehouse_tui.services.returns.disposition import release_unit

        if parse_scan(code).kind is not ScanKind.LOCATION:
            self.refuse_scan(code, _("Scan a shelf to release the chosen unit to, or F3 / F4"))
            return
        unit_id, actor, store = self._chosen_unit(), self.actor, self.store
        if unit_id is not None:
            self.call_service(lambda: release_unit(store, actor, unit_id, code), then=self._decided)

    def action_period(self) -> None:
        self.period = (self.period + 1) % len(PERIODS)
        self.action_reload()

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("returns_report", N_("Returns report"), {"supervisor"}, ReturnsReportScreen)
