"""Simulated scales: the encoders of the three protocols and a scale behind a pseudo-terminal.

A simulated scale answers on the master side of a pty pair, in a background thread, exactly as
the manuals in `scale` describe; `port` is the slave's device path, which the real driver opens
with pyserial. The demo and the tests weigh through it, so they run the real driver code.

    with SimulatedScale.for_protocol("sma", grams=1250, settle_time=0.3) as sim:
        reading = SmaScale(sim.port).read_stable(timeout=2)
"""

from __future__ import annotations

import os
import random
import select
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from types import TracebackType
from typing import ClassVar

from warehouse_tui.devices.scale import (
    STX,
    Protocol,
    Status,
    toledo_checksum,
)
from warehouse_tui.devices.serialport import open_raw_pty

# How long the simulated MT-SICS balance waits for stability on `S` before answering `S I`.
MT_SICS_STABILITY_WAIT = 3.0
# How often the simulated Toledo indicator streams a frame.
TOLEDO_INTERVAL = 0.05
# How long the simulator's loop waits for a request before it looks at its clock again.
TICK = 0.01


@dataclass(frozen=True)
class ScaleState:
    """What a scale would show: a weight, and whether it moves or is out of range."""

    grams: float
    motion: bool = False
    overload: bool = False
    underload: bool = False

    @property
    def status(self) -> Status:
        """The status a driver should read from a frame encoding this state."""
        if self.overload:
            return "overload"
        if self.underload:
            return "underload"
        if self.motion:
            return "motion"
        return "negative" if self.grams < 0 else "stable"


def _fit(text: str, width: int) -> str:
    if len(text) > width:
        raise ValueError(f"{text!r} does not fit a {width}-character weight field")
    return text.rjust(width)


def encode_mt_sics(state: ScaleState) -> bytes:
    """An MT-SICS reply to S/SI, in grams with two decimals: ``S S     100.00 g`` + CR LF."""
    if state.overload:
        return b"S +\r\n"
    if state.underload:
        return b"S -\r\n"
    flag = "D" if state.motion else "S"
    return f"S {flag} {_fit(f'{state.grams:.2f}', 10)} g\r\n".encode("ascii")


def encode_sma(state: ScaleState) -> bytes:
    """An SMA SCP-0499 standard reply in kg with three decimals, gross, range 1."""
    kilograms = f"{state.grams / 1000:.3f}"
    if state.overload:
        status = "O"
    elif state.underload:
        status = "U"
    else:
        status = "Z" if float(kilograms) == 0 else " "
    motion = "M" if state.motion else " "
    return f"\n{status}1G{motion} {_fit(kilograms, 10)}kg \r".encode("ascii")


def encode_toledo(state: ScaleState, *, checksum: bool = True) -> bytes:
    """A Toledo continuous frame: kg as ``XXX.XXX`` (whole grams), count by 1, gross, no tare."""
    grams = round(abs(state.grams))
    if grams > 999_999:
        raise ValueError(f"{state.grams} g does not fit six Toledo digits")
    word_a = 0b0010_0000 | 0b01_000 | 5  # always-one bit, increment 1, decimal point XXX.XXX
    status = state.status
    word_b = (
        0b0011_0000  # always-one bit, kg
        | (0b10 if state.grams < 0 or status == "underload" else 0)
        | (0b100 if status in ("overload", "underload") else 0)
        | (0b1000 if state.motion else 0)
    )
    word_c = 0b0010_0000
    frame = bytes([STX, word_a, word_b, word_c]) + f"{grams:06d}000000\r".encode("ascii")
    return frame + bytes([toledo_checksum(frame)]) if checksum else frame


def simulated_load(true_g: int, parcel_id: int, *, error_g: int, wrong_one_in: int) -> int:
    """What the demo's packer puts on a simulated scale for a parcel that truly weighs
    `true_g`: that weight give or take up to `error_g` (tape, paper, the scale's own error), and
    one parcel in `wrong_one_in` (0: none) a quarter heavier plus 100 g, as with an item too
    many, so the weight check is seen refusing. Drawn from the parcel's id: the same parcel
    weighs the same each time it is put on."""
    draw = random.Random(parcel_id)
    if wrong_one_in and draw.randrange(wrong_one_in) == 0:
        return true_g + true_g // 4 + 100
    return max(1, true_g + draw.randint(-error_g, error_g))


