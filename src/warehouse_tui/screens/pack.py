"""The pack station (80x24 and larger): scan to start, verify every item, box, instructions,
live weight from the station's scale, close and print.

Everything shown comes from `services.packing.pack_view`: the screen keeps only the id of the
parcel on the bench, so a station that restarts continues the parcel it left open. The scale is
read by a thread worker that runs the real driver (`devices.scale`) on the station's scale
port; a port named ``sim:<protocol>`` is a simulated scale on a pty (demo and tests), and a
printer named ``sim:zpl`` a simulated TCP 9100 label printer.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen, ScanAwareInput
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.services.states import state_name

if TYPE_CHECKING:
    from warehouse_tui.devices.printer import SimulatedLabelPrinter
    from warehouse_tui.devices.scale import ScaleError, WeightReading
    from warehouse_tui.devices.scale_sim import SimulatedScale
    from warehouse_tui.services.packing import LineView, PackResult, PackView, ScanResult
    from warehouse_tui.services.stations import DeviceView

SIMULATED = "sim:"
SCALE_READ_TIMEOUT_S = 2.0
SCALE_POLL_S = 0.2  # between two readings: live enough, and the UI is not flooded
# A stable reading older than this is not taken as the parcel's weight.
READING_FRESH_S = 3.0
START_KINDS = frozenset({"tote", "slot", "order", "parcel"})
# How long the parcel's re-read waits for the outcome of an action to be painted first.
PAINT_FIRST_S = 0.5
# After that paint, the re-read waits this long: the output thread still has to write the frame
# to the terminal, and the re-read's Python work beside it would hold it back (by ~2.5 ms).
FRAME_OUT_S = 0.005
LINES_FALLBACK_WIDTH = 46  # the line list's width at 80 columns, before the first layout


class ScaleUpdate(Message):
    """A reading or a problem from the scale thread, to be shown by `show` on the UI thread."""

    def __init__(self, show: Any, value: Any) -> None:
        super().__init__()
        self.show = show
        self.value = value


class NumberPrompt(ModalScreen[float | None]):
    """Ask for one number (a typed quantity or weight)."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="pack-prompt"):
            yield Static(self._question, id="pack-question")
            yield ScanAwareInput(id="pack-number", type="number")
            yield Static(_("Enter confirm · Esc cancel"), classes="hint")

    @on(Input.Submitted, "#pack-number")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            value = float(event.value.strip())
        except ValueError:
            value = math.nan
        self.dismiss(value if math.isfinite(value) and value > 0 else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _start_devices(devices: list[DeviceView]) -> dict[str, Any]:
    """The station's scale port and protocol and its printer destination, simulated twins
    started where the port says ``sim:``."""
    found: dict[str, Any] = {}
    for device in devices:
        if device.kind == "scale" and "scale" not in found:
            found["scale"] = device
        elif device.kind == "printer" and "printer" not in found:
            found["printer"] = device
    started: dict[str, Any] = {}
    scale = found.get("scale")
    if scale is not None:
        started["scale_protocol"] = scale.driver
        started["scale_baud"] = int(scale.settings.get("baud", 9600))
        if scale.port.startswith(SIMULATED):
            from warehouse_tui.devices.scale_sim import SimulatedScale

            simulated = SimulatedScale.for_protocol(scale.port.removeprefix(SIMULATED))
            started["scale_sim"] = simulated
            started["scale_port"] = simulated.port
        else:
            started["scale_port"] = scale.port
    printer = found.get("printer")
    if printer is not None:
        if printer.port.startswith(SIMULATED):
            from warehouse_tui.devices.printer import SimulatedLabelPrinter

            simulated_printer = SimulatedLabelPrinter().start()
            started["printer_sim"] = simulated_printer
            started["printer"] = simulated_printer.destination
        else:
            started["printer"] = printer.port
    return started


def _station_setup(store: Any, station: str) -> tuple[dict[str, Any], PackView | None]:
    from warehouse_tui.services.packing import (
        open_parcel_at_station,
        pack_view,
        unprinted_parcel_at_station,
    )
    from warehouse_tui.services.stations import station_devices

    devices = _start_devices(station_devices(store, station))
    parcel_id = open_parcel_at_station(store, station) or unprinted_parcel_at_station(
        store, station
    )
    return devices, pack_view(store, parcel_id) if parcel_id is not None else None


class PackScreen(FloorScreen):
    CSS_PATH = "pack.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Pack station")
    HELP: ClassVar[str] = N_(
        "Scan a tote, put-wall slot, order (ORD-) or parcel label (PCL-) to start.\n\n"
        "Scan every item: a wrong item, one too many or an item of another order is refused "
        "in red and counts for nothing. F2 undoes the last scan; F7 types a quantity where the "
        "item allows it.\n\n"
        "Scan a box label (BOX-…) or press F3 for the suggested box. Read the pack "
        "instructions and press F4 to confirm them. Put the parcel on the scale and press F5 "
        "when the weight is steady; F6 types a weight (a supervisor scans a badge).\n\n"
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
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: PackView | None = None
        self.devices: dict[str, Any] = {}
        self.reading: WeightReading | None = None
        self._reading_at = 0.0
        self._typed_quantity: int | None = None
        self._typed_weight: float | None = None
        self._stop_scale = threading.Event()
        self._shown: dict[str, Any] = {}  # what each view widget shows, so unchanged ones stay
        self._line_rows: list[Static] = []  # the line list's rows, in the order of its lines

    @property
    def parcel_id(self) -> int | None:
        return self.view.parcel_id if self.view is not None else None

    @property
    def simulated_scale(self) -> SimulatedScale | None:
        return self.devices.get("scale_sim")

    @property
    def simulated_printer(self) -> SimulatedLabelPrinter | None:
        return self.devices.get("printer_sim")

    def compose(self) -> ComposeResult:
        with Vertical(id="pack"):
            yield Static(_("Scan a tote, slot, order or parcel to start"), id="pack-head")
            yield Static("", id="stop")
            with Horizontal(id="pack-body"):
                yield Vertical(id="lines")
                with Vertical(id="pack-side"):
                    yield Static("", id="box")
                    yield Static("", id="instructions")
                    yield Static(_("Scale: —"), id="scale")
                    yield Static("", id="weight")
            yield Static("", id="feedback")
            yield Static(
                _("F2 undo F3 box F4 confirm F5 weigh F6 type F7 qty F8 close F9 next F10 reprint"),
                classes="keys",
            )

    def on_mount(self) -> None:
        station = self.wapp.station
        self.call_service(lambda: _station_setup(self.store, station), then=self._set_up)

    def on_unmount(self) -> None:
        self._stop_scale.set()
        scale, printer = self.simulated_scale, self.simulated_printer
        if scale is not None:
            scale.close()
        if printer is not None:
            printer.stop()

    def _set_up(self, setup: tuple[dict[str, Any], PackView | None]) -> None:
        self.devices, view = setup
        if "scale_port" in self.devices:
            # A plain thread, not a Textual worker: it never finishes while the screen is up.
            threading.Thread(target=self._read_scale, name="scale", daemon=True).start()
        else:
            self.query_one("#scale", Static).update(_("No scale at this station"))
        if view is not None:
            self._show(view)
            self.feedback(True, _("Parcel PCL-{parcel} continued").format(parcel=view.parcel_id))

    # --- the scale ---------------------------------------------------------------------------

    def _read_scale(self) -> None:
        """Read the scale until the screen goes: every reading is shown as it comes."""
        from warehouse_tui.devices.scale import ScaleError, open_scale

        try:
            driver = open_scale(
                self.devices["scale_port"],
                self.devices["scale_protocol"],
                baud=self.devices["scale_baud"],
            )
        except ScaleError as error:
            self._from_scale(self._show_scale_problem, error)
            return
        last: list[tuple[float, str]] = []

        def changed(reading: WeightReading) -> None:
            shown = (reading.grams, reading.status)
            if last != [shown] or time.monotonic() - self._reading_at > READING_FRESH_S / 2:
                last[:] = [shown]
                self._from_scale(self._show_reading, reading)

        with driver:
            while not self._stop_scale.is_set():
                try:
                    driver.read_stable(SCALE_READ_TIMEOUT_S, on_reading=changed)
                except ScaleError as error:
                    last.clear()
                    self._from_scale(self._show_scale_problem, error)
                self._stop_scale.wait(SCALE_POLL_S)

    def _from_scale(self, show: Any, value: Any) -> None:
        """Hand a reading to the UI thread without waiting for it (post_message is
        thread-safe; call_from_thread would block this thread for good once the app stops)."""
        if not self._stop_scale.is_set():
            self.post_message(ScaleUpdate(show, value))

    @on(ScaleUpdate)
    def _scale_update(self, message: ScaleUpdate) -> None:
        message.show(message.value)

    def _show_reading(self, reading: WeightReading) -> None:
        self.reading = reading
        self._reading_at = time.monotonic()
        if reading.status == "stable":
            text = _("Scale: {grams:.0f} g steady").format(grams=reading.grams)
        elif reading.status == "motion":
            text = _("Scale: {grams:.0f} g in motion…").format(grams=reading.grams)
        else:
            from warehouse_tui.devices.scale import problem_with

            text = _("Scale: {problem}").format(problem=problem_with(reading).reason)
        widget = self.query_one("#scale", Static)
        widget.update(text)
        widget.set_class(reading.status == "stable", "steady")

    def _show_scale_problem(self, error: ScaleError) -> None:
        self.reading = None
        widget = self.query_one("#scale", Static)
        widget.update(_("Scale: {problem}").format(problem=error.reason))
        widget.set_class(False, "steady")

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
        if kind is ScanKind.BOX:
            self._act(lambda: packing.choose_box(store, actor, parcel_id, code))
        elif kind is ScanKind.BADGE:
            self._authorise_weight(code)
        elif self._typed_quantity is not None:
            qty, self._typed_quantity = self._typed_quantity, None
            self._act(
                lambda: packing.enter_quantity(store, actor, parcel_id, code, qty), counts=True
            )
        else:
            at = self.scanned_at
            self._act(lambda: packing.verify_scan(store, actor, parcel_id, code, at), counts=True)

    def _authorise_weight(self, badge: str) -> None:
        from warehouse_tui.services import packing

        grams, parcel_id = self._typed_weight, self.parcel_id
        if grams is None or parcel_id is None:
            self.refuse_scan(badge, _("A badge here only authorises a typed weight (F6)"))
            return
        self._typed_weight = None
        actor, store = self.actor, self.store
        self._act(lambda: packing.typed_weight(store, actor, parcel_id, grams, badge))

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
            self.feedback(False, _("No box suggested: scan a box label"))
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

        self.app.push_screen(NumberPrompt(_("Weight in grams")), typed)

    def action_quantity(self) -> None:
        def typed(qty: float | None) -> None:
            if qty is not None and qty == int(qty):
                self._typed_quantity = int(qty)
                self.feedback(True, _("Quantity {qty}: scan the item").format(qty=int(qty)))

        self.app.push_screen(NumberPrompt(_("How many?")), typed)

    def action_close_parcel(self) -> None:
        from warehouse_tui.services.packing import close_parcel

        self._with_parcel(close_parcel, self.devices.get("printer", ""))

    def action_next_parcel(self) -> None:
        from warehouse_tui.services.packing import new_parcel

        self._with_parcel(new_parcel)

    def action_reprint(self) -> None:
        from warehouse_tui.services.packing import reprint_label

        self._with_parcel(reprint_label, self.devices.get("printer", ""))

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- results ---------------------------------------------------------------------------------

    def _act(self, action: Callable[[], PackResult | ScanResult], *, counts: bool = False) -> None:
        """Run a service and show its outcome, then read and show the parcel it leaves on the
        bench (the one a pack result names, else the one shown), all in one worker. An item
        count (`counts`) is put on the line list with the outcome, so the packer sees it before
        the rest of the parcel is read again; that read waits for this paint, which it would
        otherwise slow down (both need the interpreter)."""
        from warehouse_tui.services.packing import PackResult, pack_view

        store, shown = self.store, self.parcel_id

        def act_then_view() -> PackView | None:
            result = action()
            painted = threading.Event()
            self.app.call_from_thread(self._acted, result, counts, painted)
            painted.wait(PAINT_FIRST_S)
            time.sleep(FRAME_OUT_S)
            named = result.parcel_id if isinstance(result, PackResult) else None
            parcel_id = named or shown
            return pack_view(store, parcel_id) if parcel_id is not None else None

        self.call_service(act_then_view, then=self._show)

    def _acted(
        self, result: PackResult | ScanResult, counts: bool, painted: threading.Event
    ) -> None:
        from warehouse_tui.services.packing import ScanResult

        self.feedback(result.accepted, result.reason)
        lines: tuple[LineView, ...] | None = self._shown.get("lines")
        if counts and isinstance(result, ScanResult) and result.accepted and lines is not None:
            self._show_lines(_counted(lines, result))
        self.call_after_refresh(painted.set)

    def _show(self, view: PackView | None) -> None:
        if view is None:
            return
        self.view = view
        orders = ", ".join(f"ORD-{order_id}" for order_id in view.order_ids)
        head = _("PCL-{parcel} ({number}) · {orders} · {name} · {carrier} {service} · {status}")
        self._put(
            "pack-head",
            head.format(
                parcel=view.parcel_id,
                number=view.parcel_number,
                orders=orders,
                name=view.ship_name,
                carrier=view.carrier,
                service=view.service,
                status=state_name(view.status),
            ),
        )
        self._put("stop", view.stop)
        self.query_one("#stop", Static).display = bool(view.stop)
        self._show_lines(view.lines)
        self._put("box", _box_text(view))
        self._put("instructions", _instructions_text(view))
        self._put("weight", _weight_text(view))
        simulated = self.simulated_scale
        if simulated is not None and view.expected_weight_g and view.status == "open":
            simulated.set_weight(view.expected_weight_g)  # the demo's packer puts the box on

    def _show_lines(self, lines: tuple[LineView, ...]) -> None:
        """One row widget per order line, so a scan repaints the one row it counted."""
        box = self.query_one("#lines", Vertical)
        widths = _column_widths(lines, box.content_size.width or LINES_FALLBACK_WIDTH)
        shown: tuple[LineView, ...] | None = self._shown.get("lines")
        self._shown["lines"] = lines
        same_rows = shown is not None and [line.order_line_id for line in shown] == [
            line.order_line_id for line in lines
        ]
        if not same_rows or self._shown.get("line-widths") != widths:
            self._shown["line-widths"] = widths
            self._line_rows = [Static(_row_text(line, widths), classes="line") for line in lines]
            box.remove_children()
            box.mount(Static(_heading(widths), classes="line-head"), *self._line_rows)
            return
        assert shown is not None
        for row, before, now in zip(self._line_rows, shown, lines, strict=True):
            if before != now:
                row.update(_row_text(now, widths), layout=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_lines)

    def _fit_lines(self) -> None:
        """The list again at its new width, with the counts it shows now (a scan may have
        landed since the resize)."""
        lines = self._shown.get("lines")
        if lines is not None:
            self._show_lines(lines)

    def _put(self, widget_id: str, content: str | Text) -> None:
        """Update a widget only when what it shows changed: each update costs a repaint."""
        if widget_id in self._shown and self._shown[widget_id] == content:
            return
        self._shown[widget_id] = content
        self.query_one(f"#{widget_id}", Static).update(content)


def _counted(lines: tuple[LineView, ...], scan: ScanResult) -> tuple[LineView, ...]:
    """The line list after an accepted scan, from what the scan's transaction counted."""
    return tuple(
        replace(line, packed=scan.packed, in_parcel=line.in_parcel + scan.units)
        if line.order_line_id == scan.order_line_id
        else line
        for line in lines
    )


def _column_widths(lines: tuple[LineView, ...], width: int) -> tuple[int, int, int, int]:
    """SKU, item, here and done column widths in terminal cells: wide enough for a line's
    counts at their most, so counting up never moves a column; the item takes the rest."""
    headers = (_("SKU"), _("Item"), _("Here"), _("Done"))
    sku = max([cell_len(headers[0]), *(cell_len(line.sku_code) for line in lines)])
    here = max([cell_len(headers[2]), *(len(str(line.expected)) for line in lines)])
    done = max([cell_len(headers[3]), *(2 * len(str(line.expected)) + 1 for line in lines)])
    return sku, max(4, width - sku - here - done - 3), here, done


def _heading(widths: tuple[int, int, int, int]) -> Text:
    cells = _cells((_("SKU"), _("Item"), _("Here"), _("Done")), widths)
    return Text(" ".join(cells), style="bold", no_wrap=True, overflow="crop")


def _row_text(line: LineView, widths: tuple[int, int, int, int]) -> Text:
    """One line of the list; green once all its picked units are packed."""
    sku, name, here, done = _cells(
        (line.sku_code, line.name, str(line.in_parcel), f"{line.packed}/{line.expected}"), widths
    )
    style = "bold green" if line.packed >= line.expected else ""
    text = Text(no_wrap=True, overflow="crop")
    text.append(sku, style=style)
    text.append(f" {name} {here} ")
    text.append(done, style=style)
    return text


def _cells(row: tuple[str, str, str, str], widths: tuple[int, int, int, int]) -> list[str]:
    """The row's cells padded to their column widths: text left, numbers right, a name too long
    cut with an ellipsis (widths in terminal cells, so Chinese names line up)."""
    sku, name, here, done = row
    if cell_len(name) > widths[1]:
        name = set_cell_size(name, widths[1] - 1) + "…"
    return [
        set_cell_size(sku, widths[0]),
        set_cell_size(name, widths[1]),
        " " * (widths[2] - cell_len(here)) + here,
        " " * (widths[3] - cell_len(done)) + done,
    ]


def _box_text(view: PackView) -> str:
    if view.box_code:
        return _("Box: {box}").format(box=view.box_code)
    if view.suggested_box:
        return _("Box: scan one — F3 takes {box}").format(box=view.suggested_box)
    return _("Box: scan one (BOX-…)")


def _instructions_text(view: PackView) -> Text:
    if not view.instructions:
        return Text(_("No pack instructions"))
    text = Text()
    for line in view.instructions:
        text.append(f"! {line}\n", style="bold")
    if view.instructions_confirmed:
        text.append(_("Confirmed"), style="green")
    else:
        text.append(_("F4 to confirm"), style="reverse")
    return text


def _weight_text(view: PackView) -> str:
    if view.label_due:
        return _("Label {tracking} NOT printed: F10 prints it").format(tracking=view.tracking)
    if view.tracking:
        return _("Label {tracking}").format(tracking=view.tracking)
    expected = "—" if view.expected_weight_g is None else f"{view.expected_weight_g} g"
    weighed = "—" if view.weight_g is None else f"{view.weight_g} g"
    return _("Expected {expected} · weighed {weighed}").format(expected=expected, weighed=weighed)


register_screen("pack", N_("Pack station"), {"packer", "supervisor"}, PackScreen)
