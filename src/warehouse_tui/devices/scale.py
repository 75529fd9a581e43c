"""Scales: frames of three wire protocols → `WeightReading`, and drivers that take a stable one.

Protocols, as their manuals give them:

- ``mt-sics`` (Mettler Toledo Standard Interface Command Set), 8N1. The host sends ``S`` (stable
  weight) or ``SI`` (weight now) + CR LF. Replies end in CR LF: ``S S     100.00 g`` (stable),
  ``S D     100.02 g`` (dynamic: in motion), ``S +`` overload, ``S -`` underload, ``S I`` not
  executable (busy, or stability not reached in the balance's own time), and the general errors
  ``ES`` (syntax), ``ET`` (transmission), ``EL`` (logical).
- ``sma`` (Scale Manufacturers Association SCP-0499), 8N1. The host sends ``<LF>W<CR>``; the
  scale answers ``<LF><s><r><n><m><f><xxxxxx.xxx><uuu><CR>``: status ``Z`` centre of zero, ``O``
  over capacity, ``U`` under capacity, ``E``/``I`` zero errors, ``T`` tare error, space for none;
  range digit; ``G``/``N``/``T``/``g``/``n`` gross, net, tare, high-resolution gross/net; ``M``
  motion or space; a reserved character; the weight right-aligned in 10 characters; the unit in
  3. Unknown commands get ``<LF>?<CR>``, line errors ``<LF>!<CR>``.
- ``toledo-continuous`` (the 8142 continuous output), 7E1. The scale streams, unasked:
  ``<STX><A><B><C>wwwwww tttttt<CR>[chk]`` where ``chk`` is the two's complement of the 7-bit
  sum of every byte before it, STX and CR included. Status word A: bits 0-2 the decimal point
  (0 → two dummy zeros ``XXXX00`` … 2 → ``XXXXXX`` … 5 → ``XXX.XXX`` … 7 → ``X.XXXXX``), bits
  3-4 the increment size, bit 5 always 1. B: bit 0 net, bit 1 negative, bit 2 out of range,
  bit 3 motion, bit 4 kg (else lb), bit 5 always 1, bit 6 not zeroed since power-up. C: bits 0-2
  the unit (0 lb/kg as B says, 1 g, 2 metric t, 3 oz), bit 3 print request, bit 4 expanded
  (one more decimal), bit 5 always 1.

The parsers are total: any bytes give a `WeightReading` or raise `ParseError`. A frame that is
a valid answer but carries no weight (``S +``, ``ES``) has ``grams`` = NaN.
"""

from __future__ import annotations

import math
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import ClassVar, Literal

import serial

from warehouse_tui.devices.serialport import (
    EIGHT_N_ONE,
    PORT_FAILURES,
    SEVEN_E_ONE,
    LineSettings,
    escape_bytes,
    open_port,
    read_available,
)
from warehouse_tui.i18n import _

Protocol = Literal["mt-sics", "sma", "toledo-continuous"]
Status = Literal["stable", "motion", "overload", "underload", "negative", "error"]
ProblemKind = Literal[
    "motion",
    "overload",
    "underload",
    "negative",
    "error",
    "no-answer",
    "garbage",
    "disconnected",
    "unavailable",
]

PROTOCOLS: tuple[Protocol, ...] = ("mt-sics", "sma", "toledo-continuous")
DEFAULT_BAUD = 9600
DEFAULT_TIMEOUT = 10.0

# How long a polled scale gets to answer one request before it is asked again.
REPLY_WINDOW = 1.0
# Pause between two requests while the scale is not yet stable.
POLL_INTERVAL = 0.1
# Longest frame any of the protocols sends; more bytes without a frame end are garbage.
MAX_FRAME = 128

GRAMS_PER_UNIT: dict[str, Decimal] = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "mg": Decimal("0.001"),
    "t": Decimal(1_000_000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
    "ozt": Decimal("31.1034768"),
    "ct": Decimal("0.2"),
}

STX = 0x02
CR = 0x0D
LF = 0x0A


class ParseError(ValueError):
    """These bytes are not a frame of the protocol; the message says what is wrong."""


