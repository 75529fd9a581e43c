"""Returns on a handheld (40×16) or at a returns station: scan the parcel (its RMA, our parcel
label, the tracking number or the order), then each unit; inspect it (1–4 and Enter), then scan the
location it goes to — a shelf for a resaleable unit, quarantine for the rest. Where the
operator is lives in the database (services/returns/disposition.returns_desk)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine

if TYPE_CHECKING:
    from warehouse_tui.services.results import ServiceResult
    from warehouse_tui.services.returns.disposition import ReturnsDesk

CONDITION_KEYS = {"1": "resaleable", "2": "damaged", "3": "wrong-item", "4": "missing-parts"}


class ReturnsScreen(FloorScreen):
    CSS_PATH = "goods_in.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Returns")
    HELP: ClassVar[str] = N_(
        "Scan the returned parcel: its RMA, our parcel label, the tracking number or the "
        "order. Then scan each unit (a serial-tracked unit: then its serial). A unit never "
        "shipped to this buyer is refused: set it aside for a supervisor.\n\nInspect: type 1 "
        "resaleable, 2 damaged, 3 wrong item or 4 missing parts, then Enter (F4 before it "
        "adds a note). Then scan the "
        "location shown: a shelf for a resaleable unit, quarantine for the rest. F2 closes "
        "the return when its units are done.\n\nNo label on the parcel: F3, type the buyer's "
        "name, then scan one of the items.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "close", _("Close")),
        Binding("f3", "buyer", _("Buyer")),
        Binding("f4", "note", _("Note")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.desk: ReturnsDesk | None = None
        self.item_waiting_serial = ""  # a serial-tracked item scanned, its serial due next
        self.buyer = ""  # typed with F3: an item scanned next finds the buyer's order
        self.note = ""  # typed with F4: goes with the unit's inspection

    def compose(self) -> ComposeResult:
        with Vertical(id="goods-in"):
            yield Caption(id="mode")
            yield Caption(id="what")
            yield Caption(id="prompt")
            yield FeedbackLine(id="feedback")
            yield Static(_("F2 close · F3 buyer · F4 note · F1"), classes="keys")

    def on_mount(self) -> None:
        self._reload()

    def _reload(self) -> None:
        from warehouse_tui.services.returns.disposition import returns_desk

        actor = self.actor
        self.call_service(lambda: returns_desk(self.store, actor), then=self._show)

    def _show(self, desk: ReturnsDesk) -> None:
        from warehouse_tui.store.models import UnitStatus

        self.desk = desk
        if desk.return_id is None:
            mode, what, prompt = _("Returns"), "", _("Scan the parcel, RMA or order")
        elif desk.unit_id is None:
            mode, what = Ref.RETURN.of(desk.return_id), ""
            prompt = _("Scan the serial") if self.item_waiting_serial else _("Scan a unit")
        elif desk.status == UnitStatus.INSPECT:
            mode, what = Ref.RETURN.of(desk.return_id), f"{Ref.UNIT.of(desk.unit_id)} {desk.sku}"
            prompt = _("1 ok 2 damaged 3 wrong 4 parts")
        else:
            mode, what = Ref.RETURN.of(desk.return_id), f"{Ref.UNIT.of(desk.unit_id)} {desk.sku}"
            prompt = _("Scan location {loc}").format(loc=desk.suggested or _("any location"))
        self.query_one("#mode", Caption).text = mode
        self.query_one("#what", Caption).text = what
        self.query_one("#prompt", Caption).text = prompt

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.services.returns.disposition import put_away_unit
        from warehouse_tui.services.returns.receive import find_return, receive_unit
        from warehouse_tui.store.models import UnitStatus

        desk, actor, store = self.desk, self.actor, self.store
        if desk is None:
            return
        if desk.unit_id is not None and desk.status == UnitStatus.PUT_AWAY:
            unit_id = desk.unit_id
            self.call_service(lambda: put_away_unit(store, actor, unit_id, code), then=self._done)
        elif desk.unit_id is not None and code in CONDITION_KEYS:
            self._inspect(desk.unit_id, CONDITION_KEYS[code])
        elif desk.unit_id is not None:
            self.refuse_scan(code, _("Inspect the unit first: type 1, 2, 3 or 4, then Enter"))
        elif desk.return_id is None:
            buyer, self.buyer = self.buyer, ""
            self.call_service(lambda: find_return(store, actor, code, buyer), then=self._done)
        else:
            return_id, item = desk.return_id, self.item_waiting_serial
            self.item_waiting_serial = ""
            if item:
                service = lambda: receive_unit(store, actor, return_id, item, serial=code)  # noqa: E731
            else:
                service = lambda: receive_unit(store, actor, return_id, code)  # noqa: E731
            self.call_service(service, then=lambda result: self._received(result, code))

    def _received(self, result: ServiceResult, code: str) -> None:
        from warehouse_tui.services.results import Refusal

        if result.refusal is Refusal.INCOMPLETE:
            self.item_waiting_serial = code
        self._done(result)

    def _done(self, result: ServiceResult) -> None:
        self.feedback(result.accepted, result.reason)
        self._reload()

    def _inspect(self, unit_id: int, condition: str) -> None:
        from warehouse_tui.services.returns.disposition import inspect_unit

        actor, note = self.actor, self.note
        self.note = ""
        self.call_service(
            lambda: inspect_unit(self.store, actor, unit_id, condition, note), then=self._done
        )

    def action_note(self) -> None:
        from warehouse_tui.screens.exceptions import ReasonPrompt
        from warehouse_tui.store.models import UnitStatus

        if self.desk is None or self.desk.status != UnitStatus.INSPECT:
            self.feedback(False, _("Scan a unit first: the note goes with its inspection"))
            return
        self.app.push_screen(ReasonPrompt(_("Note on this unit")), self._noted)

    def _noted(self, note: str | None) -> None:
        self.note = note or ""

    def action_buyer(self) -> None:
        from warehouse_tui.screens.exceptions import ReasonPrompt

        if self.desk is not None and self.desk.return_id is not None:
            self.feedback(False, _("A return is open: F2 closes it first"))
            return
        self.app.push_screen(ReasonPrompt(_("Buyer's name, then scan one item")), self._typed)

    def _typed(self, buyer: str | None) -> None:
        self.buyer = buyer or ""
        if self.buyer:
            self.query_one("#prompt", Caption).text = _("Scan an item of {buyer}'s").format(
                buyer=self.buyer
            )

    def action_close(self) -> None:
        from warehouse_tui.services.returns.disposition import close_return

        desk, actor = self.desk, self.actor
        if desk is None or desk.return_id is None:
            self.feedback(False, _("Scan the parcel, RMA or order"))
            return
        return_id = desk.return_id
        self.call_service(lambda: close_return(self.store, actor, return_id), then=self._done)

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("returns", N_("Returns"), {"packer", "supervisor"}, ReturnsScreen)
