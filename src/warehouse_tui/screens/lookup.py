"""The look-up (F12 on every floor screen): a product from any of its codes, for an item that
will not scan or a question on the floor. Scan the item or a shelf label's code, or type the SKU
and Enter; the card shows name, barcodes, case sizes, tracking, weight and size, stock per
location and lot, and the open demand (`services.lookup.product_card`, the same card as
`warehouse-tui product show`). Scans made while it is up are look-ups: this dialog asks for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from warehouse_tui.i18n import _
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.scan_input import ScanAwareInput
from warehouse_tui.widgets.scan_modal import ScanModal

if TYPE_CHECKING:
    from warehouse_tui.screens.base import FloorScreen


class LookupScreen(ScanModal[None]):
    """A code field, the card of the last product found, Esc to close."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss", _("Close"))]

    def __init__(self, floor: FloorScreen) -> None:
        super().__init__()
        self._floor = floor

    def compose(self) -> ComposeResult:
        with Vertical(id="lookup"):
            yield Static(_("Look up: scan the item or type its SKU"), id="lookup-title")
            yield ScanAwareInput(id="lookup-code")
            with VerticalScroll(id="lookup-body"):
                yield Caption(id="lookup-card")
            yield Static(_("Enter look up · Esc close"), classes="hint")

    def take_scan(self, code: str) -> bool:
        self.look_up(code)
        return True

    @on(Input.Submitted, "#lookup-code")
    def _typed(self, event: Input.Submitted) -> None:
        event.input.value = ""
        if event.value.strip():
            self.look_up(event.value.strip())

    def look_up(self, code: str) -> None:
        from warehouse_tui.services.lookup import product_card

        store = self._floor.store
        self._floor.call_service(
            lambda: product_card(store, code), then=lambda card: self._show(code, card)
        )

    def _show(self, code: str, card: dict[str, Any] | None) -> None:
        from warehouse_tui.services.lookup import product_card_lines

        self._floor.host.sound(card is not None)
        caption = self.query_one("#lookup-card", Caption)
        if card is None:
            caption.text = _("No product has the code {code}").format(code=code)
        else:
            caption.text = "\n".join(product_card_lines(card))