class ScaleError(Exception):
    """No stable reading could be taken; the message is for the operator.

    `kind` names the cause for code that reacts to it (a sound, a colour): one of
    motion, overload, underload, negative, error, no-answer, garbage, disconnected, unavailable.
    """

    def __init__(self, reason: str, kind: ProblemKind) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class WeightReading:
    """One frame from a scale. `stable` is the scale's no-motion flag for an in-range weight."""

    grams: float
    stable: bool
    status: Status
    protocol: Protocol
    raw: bytes


def _grams(value: str, unit: str) -> float:
    factor = GRAMS_PER_UNIT.get(unit)
    if factor is None:
        raise ParseError(_("Unknown weight unit {unit!r}").format(unit=unit))
    return float(Decimal(value) * factor)


def _weighed(grams: float, moving: bool, protocol: Protocol, raw: bytes) -> WeightReading:
    """A reading that carries an in-range weight."""
    if moving:
        return WeightReading(grams, False, "motion", protocol, raw)
    return WeightReading(grams, True, "negative" if grams < 0 else "stable", protocol, raw)


def _without_weight(status: Status, protocol: Protocol, raw: bytes) -> WeightReading:
    return WeightReading(math.nan, False, status, protocol, raw)


def _ascii(frame: bytes) -> str:
    try:
        return frame.decode("ascii")
    except UnicodeDecodeError as error:
        raise ParseError(_("Bytes outside ASCII in the frame")) from error


# --- MT-SICS ---------------------------------------------------------------------------------

MT_SICS_WEIGHT = re.compile(r"S ([SD]) +(-?\d+(?:\.\d+)?) ([A-Za-z]{1,3})")
MT_SICS_STATUS_ONLY: dict[str, Status] = {
    # "S I": busy or stability not reached in time; either way, not ready yet: ask again.
    "S I": "motion",
    "S +": "overload",
    "S -": "underload",
    "ES": "error",
    "ET": "error",
    "EL": "error",
}


def parse_mt_sics(frame: bytes) -> WeightReading:
    """Parse one MT-SICS reply to S or SI, with or without its CR LF."""
    text = _ascii(frame).removesuffix("\r\n")
    if not text.isprintable():
        raise ParseError(_("Control bytes inside an MT-SICS reply"))
    status = MT_SICS_STATUS_ONLY.get(text.rstrip())
    if status is not None:
        return _without_weight(status, "mt-sics", frame)
    match = MT_SICS_WEIGHT.fullmatch(text.rstrip())
    if match is None:
        raise ParseError(_("Not an MT-SICS weight reply"))
    flag, value, unit = match.groups()
    return _weighed(_grams(value, unit), flag == "D", "mt-sics", frame)


# --- SMA SCP-0499 ----------------------------------------------------------------------------

SMA_WEIGHT = re.compile(r" *-? *(?:\d+(?:\.\d*)?|\.\d+)")
SMA_ERROR_STATUSES = "EIT"
SMA_RANGE_STATUS: dict[str, Status] = {"O": "overload", "U": "underload"}
SMA_STATUSES = "ZOU " + SMA_ERROR_STATUSES
SMA_WEIGHT_MODES = "GNTgn"
SMA_REPLY_LENGTH = 19  # without the CR


def parse_sma(frame: bytes) -> WeightReading:
    """Parse one SMA standard reply (``<LF>…<CR>``, the CR may be left off), or ``?`` / ``!``."""
    text = _ascii(frame).removesuffix("\r")
    if not text.startswith("\n"):
        raise ParseError(_("An SMA reply starts with LF"))
    if text in ("\n?", "\n!"):
        return _without_weight("error", "sma", frame)
    if len(text) != SMA_REPLY_LENGTH or not text[1:].isprintable():
        raise ParseError(_("An SMA weight reply has 18 characters between LF and CR"))
    status, weight_range, mode, motion = text[1], text[2], text[3], text[4]
    weight, unit = text[6:16], text[16:19].rstrip()
    if status not in SMA_STATUSES or mode not in SMA_WEIGHT_MODES or motion not in "M ":
        raise ParseError(_("Unknown SMA status characters {status!r}").format(status=text[1:6]))
    if not weight_range.isdigit():
        raise ParseError(_("The SMA range is not a digit"))
    if status in SMA_ERROR_STATUSES:
        return _without_weight("error", "sma", frame)
    if SMA_WEIGHT.fullmatch(weight) is None:
        raise ParseError(_("The SMA weight field {weight!r} is not a number").format(weight=weight))
    grams = _grams(weight.replace(" ", ""), unit)
    if status in SMA_RANGE_STATUS:
        return WeightReading(grams, False, SMA_RANGE_STATUS[status], "sma", frame)
    return _weighed(grams, motion == "M", "sma", frame)


