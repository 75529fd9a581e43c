"""The supervisor's wave desk (80x24 and larger): the waves on the floor and the pick lists held
by pickers, read again when any terminal commits (screens/floor_watch.py); plan and release a
new wave, pause, resume or cancel a wave, release the pick list of a handheld that went quiet,
and split an order out of its buyer's merged shipment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from warehouse_tui.domain.refs import Ref
from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.floor_watch import FloorWatch
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.services.states import state_name
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.pin_prompt import PinPrompt

if TYPE_CHECKING:
    from warehouse_tui.services.picking import ActionResult, ReleasedClaims
    from warehouse_tui.services.supervision import Board, ClaimRow, WaveRow
    from warehouse_tui.services.waves import WaveRules

QUIET_CHECK_S = 10.0  # read again this often for pick lists going quiet, when nothing commits
CONFIRM_S = 5.0  # a second press of the cancel key within this time confirms
SPLIT_WAIT_S = 30.0  # a badge later than this after the order label splits nothing


class WavesScreen(FloorScreen):
    CSS_PATH = "waves.tcss"
    AUTO_FOCUS = "#waves"
    TITLE_TEXT = N_("Waves and pick lists")
    HELP: ClassVar[str] = N_(
        "F6 plans a new wave: choose its rules (strategy, single- or multi-item shipments, "
        "carrier, how many orders, due by), F2 previews what it would take and how far the "
        "pickers would walk, F10 releases it.\n\n"
        "The waves on the floor, with their units picked and orders packed and shipped (a wave "
        "stays until its last order is on a truck), and below them "
        "the pick lists pickers hold. Tab moves between the two lists; the arrow keys choose "
        "a row. Short counts a wave's orders a picker flagged: items no location could give "
        "(warehouse-tui order show names what is missing).\n\n"
        "F2 pauses the chosen wave (no new pick list of it can be claimed; those claimed "
        "finish) or resumes it. F3 twice cancels it: what was not picked goes back to stock, "
        "its orders back to ready.\n\n"
        "A pick list marked QUIET has had no heartbeat from its handheld for longer than the "
        "claim lease: F4 releases the chosen pick list, F5 every quiet one. Progress stays; "
        "the next picker continues at the same stop.\n\n"
        "To ship an order without the rest of its buyer's merged shipment, scan its ORD- "
        "label, then a supervisor's badge, and the supervisor types a PIN.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "pause_resume", _("Pause/resume")),
        Binding("f3", "cancel_wave", _("Cancel wave")),
        Binding("f4", "release_claim", _("Release list")),
        Binding("f5", "release_quiet", _("Release quiet")),
        Binding("f6", "new_wave", _("New wave")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self._cancel_armed: tuple[int, float] | None = None  # (wave, when F3 was pressed)
        # an ORD- scanned, and when: the very next scan, if a badge soon enough, splits it
        self._split_order: tuple[str, float] | None = None
        self._watch = FloorWatch(self, self._read, self._show, every=QUIET_CHECK_S)

    def compose(self) -> ComposeResult:
        with Vertical(id="desk"):
            yield Static(_("Waves on the floor"), classes="heading")
            yield DataTable(id="waves", cursor_type="row", zebra_stripes=True)
            yield Static(_("Pick lists held by pickers"), classes="heading")
            yield DataTable(id="claims", cursor_type="row", zebra_stripes=True)
            yield FeedbackLine(id="feedback")
            yield Static(
                _("F6 new wave · F2 pause/resume · F3 cancel · F4 release · F5 quiet · Esc"),
                classes="keys",
            )

    def on_mount(self) -> None:
        waves = self.query_one("#waves", DataTable)
        waves.add_columns(
            _("Wave"),
            _("Status"),
            _("Strategy"),
            _("Orders"),
            _("Short"),
            _("Picked"),
            _("Packed"),
            _("Shipped"),
        )
        claims = self.query_one("#claims", DataTable)
        claims.add_columns(
            _("Pick list"), _("Wave"), _("Picker"), _("Status"), _("Stops"), _("Last heard")
        )
        self._watch.start()

    def on_unmount(self) -> None:
        self._watch.stop()

    def _read(self) -> Board:
        from warehouse_tui.services.supervision import wave_board

        return wave_board(self.store)

    def _show(self, board: Board) -> None:
        self.board = board
        _fill(self.query_one("#waves", DataTable), [_wave_cells(row) for row in board.waves])
        _fill(self.query_one("#claims", DataTable), [_claim_cells(row) for row in board.claims])

    # --- waves -----------------------------------------------------------------------------

    def action_new_wave(self) -> None:
        from warehouse_tui.screens.new_wave import NewWaveDialog

        self.app.push_screen(NewWaveDialog(self._preview), self._release)

    def _preview(self, rules: WaveRules, then: Callable[[dict[str, Any]], None]) -> None:
        from warehouse_tui.services.waves import preview_wave

        actor = self.actor
        self.call_service(lambda: preview_wave(self.store, actor, rules).summary(), then=then)

    def _release(self, rules: WaveRules | None) -> None:
        from warehouse_tui.services.waves import release_wave

        if rules is None:
            return
        actor = self.actor
        self.feedback(True, _("Releasing…"))
        self.call_service(lambda: release_wave(self.store, actor, rules), then=self._released)

    def _released(self, result: dict[str, Any]) -> None:
        from warehouse_tui.services.waves.rules import plan_lines

        if result["accepted"]:
            said = _("{wave} released").format(wave=Ref.WAVE.of(result["wave"]))
            self.feedback(True, " · ".join([said, *plan_lines(result)[:1]]))
        else:
            self.feedback(False, result["reason"])
        self._reload_now()

    def _chosen_wave(self) -> WaveRow | None:
        table = self.query_one("#waves", DataTable)
        if self.board is None or not self.board.waves or table.cursor_row < 0:
            self.feedback(False, _("No wave chosen"))
            return None
        return self.board.waves[min(table.cursor_row, len(self.board.waves) - 1)]

    def action_pause_resume(self) -> None:
        from warehouse_tui.services.waves import pause_wave, resume_wave

        wave = self._chosen_wave()
        if wave is None:
            return
        service = resume_wave if wave.status == "paused" else pause_wave
        actor, wave_id = self.actor, wave.wave_id
        self.call_service(
            lambda: service(self.store, actor, wave_id),
            then=lambda result: self._waved(wave_id, result),
        )

    def action_cancel_wave(self) -> None:
        from warehouse_tui.services.waves import cancel_wave

        wave = self._chosen_wave()
        if wave is None:
            return
        armed, self._cancel_armed = self._cancel_armed, None
        if armed is None or armed[0] != wave.wave_id or time.monotonic() - armed[1] > CONFIRM_S:
            self._cancel_armed = (wave.wave_id, time.monotonic())
            self.feedback(
                False,
                _("Cancel {wave}? Press F3 again to cancel it").format(
                    wave=Ref.WAVE.of(wave.wave_id)
                ),
            )
            return
        actor, wave_id = self.actor, wave.wave_id
        self.call_service(
            lambda: cancel_wave(self.store, actor, wave_id),
            then=lambda result: self._waved(wave_id, result),
        )

    def _waved(self, wave_id: int, result: Any) -> None:
        if result.accepted:
            self.feedback(
                True,
                _("{wave} is now {status}").format(
                    wave=Ref.WAVE.of(wave_id), status=state_name(result.status)
                ),
            )
        else:
            self.feedback(False, result.reason)
        self._reload_now()

    # --- pick lists ------------------------------------------------------------------------

    def action_release_claim(self) -> None:
        from warehouse_tui.services.picking import release_claim

        table = self.query_one("#claims", DataTable)
        if self.board is None or not self.board.claims:
            self.feedback(False, _("No pick list is held"))
            return
        claim = self.board.claims[min(max(table.cursor_row, 0), len(self.board.claims) - 1)]
        actor, task_id = self.actor, claim.task_id
        self.call_service(
            lambda: release_claim(self.store, actor, task_id), then=self._released_one
        )

    def action_release_quiet(self) -> None:
        from warehouse_tui.services.picking import release_stale_claims

        actor = self.actor
        self.call_service(
            lambda: release_stale_claims(self.store, actor), then=self._released_quiet
        )

    def _released_one(self, result: ActionResult) -> None:
        self.feedback(result.accepted, result.message if result.accepted else result.reason)
        self._reload_now()

    def _released_quiet(self, result: ReleasedClaims) -> None:
        released = ", ".join(Ref.PICK.of(task_id) for task_id in result.task_ids)
        if not result.accepted:
            self.feedback(False, result.reason)
        elif released:
            self.feedback(True, _("Released: {lists}").format(lists=released))
        else:
            self.feedback(False, _("No pick list is quiet"))
        self._reload_now()

    # --- scans: split a merge --------------------------------------------------------------

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan

        kind = parse_scan(code).kind
        waiting, self._split_order = self._split_order, None
        if waiting is not None and time.monotonic() - waiting[1] > SPLIT_WAIT_S:
            waiting = None
        if kind is ScanKind.ORDER:
            self._split_order = (code, time.monotonic())
            self.journal_scan(code, accepted=True, reason="split: waiting for a badge")
            self.feedback(
                True,
                _(
                    "Split {order} from its buyer's shipment? Scan a supervisor's badge to confirm"
                ).format(order=code),
            )
        elif kind is ScanKind.BADGE and waiting is not None:
            from warehouse_tui.services.merging import split_merge

            order, actor, store = waiting[0], self.actor, self.store

            def pin_typed(pin: str | None) -> None:
                if pin is None:
                    self.refuse_scan(
                        code, _("No PIN typed: {order} is not split").format(order=order)
                    )
                    return
                self.call_service(
                    lambda: split_merge(store, actor, order, code, pin),
                    then=lambda result: self._split(order, result),
                )

            question = _("Supervisor's PIN for {badge}").format(badge=code)
            self.app.push_screen(PinPrompt(question), pin_typed)
        else:
            self.refuse_scan(code, _("Scan an ORD- label to split it from its buyer's shipment"))

    def _split(self, order: str, result: Any) -> None:
        if result.accepted:
            self.feedback(True, _("{order} ships on its own now").format(order=order))
        else:
            self.feedback(False, result.reason)

    def _reload_now(self) -> None:
        self._watch.load()

    def action_back(self) -> None:
        self.app.pop_screen()


def _fill(table: DataTable[Text], rows: list[tuple[str, tuple[str, ...]]]) -> None:
    """Replace the table's rows, keeping the cursor on the same row key where it still is.
    Cells are `Text`: a plain string in a DataTable is read as markup, and a picker's name is
    data."""
    keep = None
    if table.row_count and table.cursor_row >= 0:
        keep = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
    table.clear()
    for key, cells in rows:
        table.add_row(*(Text(on_screen(cell)) for cell in cells), key=key)
    keys = [key for key, _cells in rows]
    if keep in keys:
        table.move_cursor(row=keys.index(keep))


def _wave_cells(row: WaveRow) -> tuple[str, tuple[str, ...]]:
    return str(row.wave_id), (
        Ref.WAVE.of(row.wave_id),
        state_name(row.status),
        state_name(row.strategy),
        str(row.orders),
        str(row.flagged or ""),
        f"{row.units_picked}/{row.units}",
        str(row.packed),
        str(row.shipped),
    )


def _claim_cells(row: ClaimRow) -> tuple[str, tuple[str, ...]]:
    return str(row.task_id), (
        Ref.PICK.of(row.task_id),
        Ref.WAVE.of(row.wave_id),
        row.picker,
        state_name(row.status),
        f"{row.stops_done}/{row.stops}",
        _quiet(row),
    )


def _quiet(row: ClaimRow) -> str:
    minutes = int(row.quiet_s // 60)
    heard = _("{minutes} min ago").format(minutes=minutes) if minutes else _("just now")
    return _("QUIET · {heard}").format(heard=heard) if row.stale else heard


register_screen("waves", N_("Waves and pick lists"), {"supervisor"}, lambda: WavesScreen())
