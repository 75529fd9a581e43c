"""Login: scan a badge, or type operator ID and PIN."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.scan_input import ScanAwareInput

if TYPE_CHECKING:
    from warehouse_tui.services.auth import LoginResult


class LoginScreen(FloorScreen):
    """Log in by a scanned badge alone, by a typed badge and the PIN, or by ID and PIN.

    A badge typed by hand (keys slower than a scanner's) or any badge when the `login` setting
    asks for the PIN always is kept here, `_badge`, while the PIN field asks for the PIN; Esc
    forgets it."""

    AUTO_FOCUS = None  # keys reach the screen's scan collector until a field is chosen
    TITLE_TEXT = N_("Log in")
    BINDINGS: ClassVar = [Binding("escape", "forget_badge", show=False)]
    HELP: ClassVar[str] = N_(
        "Every scan on the floor is recorded with who made it.\n\n"
        "Scan your badge (OP-…) to log in. A badge typed by hand asks for your PIN too. "
        "Without a badge, type your operator ID, press Enter, then your PIN and Enter.\n\n"
        "Five wrong PINs lock you out for a while: a supervisor can unlock you "
        "(warehouse-tui operator unlock ID) or reset a forgotten PIN."
    )

    def __init__(self, badge: str = "") -> None:
        super().__init__()
        self._badge = badge

    def on_mount(self) -> None:
        if self._badge:
            self._ask_pin()

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static("warehouse-tui", id="app-name")
            yield Static(_("Scan your badge"), id="login-prompt")
            yield Static(_("or type your ID and PIN"), id="login-hint", classes="hint")
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

        scanned = self.scan_by_scanner
        self.call_service(
            lambda: login_with_badge(self.store, self.host.station, code, scanned=scanned),
            then=lambda result: self._after_badge(code, result),
        )

    def _after_badge(self, badge: str, result: LoginResult) -> None:
        from warehouse_tui.services.auth import LoginRefusal

        if result.refusal is LoginRefusal.NEEDS_PIN:
            self._badge = badge
            self._ask_pin()
            return
        self._after_login(result)

    def _ask_pin(self) -> None:
        self.query_one("#login-prompt", Static).update(_("Badge read: now type your PIN"))
        self.query_one("#login-hint", Static).update(_("Esc: scan another badge"))
        self.query_one("#operator-id", Input).display = False
        self.query_one("#pin", Input).focus()

    def action_forget_badge(self) -> None:
        self._badge = ""
        self.query_one("#login-prompt", Static).update(_("Scan your badge"))
        self.query_one("#login-hint", Static).update(_("or type your ID and PIN"))
        self.query_one("#operator-id", Input).display = True
        self.set_focus(None)

    @on(Input.Submitted, "#operator-id")
    def _id_entered(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def _pin_entered(self) -> None:
        operator_id = self.query_one("#operator-id", Input).value
        pin_input = self.query_one("#pin", Input)
        pin = pin_input.value
        pin_input.value = ""
        if self._badge and pin:
            from warehouse_tui.services.auth import login_with_badge

            badge = self._badge
            self.call_service(
                lambda: login_with_badge(
                    self.store, self.host.station, badge, scanned=False, pin=pin
                ),
                then=self._after_login,
            )
            return
        if not operator_id.isdigit() or not pin:
            self.feedback(False, _("Type your operator ID and PIN"))
            return
        from warehouse_tui.services.auth import login_with_pin

        self.call_service(
            lambda: login_with_pin(self.store, self.host.station, int(operator_id), pin),
            then=self._after_login,
        )

    def _after_login(self, result: LoginResult) -> None:
        if result.operator is None:
            self.feedback(False, result.reason)
            return
        self.host.sound(True)
        self.host.logged_in(result.operator)
