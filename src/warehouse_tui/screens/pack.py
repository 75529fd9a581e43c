"""The pack station (80x24 and larger): scan to start, verify every item, box, instructions,
live weight from the station's scale, close and print.

Everything shown comes from `services.packing.pack_view`: the screen keeps only the id of the
parcel on the bench, so a station that restarts continues the parcel it left open. The station's
scale and printer are the app's (`devices.station`, simulated twins where a port says
``sim:``): the scale readout follows the scale and posts its readings here, and a closed
parcel's label goes to the printer's destination.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.services.states import state_name
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.line_list import LineList
from warehouse_tui.widgets.number_prompt import NumberPrompt
from warehouse_tui.widgets.scale_readout import ScaleReadout

if TYPE_CHECKING:
    from warehouse_tui.devices.scale import WeightReading
    from warehouse_tui.devices.scale_sim import SimulatedScale
    from warehouse_tui.devices.station import StationDevices
    from warehouse_tui.services.auth import Approval
    from warehouse_tui.services.packing import LineView, PackResult, PackView, ScanResult
    from warehouse_tui.services.settings import SimScale
    from warehouse_tui.store.engine import Store

# A stable reading older than this is not taken as the parcel's weight.
READING_FRESH_S = 3.0
START_KINDS = frozenset({"tote", "slot", "order", "parcel"})
# How long the parcel's re-read waits for the outcome of an action to be painted first.
PAINT_FIRST_S = 0.5
# After that paint, the re-read waits this long: the output thread still has to write the frame
# to the terminal, and the re-read's Python work beside it would hold it back (by ~2.5 ms).
FRAME_OUT_S = 0.005


def _continued_parcel(store: Store, station: str) -> PackView | None:
    """The parcel this station left open, else one it closed whose label did not print."""
    from warehouse_tui.services.packing import (
        open_parcel_at_station,
        pack_view,
        unprinted_parcel_at_station,
    )

    parcel_id = open_parcel_at_station(store, station) or unprinted_parcel_at_station(
        store, station
    )
    return pack_view(store, parcel_id) if parcel_id is not None else None


class PackScreen(FloorScreen):
    CSS_PATH = "pack.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Pack station")
    HELP: ClassVar[str] = N_(
        "Scan a tote, put-wall slot, order (ORD-) or parcel label (PCL-) to start.\n\n"
        "Scan every item: a wrong item, one too many or an item of another order is refused "
        "in red and counts for nothing. F2 undoes the last scan; F7 types a quantity where the "
        "item allows it, then scan the item. An item whose barcode will not scan: type its "
        "code, and a supervisor scans a badge and types a PIN.\n\n"
        "Scan a box label (BOX-…) or press F3 for the suggested box. Read the pack "
        "instructions and press F4 to confirm them. Put the parcel on the scale and press F5 "
        "when the weight is steady; F6 types a weight (a supervisor scans a badge and types "
        "a PIN).\n\n"
        "F8 closes the parcel and prints its label, with a tracking number from the carrier's "
        "pool — or the number of a carrier's pre-printed label, if you scanned one on the "
        "parcel first. F9 opens the next parcel of a big order; "
        "F10 reprints the label. STOP in red: the order was cancelled or changed — put "
        "everything aside for restock."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "undo", _("Undo")),
        Binding("f3", "suggested_box", _("Box")),
        Binding("f4", "confirm", _("Confirm")),
        Binding("f5", "weigh", _("Weigh")),
        Binding("f6", "typed_weight", _("Type weight")),
        Binding("f7", "quantity", _("Qty")),
        Binding("f8", "close_parcel", _("Close parcel")),
        Binding("f9", "next_parcel", _("Next parcel")),
        Binding("f10", "reprint", _("Reprint")),
        Binding("escape", "back", _("Back")),
        Binding("pageup", "scroll_instructions(-1)", _("Instructions up"), show=False),
        Binding("pagedown", "scroll_instructions(1)", _("Instructions down"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: PackView | None = None
        self.devices: StationDevices | None = None
        self.reading: WeightReading | None = None
        self._reading_at = 0.0
        self._typed_quantity: int | None = None
        self._typed_weight: float | None = None
        # An item keyed by its own code (with its typed quantity, or None for one unit) that
        # waits for a supervisor's badge.
        self._keyed_count: tuple[str, int | None] | None = None
        self._sim_scale: SimScale | None = None

    @property
    def parcel_id(self) -> int | None:
        return self.view.parcel_id if self.view is not None else None

    @property
    def simulated_scale(self) -> SimulatedScale | None:
        return self.devices.simulated_scale if self.devices is not None else None

    @property
    def printer(self) -> str:
        """Where this station's labels go ("" without a printer)."""
        return self.devices.printer if self.devices is not None else ""

    def compose(self) -> ComposeResult:
        with Vertical(id="pack"):
            yield Caption(_("Scan a tote, slot, order or parcel to start"), id="pack-head")
            yield Caption(id="stop")
            with Horizontal(id="pack-body"):
                yield LineList(id="lines")
                with Vertical(id="pack-side"):
                    yield Caption(id="box")
                    with VerticalScroll(id="instructions", can_focus=False):
                        yield Caption(id="instructions-text")
                    yield Caption(id="instructions-state")
                    yield ScaleReadout(id="scale")
                    yield Caption(id="weight")
                    yield Caption(id="printer")
            yield FeedbackLine(id="feedback")
            yield Static(
                _("F2 undo F3 box F4 confirm F5 weigh F6 type F7 qty F8 close F9 next F10 reprint"),
                classes="keys",
            )

    def on_mount(self) -> None:
        host, station = self.host, self.host.station

        def set_up() -> tuple[StationDevices, PackView | None, SimScale]:
            from warehouse_tui.services.settings import sim_scale

            store = host.store
            return host.devices, _continued_parcel(store, station), sim_scale(store)

        self.call_service(set_up, then=self._set_up)

    def _set_up(self, setup: tuple[StationDevices, PackView | None, SimScale]) -> None:
        self.devices, view, self._sim_scale = setup
        self.query_one(ScaleReadout).scale = self.devices.scale
        self._caption("printer").text = (
            _("Labels to {printer}").format(printer=self.printer)
            if self.printer
            else _("No printer at this station")
        )
        if view is not None:
            self._show(view)
            self.feedback(
                True,
                _("Parcel {parcel} continued").format(
                    parcel=format_label(ScanKind.PARCEL, view.parcel_id)
                ),
            )

    @on(ScaleReadout.Changed)
    def _weighed(self, message: ScaleReadout.Changed) -> None:
        self.reading, self._reading_at = message.reading, message.at

    # --- scans -----------------------------------------------------------------------------------

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan
        from warehouse_tui.services import packing

        kind = parse_scan(code).kind
        actor, store = self.actor, self.store
        if kind in START_KINDS:
            self._act(lambda: packing.start_pack(store, actor, code))
            return
        parcel_id = self.parcel_id
        if parcel_id is None:
            self.refuse_scan(code, _("Scan a tote, slot, order or parcel to start"))
            return
        if kind is ScanKind.BADGE and self._keyed_count is not None:
            self._approve_count(code, *self._keyed_count)
            return
        self._keyed_count = None
        if kind is ScanKind.BOX:
            self._act(lambda: packing.choose_box(store, actor, parcel_id, code))
        elif kind is ScanKind.BADGE:
            self._authorise_weight(code)
        elif self._typed_quantity is not None:
            qty, self._typed_quantity = self._typed_quantity, None
            self._act(
                lambda: packing.enter_quantity(store, actor, parcel_id, code, qty),
                counts=True,
                keyed=(code, qty),
            )
        else:
            at = self.scanned_at
            self._act(
                lambda: packing.verify_scan(store, actor, parcel_id, code, at),
                counts=True,
                keyed=(code, None),
            )

    def _approve_count(self, badge: str, code: str, qty: int | None) -> None:
        """A supervisor's badge for an item keyed by its own code (its barcode will not scan),
        one unit or a typed quantity: their PIN, then the count, journaled with both
        operators."""
        from warehouse_tui.services import packing

        self._keyed_count = None
        parcel_id, actor, store = self.parcel_id, self.actor, self.store
        assert parcel_id is not None

        def approved(approval: Approval) -> None:
            if qty is None:
                self._act(
                    lambda: packing.verify_scan(store, actor, parcel_id, code, None, approval),
                    counts=True,
                    keyed=(code, qty),  # a wrong PIN: the next badge tries again
                )
            else:
                self._act(
                    lambda: packing.enter_quantity(store, actor, parcel_id, code, qty, approval),
                    counts=True,
                    keyed=(code, qty),
                )

        dropped = _("No PIN typed: the typed quantity is dropped")
        self.with_supervisor_pin(badge, dropped, approved)

    def _authorise_weight(self, badge: str) -> None:
        from warehouse_tui.services import packing

        grams, parcel_id = self._typed_weight, self.parcel_id
        if grams is None or parcel_id is None:
            self.refuse_scan(badge, _("A badge here only authorises a typed weight (F6)"))
            return
        self._typed_weight = None
        actor, store = self.actor, self.store

        def approved(approval: Approval) -> None:
            self._act(
                lambda: packing.typed_weight(
                    store, actor, parcel_id, grams, approval.badge, approval.pin
                )
            )

        dropped = _("No PIN typed: the typed weight is dropped")
        self.with_supervisor_pin(badge, dropped, approved)

    # --- actions ---------------------------------------------------------------------------------

    def _with_parcel(self, fn: Any, *args: Any) -> None:
        parcel_id = self.parcel_id
        if parcel_id is None:
            self.feedback(False, _("Scan a tote, slot, order or parcel to start"))
            return
        actor, store = self.actor, self.store
        self._act(lambda: fn(store, actor, parcel_id, *args))

    def action_undo(self) -> None:
        from warehouse_tui.services.packing import undo_last_scan

        parcel_id = self.parcel_id
        if parcel_id is None:
            self.feedback(False, _("Nothing to undo"))
            return
        actor, store = self.actor, self.store
        self._act(lambda: undo_last_scan(store, actor, parcel_id))

    def action_suggested_box(self) -> None:
        from warehouse_tui.services.packing import choose_box

        if self.view is None or self.view.suggested_box is None:
            self.feedback(
                False, _("No box holds these items: scan the box or packaging you use (BOX-…)")
            )
            return
        self._with_parcel(choose_box, self.view.suggested_box)

    def action_confirm(self) -> None:
        from warehouse_tui.services.packing import confirm_instructions

        self._with_parcel(confirm_instructions)

    def action_weigh(self) -> None:
        from warehouse_tui.services.packing import record_weight

        reading = self.reading
        fresh = time.monotonic() - self._reading_at < READING_FRESH_S
        if reading is None or reading.status != "stable" or not fresh:
            self.feedback(False, _("No steady weight from the scale: wait, or F6 to type it"))
            return
        self._with_parcel(record_weight, reading.grams)

    def action_typed_weight(self) -> None:
        def typed(grams: float | None) -> None:
            if grams is not None:
                self._typed_weight = grams
                self.feedback(
                    True, _("{grams:.0f} g typed: a supervisor scans a badge").format(grams=grams)
                )

        self.app.push_screen(NumberPrompt.positive(_("Weight in grams")), typed)

    def action_quantity(self) -> None:
        def typed(qty: int | None) -> None:
            if qty:
                self._typed_quantity = qty
                self.feedback(True, _("Quantity {qty}: scan the item").format(qty=qty))

        self.app.push_screen(NumberPrompt.whole(_("How many?")), typed)

    def action_close_parcel(self) -> None:
        from warehouse_tui.services.packing import close_parcel

        self._with_parcel(close_parcel, self.printer)

    def action_next_parcel(self) -> None:
        from warehouse_tui.services.packing import new_parcel

        self._with_parcel(new_parcel)

    def action_reprint(self) -> None:
        from warehouse_tui.services.packing import reprint_label

        self._with_parcel(reprint_label, self.printer)

    def action_scroll_instructions(self, pages: int) -> None:
        """PgUp/PgDn: long pack instructions scroll; their confirm key stays in sight below."""
        scroll = self.query_one("#instructions", VerticalScroll)
        scroll.scroll_to(y=scroll.scroll_y + pages * max(1, scroll.size.height - 1), animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- results ---------------------------------------------------------------------------------

    def _act(
        self,
        action: Callable[[], PackResult | ScanResult],
        *,
        counts: bool = False,
        keyed: tuple[str, int | None] | None = None,
    ) -> None:
        """Run a service and show its outcome, then read and show the parcel it leaves on the
        bench (the one a pack result names, else the one shown), all in one worker. An item
        count (`counts`) is put on the line list with the outcome, so the packer sees it before
        the rest of the parcel is read again; that read waits for this paint, which it would
        otherwise slow down (both need the interpreter). A count refused for want of a
        supervisor keeps what was scanned (`keyed`) for the badge that approves it."""
        from warehouse_tui.services.packing import PackResult, pack_view

        store, shown, post = self.store, self.parcel_id, self.poster()

        def act_then_view() -> PackView | None:
            result = action()
            painted = threading.Event()
            post(lambda: self._acted(result, counts, keyed, painted))
            painted.wait(PAINT_FIRST_S)
            time.sleep(FRAME_OUT_S)
            named = result.parcel_id if isinstance(result, PackResult) else None
            parcel_id = named or shown
            return pack_view(store, parcel_id) if parcel_id is not None else None

        self.call_service(act_then_view, then=self._show)

    def _acted(
        self,
        result: PackResult | ScanResult,
        counts: bool,
        keyed: tuple[str, int | None] | None,
        painted: threading.Event,
    ) -> None:
        from warehouse_tui.services.packing import ScanResult
        from warehouse_tui.services.results import Refusal

        self.feedback(result.accepted, result.reason)
        if counts:
            self._keyed_count = keyed if result.refusal is Refusal.APPROVAL else None
        if counts and isinstance(result, ScanResult) and result.accepted:
            line_list = self.query_one(LineList)
            shown = cast("tuple[LineView, ...]", line_list.lines)  # set from views: LineViews
            line_list.lines = _counted(shown, result)
        self.call_after_refresh(painted.set)

    def _show(self, view: PackView | None) -> None:
        if view is None:
            return
        self.view = view
        orders = ", ".join(format_label(ScanKind.ORDER, order_id) for order_id in view.order_ids)
        head = _("{parcel} ({number}) · {orders} · {name} · {carrier} {service} · {status}")
        self._caption("pack-head").text = head.format(
            parcel=format_label(ScanKind.PARCEL, view.parcel_id),
            number=view.parcel_number,
            orders=orders,
            name=view.ship_name,
            carrier=view.carrier,
            service=view.service,
            status=state_name(view.status),
        )
        stop = self._caption("stop")
        stop.text = view.stop
        stop.display = bool(view.stop)
        self.query_one(LineList).lines = view.lines
        self._caption("box").text = _box_text(view)
        self._caption("instructions-text").text = _instructions_text(view)
        self.call_after_refresh(self._show_instructions_state, view)
        self._caption("weight").text = _weight_text(view)
        simulated, setting = self.simulated_scale, self._sim_scale
        if simulated is not None and view.expected_weight_g and view.status == "open":
            from warehouse_tui.devices.scale_sim import simulated_load

            grams = view.expected_weight_g  # the demo's packer puts the box on
            if setting is not None:
                grams = simulated_load(
                    grams,
                    view.parcel_id,
                    error_g=setting.error_g,
                    wrong_one_in=setting.wrong_one_in,
                )
            simulated.set_weight(grams)

    def _show_instructions_state(self, view: PackView) -> None:
        """Under the instructions, once they are laid out (so it is known whether they scroll):
        whether they still need F4, and PgDn when there is more to read."""
        more = self.query_one("#instructions", VerticalScroll).max_scroll_y > 0
        self._caption("instructions-state").text = _instructions_state(view, more=more)

    def _caption(self, widget_id: str) -> Caption:
        return self.query_one(f"#{widget_id}", Caption)


def _counted(lines: tuple[LineView, ...], scan: ScanResult) -> tuple[LineView, ...]:
    """The line list after an accepted scan, from what the scan's transaction counted."""
    return tuple(
        replace(line, packed=scan.packed, in_parcel=line.in_parcel + scan.units)
        if line.order_line_id == scan.order_line_id
        else line
        for line in lines
    )


def _box_text(view: PackView) -> str:
    if view.box_code:
        return _("Box: {box}").format(box=view.box_code)
    if view.suggested_box:
        return _("Box: scan one — F3 takes {box}").format(box=view.suggested_box)
    return _("Box: scan one (BOX-…)")


def _instructions_text(view: PackView) -> Text:
    if not view.instructions:
        return Text(_("No pack instructions"))
    return Text("\n").join(Text(f"! {on_screen(line)}", style="bold") for line in view.instructions)


def _instructions_state(view: PackView, *, more: bool) -> Text:
    if not view.instructions:
        return Text()
    if view.instructions_confirmed:
        return Text(_("Confirmed"), style="green")
    return Text(_("F4 to confirm · PgDn more") if more else _("F4 to confirm"), style="reverse")


def _weight_text(view: PackView) -> str:
    if view.label_due:
        return _("Label {tracking} NOT printed: F10 prints it").format(tracking=view.tracking)
    if view.tracking:
        return _("Label {tracking}").format(tracking=view.tracking)
    expected = "—" if view.expected_weight_g is None else f"{view.expected_weight_g} g"
    weighed = "—" if view.weight_g is None else f"{view.weight_g} g"
    return _("Expected {expected} · weighed {weighed}").format(expected=expected, weighed=weighed)


register_screen("pack", N_("Pack station"), {"packer", "supervisor"}, PackScreen)
