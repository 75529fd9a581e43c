"""Receiving a supplier's delivery on a handheld (40×16): scan the delivery's reference, then
each unit or case (a batch-tracked SKU by its GS1-128 label, a serial-tracked one by the GS1
code with its serial), then the shelf for what was received of the last item scanned; F2
closes the delivery with its differences. Where the operator is lives in the database
(services/receipts.receiving_desk)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine

if TYPE_CHECKING:
    from warehouse_tui.services.receipts import ReceiptStep, ReceivingDesk


class ReceiveScreen(FloorScreen):
    CSS_PATH = "goods_in.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Receive")
    HELP: ClassVar[str] = N_(
        "Scan the delivery's reference. Then scan each unit or case: a batch-tracked item by "
        "the GS1-128 label that carries its batch and expiry, a serial-tracked item unit by "
        "unit by the GS1 code that carries its serial. Scan the shelf shown to put "
        "away what you received of the last item. F2 closes the delivery and shows what was "
        "short or over. A delivery nobody announced: scan its reference, then a supervisor's "
        "badge; the supervisor types a PIN and the supplier's name.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "close", _("Close")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.desk: ReceivingDesk | None = None
        self.unexpected = ""  # a reference nobody announced: a supervisor's badge opens it

    def compose(self) -> ComposeResult:
        with Vertical(id="goods-in"):
            yield Caption(id="mode")
            yield Caption(id="what")
            yield Caption(id="prompt")
            yield FeedbackLine(id="feedback")
            yield Static(_("F2 close · F1 help · Esc"), classes="keys")

    def on_mount(self) -> None:
        self._reload()

    def _reload(self) -> None:
        from warehouse_tui.services.receipts import receiving_desk

        actor = self.actor
        self.call_service(lambda: receiving_desk(self.store, actor), then=self._show)

    def _show(self, desk: ReceivingDesk) -> None:
        self.desk = desk
        what, prompt = "", _("Scan the delivery's reference")
        if desk.receipt_id is not None:
            prompt = _("Scan a unit or case")
        if desk.waiting:
            what = _("{sku}: {units} to put away").format(sku=desk.sku, units=desk.waiting)
            prompt = _("Scan shelf {loc}").format(loc=desk.suggested or _("any shelf"))
        self.query_one("#mode", Caption).text = desk.reference or _("Receive")
        self.query_one("#what", Caption).text = what
        self.query_one("#prompt", Caption).text = prompt

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan
        from warehouse_tui.services.receipts import open_receipt, put_away_line, receive_scan

        desk, actor, store = self.desk, self.actor, self.store
        if desk is None:
            return
        if desk.receipt_id is None and self.unexpected and parse_scan(code).kind is ScanKind.BADGE:
            self._approve_unexpected(self.unexpected, code)
        elif desk.receipt_id is None:
            self.unexpected = ""
            self.call_service(
                lambda: open_receipt(store, actor, code), then=lambda step: self._opened(step, code)
            )
        elif parse_scan(code).kind is ScanKind.LOCATION and desk.line_id is not None:
            line_id = desk.line_id
            self.call_service(lambda: put_away_line(store, actor, line_id, code), then=self._done)
        else:
            receipt_id = desk.receipt_id
            self.call_service(lambda: receive_scan(store, actor, receipt_id, code), then=self._done)

    def _opened(self, step: ReceiptStep, code: str) -> None:
        from warehouse_tui.services.results import Refusal

        if step.refusal is Refusal.NOT_FOUND:
            self.unexpected = code
        self._done(step)

    def _approve_unexpected(self, reference: str, badge: str) -> None:
        """A supervisor's badge, their PIN, then the supplier's name open the delivery."""
        from warehouse_tui.screens.exceptions import ReasonPrompt
        from warehouse_tui.services.receipts import open_unexpected
        from warehouse_tui.widgets.pin_prompt import PinPrompt

        actor, store = self.actor, self.store

        def supplier_typed(supplier: str | None, pin: str) -> None:
            if supplier is None:
                self.refuse_scan(
                    badge, _("No supplier typed: {ref} is not opened").format(ref=reference)
                )
                return
            self.unexpected = ""
            self.call_service(
                lambda: open_unexpected(store, actor, supplier, reference, badge, pin),
                then=self._done,
            )

        def pin_typed(pin: str | None) -> None:
            if pin is None:
                self.refuse_scan(
                    badge, _("No PIN typed: {ref} is not opened").format(ref=reference)
                )
                return
            question = _("Supplier of {ref}").format(ref=reference)
            self.app.push_screen(
                ReasonPrompt(question), lambda supplier: supplier_typed(supplier, pin)
            )

        question = _("Supervisor's PIN for {badge}").format(badge=badge)
        self.app.push_screen(PinPrompt(question), pin_typed)

    def _done(self, step: ReceiptStep) -> None:
        self.feedback(step.accepted, step.reason)
        self._reload()

    def action_close(self) -> None:
        from warehouse_tui.services.receipts import close_receipt

        desk, actor = self.desk, self.actor
        if desk is None or desk.receipt_id is None:
            self.feedback(False, _("Scan the delivery's reference first"))
            return
        receipt_id = desk.receipt_id
        self.call_service(lambda: close_receipt(self.store, actor, receipt_id), then=self._done)

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("receive", N_("Receive"), {"picker", "supervisor"}, ReceiveScreen)