# --- Toledo continuous (8142) ----------------------------------------------------------------

TOLEDO_FRAME_LENGTH = 17  # STX, A, B, C, 6 weight digits, 6 tare digits, CR
TOLEDO_UNITS_BY_CODE = {1: "g", 2: "t", 3: "oz"}
ALWAYS_ONE = 0b0010_0000


def toledo_checksum(data: bytes) -> int:
    """The two's complement of the 7-bit sum of `data`: the sum with it is 0 modulo 128."""
    return -sum(byte & 0x7F for byte in data) & 0x7F


def _toledo_digits(field: bytes) -> int:
    text = _ascii(field).lstrip(" ")
    if not text.isdigit():
        raise ParseError(_("Toledo weight field {field!r} is not 6 digits").format(field=field))
    return int(text)


def parse_toledo(frame: bytes) -> WeightReading:
    """Parse one Toledo continuous frame: 17 bytes, or 18 with the checksum (then verified)."""
    if len(frame) not in (TOLEDO_FRAME_LENGTH, TOLEDO_FRAME_LENGTH + 1):
        raise ParseError(_("A Toledo frame has 17 bytes, 18 with its checksum"))
    if frame[0] != STX or frame[16] != CR:
        raise ParseError(_("A Toledo frame runs from STX to CR"))
    if len(frame) > TOLEDO_FRAME_LENGTH and toledo_checksum(frame) != 0:
        raise ParseError(_("Toledo checksum mismatch"))
    word_a, word_b, word_c = frame[1:4]
    if not word_a & word_b & word_c & ALWAYS_ONE:
        raise ParseError(_("Toledo status words must have bit 5 set"))
    digits = _toledo_digits(frame[4:10])
    _toledo_digits(frame[10:16])
    unit_code = word_c & 0b111
    if unit_code == 0:
        unit = "kg" if word_b & 0b1_0000 else "lb"
    elif unit_code in TOLEDO_UNITS_BY_CODE:
        unit = TOLEDO_UNITS_BY_CODE[unit_code]
    else:
        raise ParseError(_("Unsupported Toledo unit code {code}").format(code=unit_code))
    exponent = 2 - (word_a & 0b111) - (1 if word_c & 0b1_0000 else 0)
    negative = bool(word_b & 0b10)
    value = Decimal(-digits if negative else digits).scaleb(exponent)
    grams = float(value * GRAMS_PER_UNIT[unit])
    if word_b & 0b100_0000:
        return WeightReading(grams, False, "error", "toledo-continuous", frame)
    if word_b & 0b100:
        status: Status = "underload" if negative else "overload"
        return WeightReading(grams, False, status, "toledo-continuous", frame)
    return _weighed(grams, bool(word_b & 0b1000), "toledo-continuous", frame)


# --- what the operator is told ---------------------------------------------------------------


def raw_text(reading: WeightReading) -> str:
    r"""The frame without its terminator (CR LF, CR, or CR + checksum), escaped as \xNN."""
    raw = reading.raw
    if reading.protocol == "mt-sics":
        raw = raw.removesuffix(b"\r\n")
    elif reading.protocol == "sma":
        raw = raw.removesuffix(b"\r")
    else:
        raw = raw[: TOLEDO_FRAME_LENGTH - 1]
    return escape_bytes(raw)


def problem_with(reading: WeightReading) -> ScaleError:
    """Why `reading` cannot be taken as the parcel's weight."""
    if reading.status == "motion":
        return ScaleError(_("The scale is still in motion: let the load settle"), "motion")
    if reading.status == "overload":
        return ScaleError(_("The scale is overloaded: take weight off"), "overload")
    if reading.status == "underload":
        return ScaleError(_("The scale reads under zero (underload): zero the scale"), "underload")
    if reading.status == "negative":
        return ScaleError(_("The scale shows a negative weight: zero the scale"), "negative")
    return ScaleError(_("The scale reports an error: {raw}").format(raw=raw_text(reading)), "error")


