"""Plan and release a wave from the supervisor's wave desk: the rules of `warehouse-tui wave
release`, chosen in a dialog, previewed, and released only as previewed.

F2 (or Enter in a field) previews: the orders, lines, picks and pick lists the rules would take,
and the walk planned against S-shape and order-by-order picking. F10 releases; it asks for a
preview of the very rules on screen first, so nothing is released that the supervisor has not
seen. The release plans anew (the floor may have moved since the preview) and says what it took.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static

from warehouse_tui.i18n import _
from warehouse_tui.store.models import Strategy
from warehouse_tui.widgets.scan_input import ScanAwareInput
from warehouse_tui.widgets.scan_modal import ScanModal

if TYPE_CHECKING:
    from warehouse_tui.services.waves import WaveRules

Previewer = Callable[["WaveRules", Callable[[dict[str, Any]], None]], None]
"""Plans `rules` off the UI thread and hands the preview's summary to the callback."""

ANY_ITEMS, SINGLE_ITEM, MULTI_ITEM = "any", "single", "multi"


class NewWaveDialog(ScanModal["WaveRules"]):
    """The rules of a new wave; answered with the rules to release, once previewed."""

    CSS_PATH = "new_wave.tcss"
    BINDINGS: ClassVar = [
        Binding("f2", "preview", _("Preview")),
        Binding("f10", "release", _("Release")),
        Binding("escape", "cancel", _("Cancel")),
    ]

    def __init__(self, preview: Previewer) -> None:
        super().__init__()
        self._preview = preview
        self._previewed: WaveRules | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="new-wave"):
            yield Static(_("New wave"), classes="heading")
            yield Static(_("Tab moves between the rules; Enter opens a list."), classes="hint")
            with Horizontal(classes="rule"):
                yield Static(_("Strategy"), classes="label")
                yield Select(
                    [
                        (_("pick by order (摘果)"), Strategy.PICK_BY_ORDER),
                        (_("batch + put wall (播种)"), Strategy.BATCH),
                    ],
                    value=Strategy.PICK_BY_ORDER,
                    allow_blank=False,
                    id="strategy",
                    compact=True,
                )
            with Horizontal(classes="rule"):
                yield Static(_("Shipments"), classes="label")
                yield Select(
                    [
                        (_("any"), ANY_ITEMS),
                        (_("single item only"), SINGLE_ITEM),
                        (_("several items only"), MULTI_ITEM),
                    ],
                    value=ANY_ITEMS,
                    allow_blank=False,
                    id="items",
                    compact=True,
                )
            with Horizontal(classes="rule"):
                yield Static(_("Carrier"), classes="label")
                yield ScanAwareInput(placeholder=_("every carrier"), id="carrier", compact=True)
            with Horizontal(classes="rule"):
                yield Static(_("Max orders"), classes="label")
                yield ScanAwareInput(
                    placeholder=_("no limit"), type="integer", id="max-orders", compact=True
                )
            with Horizontal(classes="rule"):
                yield Static(_("Due by"), classes="label")
                yield ScanAwareInput(
                    placeholder=_("HH:MM today, or blank"), id="due-by", compact=True
                )
            yield Static(
                _("F2 shows what these rules would release."), id="wave-preview", markup=False
            )
            yield Static(_("F2 preview · F10 release · Esc cancel"), classes="hint")

    def _rules(self) -> WaveRules | None:
        """The rules on screen, or None (the reason shown) when one does not read."""
        from warehouse_tui.services.waves import WaveRules

        items = self.query_one("#items", Select).value
        max_orders = self.query_one("#max-orders", Input).value.strip()
        try:
            return WaveRules(
                strategy=str(self.query_one("#strategy", Select).value),
                carrier=self.query_one("#carrier", Input).value.strip() or None,
                single_item={SINGLE_ITEM: True, MULTI_ITEM: False}.get(str(items)),
                max_orders=int(max_orders) if max_orders else None,
                due_by=self.query_one("#due-by", Input).value.strip() or None,
            )
        except ValueError as error:
            self._say(str(error))
            return None

    def _say(self, text: str) -> None:
        self.query_one("#wave-preview", Static).update(text)

    @on(Input.Submitted)
    def _field_submitted(self) -> None:
        self.action_preview()

    @on(Input.Changed)
    @on(Select.Changed)
    def _rules_changed(self) -> None:
        self._previewed = None

    def action_preview(self) -> None:
        rules = self._rules()
        if rules is None:
            return
        self._say(_("Planning…"))
        self._preview(rules, lambda summary: self._show_preview(rules, summary))

    def _show_preview(self, rules: WaveRules, summary: dict[str, Any]) -> None:
        if not self.is_attached or self._rules() != rules:
            return  # closed, or the rules changed while it planned: that preview is stale
        if not summary["orders"]:
            self._previewed = None
            self._say(_("No ready order matches these rules: nothing to release."))
            return
        self._previewed = rules
        from warehouse_tui.services.waves.rules import plan_lines

        self._say("\n".join([*plan_lines(summary), _("F10 releases this wave.")]))

    def action_release(self) -> None:
        rules = self._rules()
        if rules is None:
            return
        if rules != self._previewed:
            self._say(_("Preview first (F2): F10 releases only what you have seen."))
            return
        self.dismiss(rules)

    def action_cancel(self) -> None:
        self.dismiss(None)
