"""The station's scale, live: "Scale: 1250 g steady", "… in motion", or what is wrong with it.

The screen sets `scale` (the station's scale, or None for a station without one). The readout
then follows the scale in a thread of its own for as long as it is mounted, and posts every
reading as `ScaleReadout.Changed`: the message passes through the readout, which shows it, on
its way up to the screen, which keeps the last reading to weigh with. A plain thread, not a
Textual worker: it never finishes while the readout is up, and tests wait for workers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message
from textual.reactive import var
from textual.widgets import Static

from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from warehouse_tui.devices.scale import WeightReading
    from warehouse_tui.devices.station import ScaleEvent, StationScale


class ScaleReadout(Static):
    """What the scale reads now; `steady` while it reads a stable weight."""

    DEFAULT_CSS = """
    ScaleReadout {
        height: auto;
        text-style: bold;
    }
    ScaleReadout.steady {
        color: $success;
    }
    """

    @dataclass
    class Changed(Message):
        """The scale read something new: a reading, or None and the problem why not."""

        readout: ScaleReadout
        reading: WeightReading | None
        problem: str
        at: float  # time.monotonic() when it was read

        @property
        def control(self) -> ScaleReadout:
            return self.readout

    scale: var[StationScale | None] = var(None, init=False, always_update=True)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(_("Scale: —"), id=id, classes=classes, markup=False)
        self._stop = threading.Event()

    def watch_scale(self, scale: StationScale | None) -> None:
        self._stop.set()  # the scale followed until now, if any
        self._stop = threading.Event()
        if scale is None:
            self.update(_("No scale at this station"))
            self.remove_class("steady")
            return
        stop = self._stop
        threading.Thread(
            target=scale.follow,
            args=(stop, lambda event: self._report(event, stop)),
            name="scale",
            daemon=True,
        ).start()

    def on_unmount(self) -> None:
        self._stop.set()

    def _report(self, event: ScaleEvent, stop: threading.Event) -> None:
        """From the scale's thread: post_message is thread-safe and does not wait (a call into
        the app's thread would block this one for good once the app has stopped)."""
        from warehouse_tui.devices.scale import WeightReading

        if stop.is_set():
            return
        if isinstance(event, WeightReading):
            self.post_message(self.Changed(self, event, "", time.monotonic()))
        else:
            self.post_message(self.Changed(self, None, event.reason, time.monotonic()))

    @on(Changed)
    def _show(self, message: Changed) -> None:
        reading = message.reading
        if reading is None:
            text = _("Scale: {problem}").format(problem=message.problem)
        elif reading.status == "stable":
            text = _("Scale: {grams:.0f} g steady").format(grams=reading.grams)
        elif reading.status == "motion":
            text = _("Scale: {grams:.0f} g in motion…").format(grams=reading.grams)
        else:
            from warehouse_tui.devices.scale import problem_with

            text = _("Scale: {problem}").format(problem=problem_with(reading).reason)
        self.update(text)
        self.set_class(reading is not None and reading.status == "stable", "steady")
