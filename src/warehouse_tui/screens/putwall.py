"""The put wall (播种) on a handheld: scan an item → its slot shown big → scan the slot.

The item waiting for its slot is kept in the database (see services.putwall), so a restarted
terminal shows the same slot again.
"""

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
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.putwall import SortOutcome
    from warehouse_tui.store.engine import Store


def _wall_and_held(
    store: Store, station: str, actor: Actor
) -> tuple[int | None, SortOutcome | None]:
    from warehouse_tui.services.putwall import held_item, station_wall

    return station_wall(store, station), held_item(store, actor)


class PutWallScreen(FloorScreen):
    CSS_PATH = "putwall.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Put wall")
    HELP: ClassVar[str] = N_(
        "Sort a batch pick into its orders.\n\n"
        "Scan an item: its slot is shown big. Put the item in that slot and scan the slot's "
        "label. A slot whose order is complete shows READY for the packer.\n\n"
        "An item no open order needs is refused: set it aside on the shelf for set-asides. "
        "Esc goes back."
    )
    BINDINGS: ClassVar = [Binding("escape", "back", _("Back"))]

    def __init__(self) -> None:
        super().__init__()
        self.wall: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="putwall"):
            yield Caption(id="wall-name")
            yield Caption(id="slot")
            yield Caption(id="order")
            yield Caption(id="item")
            yield Caption(id="prompt")
            yield FeedbackLine(id="feedback")
            yield Static(_("Esc back · F1 help"), classes="keys")

    def on_mount(self) -> None:
        actor, station = self.actor, self.host.station
        self.call_service(lambda: _wall_and_held(self.store, station, actor), then=self._ready)

    def _ready(self, result: tuple[int | None, SortOutcome | None]) -> None:
        self.wall, held = result
        self._show_wall()
        if held is not None:
            self._show_sorted(held)
        else:
            self._prompt(_("Scan an item") if self.wall else _("Scan any slot of this wall"))

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan

        scan = parse_scan(code)
        if self.wall is None:
            if scan.kind != ScanKind.SLOT or not scan.valid:
                self.refuse_scan(code, _("Scan any slot label of this wall first"))
                return
            self.wall = scan.wall
            self.journal_scan(code, accepted=True, reason=f"wall {scan.wall}")
            self._show_wall()
            self._prompt(_("Scan an item"))
            return
        from warehouse_tui.services.putwall import confirm_slot, sort_item

        actor, wall, at = self.actor, self.wall, self.scanned_at
        if scan.kind == ScanKind.SLOT:
            self.call_service(lambda: confirm_slot(self.store, actor, code, at), then=self._placed)
        else:
            self.call_service(
                lambda: sort_item(self.store, actor, wall, code, at), then=self._sorted
            )

    def _sorted(self, outcome: SortOutcome) -> None:
        if not outcome.accepted:
            self.feedback(False, outcome.reason)
            self._clear_slot()
            self._prompt(_("Set it aside") if outcome.set_aside else _("Scan an item"))
            return
        self.feedback(True, outcome.message)
        self._show_sorted(outcome)

    def _placed(self, outcome: SortOutcome) -> None:
        self.feedback(outcome.accepted, outcome.message or outcome.reason)
        if not outcome.accepted:
            return
        slot = self.query_one("#slot", Caption)
        slot.set_class(outcome.slot_ready, "ready")
        slot.text = (
            _("{slot} READY").format(slot=outcome.slot_code)
            if outcome.slot_ready
            else outcome.slot_code or ""
        )
        self.query_one("#order", Caption).text = _("{order} · {placed}/{needed} in slot").format(
            order=outcome.order_ref, placed=outcome.placed, needed=outcome.needed
        )
        self.query_one("#item", Caption).text = ""
        self._prompt(_("Scan the next item"))

    def _show_sorted(self, outcome: SortOutcome) -> None:
        slot = self.query_one("#slot", Caption)
        slot.remove_class("ready")
        slot.text = outcome.slot_code or ""
        self.query_one("#order", Caption).text = _("{order} · {placed}/{needed} in slot").format(
            order=outcome.order_ref, placed=outcome.placed, needed=outcome.needed
        )
        self.query_one("#item", Caption).text = f"{outcome.sku_code} {outcome.sku_name}"
        self._prompt(_("Scan the slot"))

    def _clear_slot(self) -> None:
        for name in ("slot", "order", "item"):
            self.query_one(f"#{name}", Caption).text = ""

    def _show_wall(self) -> None:
        self.query_one("#wall-name", Caption).text = (
            _("Put wall {wall}").format(wall=self.wall) if self.wall else _("Put wall")
        )

    def _prompt(self, text: str) -> None:
        self.query_one("#prompt", Caption).text = text

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("putwall", N_("Put wall"), {"picker", "supervisor"}, PutWallScreen)
