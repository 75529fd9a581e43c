"""The supervisor's board (80x24 and larger): per wave and per carrier, how far the floor is,
who is on it, the cut-off and the forecast; late rows in red.

The board is read again when another terminal commits, not on a timer
(screens/floor_watch.py), so a commit anywhere shows here within a second and a still floor
costs nothing. The clock is the screen's (a test fixes it), so the figures it shows are repeatable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from warehouse_tui.domain.refs import Ref
from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.floor_watch import FloorWatch
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.services.states import state_name
from warehouse_tui.widgets.feedback_line import FeedbackLine

if TYPE_CHECKING:
    from warehouse_tui.services.board import DeskBoard

LATE = "bold red"


class BoardScreen(FloorScreen):
    CSS_PATH = "board.tcss"
    AUTO_FOCUS = "#board-waves"
    TITLE_TEXT = N_("Board")
    HELP: ClassVar[str] = N_(
        "The floor at a glance, updated within a second of any terminal's work.\n\n"
        "Per wave: its orders, how many are picked (off the shelves), put (in their tote or "
        "put-wall slot), packed and shipped; the pickers and packers on it now; the earliest "
        "carrier cut-off today of its orders, and when the rest will be packed at the pace of "
        "the last hour. Per carrier: parcels labelled and not on its truck, and orders not "
        "yet picked.\n\n"
        "A row in red is late: the forecast passes the cut-off, or the cut-off has passed with "
        "work left. Act before it happens: move pickers to that wave, or call the carrier.\n\n"
        "Esc goes back."
    )
    BINDINGS: ClassVar = [Binding("escape", "back", _("Back"))]

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self._clock = clock
        self._watch = FloorWatch(self, self._read, self._show)

    def compose(self) -> ComposeResult:
        with Vertical(id="board"):
            yield Static(_("Waves"), classes="heading")
            yield DataTable(id="board-waves", cursor_type="row", zebra_stripes=True)
            yield Static(_("Carriers"), classes="heading")
            yield DataTable(id="board-carriers", cursor_type="row", zebra_stripes=True)
            yield FeedbackLine(id="feedback")
            yield Static(_("Red: late at the current pace · F1 help · Esc back"), classes="keys")

    def on_mount(self) -> None:
        self.query_one("#board-waves", DataTable).add_columns(
            _("Wave"), _("Status"), _("Orders"), _("Picked"), _("Put"), _("Packed"),
            _("Shipped"), _("Pick"), _("Pack"), _("Cut-off"), _("Done at"),
        )  # fmt: skip
        self.query_one("#board-carriers", DataTable).add_columns(
            _("Carrier"), _("Cut-off"), _("Not loaded"), _("Not picked")
        )
        self._watch.start()

    def on_unmount(self) -> None:
        self._watch.stop()

    def _read(self) -> DeskBoard:
        from warehouse_tui.services.board import read_board

        clock = self._clock
        return read_board(self.store, clock() if clock else None)

    def _show(self, board: DeskBoard) -> None:
        from warehouse_tui.services.board import local_clock

        waves = self.query_one("#board-waves", DataTable)
        waves.clear()
        for w in board.waves:
            cells = (
                Ref.WAVE.of(w.id), state_name(w.status),
                *(str(n) for n in (w.orders, w.picked, w.put, w.packed, w.shipped)),
                str(w.pickers), str(w.packers),
                local_clock(w.cutoff_at, board.zone), local_clock(w.forecast_done_at, board.zone),
            )  # fmt: skip
            waves.add_row(*_cells(cells, w.late), key=str(w.id))
        carriers = self.query_one("#board-carriers", DataTable)
        carriers.clear()
        for c in board.carriers:
            cells = (
                c.code,
                local_clock(c.cutoff_at, board.zone),
                str(c.packed_not_loaded),
                str(c.not_picked),
            )
            carriers.add_row(*_cells(cells, c.late), key=c.code)

    def handle_scan(self, code: str) -> None:
        self.refuse_scan(code, _("The board takes no scans: Esc goes back"))

    def action_back(self) -> None:
        self.app.pop_screen()


def _cells(cells: tuple[str, ...], late: bool) -> list[Text]:
    """Cells as `Text` (a carrier's code is data, never markup), red when late."""
    return [Text(on_screen(cell), style=LATE if late else "") for cell in cells]


register_screen("board", N_("Board"), {"supervisor"}, lambda: BoardScreen())