def _no_answer(port: str) -> ScaleError:
    return ScaleError(_("No answer from the scale on {port}").format(port=port), "no-answer")


def _garbage(detail: str) -> ScaleError:
    return ScaleError(
        _("Unreadable answer from the scale: {detail}").format(detail=detail), "garbage"
    )


# --- drivers ---------------------------------------------------------------------------------


class ScaleDriver(ABC):
    """An open scale port; `read_stable` takes one stable, in-range, non-negative reading."""

    protocol: ClassVar[Protocol]
    line: ClassVar[LineSettings]
    # Polled scales wait a little before asking again; a streaming scale reads on at once.
    pause_between_tries: ClassVar[float] = 0.0

    def __init__(self, port: str, *, baud: int = DEFAULT_BAUD) -> None:
        self.port_name = port
        try:
            self._port = open_port(port, baud, self.line)
        except serial.SerialException as error:
            raise ScaleError(
                _("Cannot open the scale port {port}: {reason}").format(port=port, reason=error),
                "unavailable",
            ) from error
        self._buffer = bytearray()

    def close(self) -> None:
        self._port.close()

    def __enter__(self) -> ScaleDriver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def read_stable(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        on_reading: Callable[[WeightReading], None] | None = None,
    ) -> WeightReading:
        """Wait up to `timeout` seconds for a stable reading; raise ScaleError saying why not.

        Frames from before the call are thrown away: they may predate the parcel. Every reading
        on the way, stable or not, is passed to `on_reading`, so a screen can show the scale
        live ("in motion: 1 250 g") while it waits.
        """
        deadline = time.monotonic() + timeout
        problem = _no_answer(self.port_name)
        try:
            self._port.reset_input_buffer()
            self._buffer.clear()
            while time.monotonic() < deadline:
                try:
                    reading = self._next_reading(deadline)
                except ParseError as error:
                    problem = _garbage(str(error))
                    self._pause_before_asking_again(deadline)
                    continue
                if reading is None:
                    # A partial frame says more than silence, less than a frame read before.
                    if self._buffer and problem.kind == "no-answer":
                        problem = _garbage(escape_bytes(self._buffer))
                    continue
                if on_reading is not None:
                    on_reading(reading)
                if reading.status == "stable":
                    return reading
                problem = problem_with(reading)
                self._pause_before_asking_again(deadline)
        except PORT_FAILURES as error:
            raise ScaleError(
                _("The scale on {port} is disconnected ({reason})").format(
                    port=self.port_name, reason=error
                ),
                "disconnected",
            ) from error
        raise problem

    @abstractmethod
    def _next_reading(self, deadline: float) -> WeightReading | None:
        """The next frame's reading; None if none came in time; ParseError for garbage."""

    def _pause_before_asking_again(self, deadline: float) -> None:
        time.sleep(max(0.0, min(self.pause_between_tries, deadline - time.monotonic())))

    def _fill_buffer(self) -> None:
        self._buffer += read_available(self._port)
        if len(self._buffer) > MAX_FRAME:
            junk = escape_bytes(self._buffer[:32])
            self._buffer.clear()
            raise ParseError(_("No frame in the bytes {junk}…").format(junk=junk))


class _PolledScale(ScaleDriver):
    """A scale that answers each request with one frame ending in `terminator`."""

    terminator: ClassVar[bytes]
    pause_between_tries = POLL_INTERVAL

    def __init__(
        self, port: str, *, baud: int, request: bytes, reply_window: float = REPLY_WINDOW
    ) -> None:
        super().__init__(port, baud=baud)
        self.request = request
        self.reply_window = reply_window

    def _next_reading(self, deadline: float) -> WeightReading | None:
        self._port.reset_input_buffer()
        self._buffer.clear()
        self._port.write(self.request)
        reply_by = min(deadline, time.monotonic() + self.reply_window)
        while (end := self._buffer.find(self.terminator)) < 0:
            if time.monotonic() >= reply_by:
                return None
            self._fill_buffer()
        end += len(self.terminator)
        frame = bytes(self._buffer[:end])
        del self._buffer[:end]
        return self.parse(frame)

    @abstractmethod
    def parse(self, frame: bytes) -> WeightReading:
        """The reading in one reply frame, or ParseError."""


