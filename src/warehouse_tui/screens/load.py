"""Loading the truck at a station: choose the carrier, scan its parcels, see what is missing.

The screen keeps only the chosen carrier's code; counts and the missing list are read back from
the database after every scan, so two loaders at one truck see the same board.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine

if TYPE_CHECKING:
    from warehouse_tui.services.shipping import CarrierChoice, LoadBoard, LoadResult

MISSING_SHOWN = 200
"""More missing parcels than this are counted, not listed."""


class LoadScreen(FloorScreen):
    CSS_PATH = "load.tcss"
    AUTO_FOCUS = "#carriers"
    TITLE_TEXT = N_("Load and ship")
    HELP: ClassVar[str] = N_(
        "Choose the carrier whose truck you load: pick it from the list with the arrow keys "
        "and Enter, or scan its code.\n\n"
        "Then scan every parcel as it goes onto the truck: its PCL- label or its tracking "
        "number. A parcel of another carrier, one without a label, or one already loaded is "
        "refused. A parcel whose order was cancelled or changed after packing shows STOP: "
        "take it off the line and bring it to the supervisor.\n\n"
        "The list shows the packed parcels of this carrier still missing from the truck. "
        "When an order's last parcel is loaded the shop is told it has shipped.\n\n"
        "F2 changes the carrier. Esc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "choose_carrier", _("Carrier")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.carrier: str | None = None
        self._carrier_codes: dict[str, str] = {}  # upper case → as stored

    def compose(self) -> ComposeResult:
        with Vertical(id="load"):
            yield Caption(_("Choose the carrier whose truck you load"), id="carrier")
            yield Caption(id="counts")
            yield OptionList(id="carriers")
            with VerticalScroll(id="missing-box", can_focus=False):
                yield Caption(id="missing")
            yield FeedbackLine(id="feedback")
            yield Static(_("Scan parcels · F2 carrier · F1 help · Esc back"), classes="keys")

    def on_mount(self) -> None:
        self.query_one("#missing-box").display = False
        from warehouse_tui.services.shipping import carriers

        self.call_service(lambda: carriers(self.store), then=self._show_carriers)

    def _show_carriers(self, choices: list[CarrierChoice]) -> None:
        self._carrier_codes = {choice.code.upper(): choice.code for choice in choices}
        menu = self.query_one("#carriers", OptionList)
        menu.clear_options()
        menu.add_options(
            [Option(Text(on_screen(f"{c.code}  {c.name}")), id=c.code) for c in choices]
        )
        if choices:
            menu.highlighted = 0
        else:
            self.feedback(False, _("No carriers are set up"))

    # --- choosing the carrier ----------------------------------------------------------------

    @on(OptionList.OptionSelected, "#carriers")
    def _carrier_picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._choose(event.option.id)

    def action_choose_carrier(self) -> None:
        self.carrier = None
        self.query_one("#carrier", Caption).text = _("Choose the carrier whose truck you load")
        self.query_one("#counts", Caption).text = ""
        self.query_one("#missing-box").display = False
        menu = self.query_one("#carriers", OptionList)
        menu.display = True
        menu.focus()

    def _choose(self, code: str) -> None:
        self.carrier = code
        self.query_one("#carriers").display = False
        self.query_one("#missing-box").display = True
        self.set_focus(None)
        self._refresh_board()

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- scans --------------------------------------------------------------------------------

    def handle_scan(self, code: str) -> None:
        carrier = self._carrier_codes.get(code.strip().upper())
        if carrier is not None:
            self.journal_scan(code, accepted=True, reason=f"carrier {carrier}")
            self._choose(carrier)
            return
        if self.carrier is None:
            self.refuse_scan(code, _("Choose the carrier first: scan its code or pick it"))
            return
        from warehouse_tui.services.shipping import load_parcel

        actor, carrier, at = self.actor, self.carrier, self.scanned_at
        self.call_service(
            lambda: load_parcel(self.store, actor, carrier, code, at), then=self._loaded
        )

    def _loaded(self, result: LoadResult) -> None:
        message = result.reason
        if result.order_shipped:
            message = _("{reason} — order shipped").format(reason=result.reason)
        self.feedback(result.accepted, message)
        self.query_one("#feedback").set_class(result.stop, "stop")
        self._refresh_board()

    # --- the board ------------------------------------------------------------------------------

    def _refresh_board(self) -> None:
        if self.carrier is None:
            return
        from warehouse_tui.services.shipping import load_board

        carrier = self.carrier
        self.call_service(lambda: load_board(self.store, carrier), then=self._show_board)

    def _show_board(self, board: LoadBoard | None) -> None:
        if board is None or board.carrier != self.carrier:
            return
        self.query_one("#carrier", Caption).text = _("Loading {carrier} — {name}").format(
            carrier=board.carrier, name=board.carrier_name
        )
        self.query_one("#counts", Caption).text = _(
            "Loaded today: {loaded}   Still missing: {missing}"
        ).format(loaded=board.loaded_today, missing=len(board.missing))
        if not board.missing:
            self.query_one("#missing", Caption).text = _("No packed parcel is missing.")
            return
        header = _("Parcel      Tracking                 Order        Ship to")
        lines = [header] + [
            f"{p.label:<11} {p.tracking or '-':<24} {p.order:<12} {p.ship_name}"
            for p in board.missing[:MISSING_SHOWN]
        ]
        if len(board.missing) > MISSING_SHOWN:
            lines.append(_("… and {more} more").format(more=len(board.missing) - MISSING_SHOWN))
        self.query_one("#missing", Caption).text = "\n".join(lines)


register_screen("load", N_("Load and ship"), {"packer", "supervisor"}, LoadScreen)
