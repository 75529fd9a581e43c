"""Home: the floor screens open to this operator's role."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import screens_for
from warehouse_tui.widgets.feedback_line import FeedbackLine

ROLE_NAMES = {
    "picker": N_("picker"),
    "packer": N_("packer"),
    "supervisor": N_("supervisor"),
    "admin": N_("admin"),
}


if TYPE_CHECKING:
    from warehouse_tui.services.auth import LoginResult


class HomeScreen(FloorScreen):
    TITLE_TEXT = N_("Home")
    HELP: ClassVar[str] = N_(
        "Choose your work with the arrow keys and Enter.\n\n"
        "Pickers walk pick lists and sort at the put wall; packers verify, weigh, label and "
        "load parcels; supervisors see everything.\n\nScan another badge to change operator. "
        "Ctrl+L logs out."
    )
    BINDINGS: ClassVar = [Binding("ctrl+l", "log_out", _("Log out"))]

    def compose(self) -> ComposeResult:
        operator = self.host.operator
        assert operator is not None
        entries = screens_for(operator.role)
        with Vertical(id="home"):
            role = _(ROLE_NAMES.get(operator.role, operator.role))
            yield Static(f"{on_screen(operator.name)} · {role}", id="who", markup=False)
            if entries:
                yield OptionList(*[Option(_(e.title), id=e.key) for e in entries], id="menu")
            else:
                yield Static(_("No floor screens for your role yet."), id="menu-empty")
            yield FeedbackLine(id="feedback")
            yield Static(_("Enter open · F1 help · Ctrl+L log out"), classes="keys")

    @on(OptionList.OptionSelected, "#menu")
    def _open(self, event: OptionList.OptionSelected) -> None:
        operator = self.host.operator
        assert operator is not None
        entry = next(e for e in screens_for(operator.role) if e.key == event.option.id)
        self.app.push_screen(entry.factory())

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan

        if parse_scan(code).kind != ScanKind.BADGE:
            self.refuse_scan(code, _("Choose a screen first"))
            return
        from warehouse_tui.services.auth import login_with_badge

        scanned = self.scan_by_scanner
        self.call_service(
            lambda: login_with_badge(self.store, self.host.station, code, scanned=scanned),
            then=lambda result: self._switch_operator(code, result),
        )

    def _switch_operator(self, badge: str, result: LoginResult) -> None:
        """Another operator's badge: theirs the terminal now; a typed one asks for the PIN on
        the log-in screen, where it waits."""
        from warehouse_tui.services.auth import LoginRefusal

        if result.refusal is LoginRefusal.NEEDS_PIN:
            self.host.log_out(badge)
        elif result.operator is None:
            self.feedback(False, result.reason)
        else:
            self.host.logged_in(result.operator)

    def action_log_out(self) -> None:
        self.host.log_out()
