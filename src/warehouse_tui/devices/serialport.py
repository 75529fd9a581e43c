"""What the serial devices share: line settings, opening a port by path or URL, escaping bytes.

A port is one string, as a station's configuration holds it: a device path (/dev/ttyUSB0,
/dev/ttyACM0, a symlink such as /dev/serial/by-id/…) or any pyserial URL (socket://host:port,
rfc2217://…, loop://). Drivers read with a short port timeout and keep their own deadline, so a
read never blocks for longer than they planned.
"""

from __future__ import annotations

import os
import termios
import tty
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

import serial

# Where Linux puts the slave ends of pseudo-terminals.
PSEUDO_TERMINALS = "/dev/pts/"
# How long one read call may block; the drivers' deadlines are counted on top of it.
READ_SLICE = 0.02


# What a port raises when its device is gone: pyserial's own error, or the OS's from a read, a
# write, an ioctl or a termios call it makes underneath.
PORT_FAILURES = (serial.SerialException, OSError, termios.error)


@dataclass(frozen=True)
class LineSettings:
    """Serial framing: `bytesize` data bits, `parity` (a pyserial PARITY_* letter), `stopbits`."""

    bytesize: int
    parity: str
    stopbits: float


EIGHT_N_ONE = LineSettings(serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE)
SEVEN_E_ONE = LineSettings(serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE)


class SerialPort(Protocol):
    """What the drivers use of an open port: every class `serial_for_url` returns (the
    platform's Serial and the socket://, rfc2217:// and loop:// handlers) has all of it."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = ..., /) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> None: ...


def open_port(
    port: str, baudrate: int, line: LineSettings, timeout: float = READ_SLICE
) -> SerialPort:
    """Open `port` (a device path or pyserial URL); raise serial.SerialException if it fails.

    A pseudo-terminal (a simulated device) has no character framing: Linux keeps it at 8 data
    bits without parity whatever is asked, and glibc reports the ignored setting as EINVAL. The
    bytes that cross it are the same either way, so a pty that refuses `line` is opened 8N1.
    """
    try:
        return _open(port, baudrate, line, timeout)
    except termios.error as error:
        if line != EIGHT_N_ONE and os.path.realpath(port).startswith(PSEUDO_TERMINALS):
            return _open(port, baudrate, EIGHT_N_ONE, timeout)
        raise serial.SerialException(str(error)) from error


def _open(port: str, baudrate: int, line: LineSettings, timeout: float) -> SerialPort:
    try:
        return serial.serial_for_url(
            port,
            baudrate=baudrate,
            bytesize=line.bytesize,
            parity=line.parity,
            stopbits=line.stopbits,
            timeout=timeout,
            write_timeout=1.0,
        )
    except ValueError as error:
        # A malformed URL or setting: one kind of failure for the callers to handle.
        raise serial.SerialException(str(error)) from error


def read_available(port: SerialPort) -> bytes:
    """Read what has arrived (waiting at most the port's timeout for the first byte).

    Raises one of PORT_FAILURES when the device is gone.
    """
    return port.read(max(port.in_waiting, 1))


def escape_bytes(data: bytes | bytearray) -> str:
    r"""Printable ASCII as is; every other byte, and the backslash, as lowercase \xNN."""
    return "".join(
        chr(byte) if 0x20 <= byte < 0x7F and byte != 0x5C else f"\\x{byte:02x}" for byte in data
    )


def open_raw_pty() -> tuple[int, int, str]:
    """A pseudo-terminal pair in raw mode (no echo, no line editing, no CR/LF mapping).

    Returns (master fd, slave fd, slave path). A simulated device writes and reads on the
    master; the driver opens the slave path like any serial port. The simulator keeps the slave
    fd open too, so the line stays up while no driver has it open.
    """
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)