class SimulatedScale:
    """A scale on a pty: settable weight, settle time, overload, garbage, unplug.

    After `set_weight` the scale reports motion for `settle_time` seconds, then the weight as
    stable. Subclasses speak one protocol: they react to requests in `_on_request_bytes` and may
    stream in `_on_tick`.
    """

    protocol: ClassVar[Protocol]

    def __init__(self, grams: float = 0.0, *, settle_time: float = 0.0) -> None:
        self.settle_time = settle_time
        self._lock = threading.Lock()
        self._state = ScaleState(grams)
        self._settles_at = 0.0
        self._garbage: deque[bytes] = deque()
        self._requests = bytearray()
        self._master, self._slave, self.port = open_raw_pty()
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(
            target=self._serve, name=f"simulated {self.protocol} scale", daemon=True
        )
        self._thread.start()

    @staticmethod
    def for_protocol(
        protocol: str, grams: float = 0.0, *, settle_time: float = 0.0
    ) -> SimulatedScale:
        """The simulated scale that speaks `protocol` (mt-sics, sma or toledo-continuous)."""
        return SIMULATORS[protocol](grams, settle_time=settle_time)

    # --- what the test or the demo does to the scale ---

    def set_weight(self, grams: float) -> None:
        """Put `grams` on the scale: it moves for `settle_time`, then stands still."""
        with self._lock:
            self._state = replace(self._state, grams=grams)
            self._settles_at = time.monotonic() + self.settle_time

    def set_overload(self, overloaded: bool) -> None:
        with self._lock:
            self._state = replace(self._state, overload=overloaded)

    def set_underload(self, underloaded: bool) -> None:
        with self._lock:
            self._state = replace(self._state, underload=underloaded)

    def send_garbage(self, data: bytes, times: int = 1) -> None:
        """The next `times` frames the scale sends are replaced by `data`."""
        with self._lock:
            self._garbage.extend([data] * times)

    def state(self) -> ScaleState:
        with self._lock:
            return replace(self._state, motion=time.monotonic() < self._settles_at)

    @property
    def plugged(self) -> bool:
        return not self._closed

    def unplug(self) -> None:
        """Pull the cable: the scale stops and its pty closes, so the driver's reads fail."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._thread.join()
        os.close(self._master)
        os.close(self._slave)

    close = unplug

    def __enter__(self) -> SimulatedScale:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- the wire ---

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([self._master], [], [], TICK)
                if readable:
                    self._requests += os.read(self._master, 1024)
                    self._on_request_bytes()
                self._on_tick()
        except OSError:
            self._stop.set()

    def _send(self, frame: bytes) -> None:
        with self._lock:
            data = self._garbage.popleft() if self._garbage else frame
        os.write(self._master, data)

    def _on_request_bytes(self) -> None:
        """Answer the complete requests in `_requests`; a streaming scale ignores them."""
        self._requests.clear()

    def _on_tick(self) -> None:
        """Called every TICK seconds at most, to stream or to answer a deferred request."""

    def _take_request(self, start: bytes, end: bytes) -> bytes | None:
        """Remove and return the next request framed by `start`…`end`, without the framing."""
        stop = self._requests.find(end)
        if stop < 0:
            return None
        request = bytes(self._requests[:stop])
        del self._requests[: stop + len(end)]
        return request[request.rfind(start) + len(start) :] if start else request


class SimulatedMtSicsScale(SimulatedScale):
    """Answers ``SI`` at once, ``S`` once stable (or ``S I`` after MT_SICS_STABILITY_WAIT)."""

    protocol = "mt-sics"

    def __init__(self, grams: float = 0.0, *, settle_time: float = 0.0) -> None:
        self._waiting_since: float | None = None
        super().__init__(grams, settle_time=settle_time)

    def _on_request_bytes(self) -> None:
        while (command := self._take_request(b"", b"\r\n")) is not None:
            if command == b"SI":
                self._send(encode_mt_sics(self.state()))
            elif command == b"S":
                self._waiting_since = time.monotonic()
                self._on_tick()
            else:
                self._send(b"ES\r\n")

    def _on_tick(self) -> None:
        if self._waiting_since is None:
            return
        state = self.state()
        if not state.motion:
            self._waiting_since = None
            self._send(encode_mt_sics(state))
        elif time.monotonic() - self._waiting_since > MT_SICS_STABILITY_WAIT:
            self._waiting_since = None
            self._send(b"S I\r\n")


class SimulatedSmaScale(SimulatedScale):
    """Answers ``<LF>W<CR>`` with the standard reply and anything else with ``<LF>?<CR>``."""

    protocol = "sma"

    def _on_request_bytes(self) -> None:
        while (command := self._take_request(b"\n", b"\r")) is not None:
            self._send(encode_sma(self.state()) if command == b"W" else b"\n?\r")


class SimulatedToledoScale(SimulatedScale):
    """Streams a frame with checksum every TOLEDO_INTERVAL seconds, asked or not."""

    protocol = "toledo-continuous"

    def __init__(self, grams: float = 0.0, *, settle_time: float = 0.0) -> None:
        self._next_frame_at = 0.0
        super().__init__(grams, settle_time=settle_time)

    def _on_tick(self) -> None:
        now = time.monotonic()
        if now >= self._next_frame_at:
            self._next_frame_at = now + TOLEDO_INTERVAL
            self._send(encode_toledo(self.state()))


SIMULATORS: dict[str, type[SimulatedScale]] = {
    "mt-sics": SimulatedMtSicsScale,
    "sma": SimulatedSmaScale,
    "toledo-continuous": SimulatedToledoScale,
}