class MtSicsScale(_PolledScale):
    """MT-SICS over 8N1, asking with ``SI`` (the default) or ``S``.

    ``SI`` answers at once, so motion is seen and reported as such; ``S`` makes the balance
    itself wait for stability (it answers ``S I`` if it gives up), so the driver waits for the
    reply until the deadline and a balance that never settles reads as no answer.
    """

    protocol = "mt-sics"
    line = EIGHT_N_ONE
    terminator = b"\r\n"

    def __init__(self, port: str, *, baud: int = DEFAULT_BAUD, command: str = "SI") -> None:
        if command not in ("S", "SI"):
            raise ValueError(f"MT-SICS weight command must be S or SI, not {command!r}")
        super().__init__(
            port,
            baud=baud,
            request=command.encode("ascii") + b"\r\n",
            reply_window=REPLY_WINDOW if command == "SI" else math.inf,
        )

    def parse(self, frame: bytes) -> WeightReading:
        return parse_mt_sics(frame)


class SmaScale(_PolledScale):
    """SMA SCP-0499 over 8N1: ``<LF>W<CR>`` asks for the displayed weight."""

    protocol = "sma"
    line = EIGHT_N_ONE
    terminator = b"\r"

    def __init__(self, port: str, *, baud: int = DEFAULT_BAUD) -> None:
        super().__init__(port, baud=baud, request=b"\nW\r")

    def parse(self, frame: bytes) -> WeightReading:
        # LF starts every SMA reply: bytes before the last one are line noise, not this reply.
        start = frame.rfind(b"\n")
        return parse_sma(frame[start:] if start > 0 else frame)


class ToledoContinuousScale(ScaleDriver):
    """Toledo continuous output over 7E1: listens, syncs on STX, checks CR and the checksum.

    A frame whose CR is not where it belongs, or whose checksum is wrong, is torn: its STX is
    dropped and the search goes on from the next byte. Set `checksum=False` for an indicator
    configured to send no checksum byte.
    """

    protocol = "toledo-continuous"
    line = SEVEN_E_ONE

    def __init__(self, port: str, *, baud: int = DEFAULT_BAUD, checksum: bool = True) -> None:
        super().__init__(port, baud=baud)
        self.frame_length = TOLEDO_FRAME_LENGTH + (1 if checksum else 0)

    def _next_reading(self, deadline: float) -> WeightReading | None:
        while (frame := self._take_frame()) is None:
            if time.monotonic() >= deadline:
                return None
            self._fill_buffer()
        return parse_toledo(frame)

    def _take_frame(self) -> bytes | None:
        start = self._buffer.find(STX)
        if start < 0:
            self._buffer.clear()
            return None
        del self._buffer[:start]
        if len(self._buffer) < self.frame_length:
            return None
        frame = bytes(self._buffer[: self.frame_length])
        torn = frame[TOLEDO_FRAME_LENGTH - 1] != CR or (
            self.frame_length > TOLEDO_FRAME_LENGTH and toledo_checksum(frame) != 0
        )
        if torn:
            del self._buffer[:1]
            raise ParseError(_("Torn Toledo frame {frame}").format(frame=escape_bytes(frame)))
        del self._buffer[: self.frame_length]
        return frame


DRIVERS: dict[str, type[ScaleDriver]] = {
    "mt-sics": MtSicsScale,
    "sma": SmaScale,
    "toledo-continuous": ToledoContinuousScale,
}


def open_scale(port: str, protocol: str, *, baud: int = DEFAULT_BAUD) -> ScaleDriver:
    """Open the driver for `protocol` (mt-sics, sma or toledo-continuous) on `port`."""
    driver = DRIVERS.get(protocol)
    if driver is None:
        raise ScaleError(
            _("Unknown scale protocol {protocol!r}: use mt-sics, sma or toledo-continuous").format(
                protocol=protocol
            ),
            "unavailable",
        )
    return driver(port, baud=baud)


def scale_read_json(
    port: str, protocol: str, baud: int = DEFAULT_BAUD, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, object]:
    """One stable reading as `warehouse-tui scale read --json` prints it; ScaleError if none."""
    with open_scale(port, protocol, baud=baud) as scale:
        reading = scale.read_stable(timeout)
    return {
        "grams": reading.grams,
        "stable": True,
        "protocol": reading.protocol,
        "raw": raw_text(reading),
    }
