"""Login: scan a badge, or type operator ID and PIN."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.scan_input import ScanAwareInput


class LoginScreen(FloorScreen):
    AUTO_FOCUS = None  # keys reach the screen's scan collector until a field is chosen
    TITLE_TEXT = N_("Log in")
    HELP: ClassVar[str] = N_(
        "Every scan on the floor is recorded with who made it.\n\n"
        "Scan your badge (OP-…) to log in. Without a badge, type your operator ID, "
        "press Enter, then your PIN and Enter.\n\nA supervisor can reset a forgotten PIN."
    )

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static("warehouse-tui", id="app-name")
            yield Static(_("Scan your badge"), id="login-prompt")
            yield Static(_("or type your ID and PIN"), classes="hint")
            yield ScanAwareInput(placeholder=_("Operator ID"), id="operator-id")
            yield ScanAwareInput(placeholder=_("PIN"), id="pin", password=True)
            yield FeedbackLine(id="feedback")
            yield Static(_("F1 help"), classes="keys")

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan

        scan = parse_scan(code)
        if scan.kind != ScanKind.BADGE or not scan.valid:
            self.refuse_scan(code, _("That is not a badge: scan your OP- badge"))
            return
        from warehouse_tui.services.auth import login_with_badge

        self.call_service(
            lambda: login_with_badge(self.store, self.host.station, code, scanned=True),
            then=self._after_login,
        )

    @on(Input.Submitted, "#operator-id")
    def _id_entered(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def _pin_entered(self) -> None:
        operator_id = self.query_one("#operator-id", Input).value
        pin_input = self.query_one("#pin", Input)
        pin = pin_input.value
        pin_input.value = ""
        if not operator_id.isdigit() or not pin:
            self.feedback(False, _("Type your operator ID and PIN"))
            return
        from warehouse_tui.services.auth import login_with_pin

        self.call_service(
            lambda: login_with_pin(self.store, self.host.station, int(operator_id), pin),
            then=self._after_login,
        )

    def _after_login(self, result) -> None:  # type: ignore[no-untyped-def]
        if not result.accepted:
            self.feedback(False, result.reason)
            return
        self.host.sound(True)
        self.host.logged_in(result.operator)
