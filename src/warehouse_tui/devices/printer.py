"""Label bytes to a printer: a file or device path, a raw TCP 9100 socket, or CUPS `lp -o raw`.

A destination is one string, as a station's configuration holds it:

- ``file:PATH``, ``file://PATH`` or a plain path: the bytes are appended (a device such as
  /dev/usb/lp0 works the same way as a spool file that collects every job);
- ``tcp://HOST[:PORT]``: raw printing, port 9100 unless given;
- ``lp:QUEUE``: ``lp -d QUEUE -o raw`` with the bytes on its standard input.

Files the app writes for printers and people (label spools, label sheets, manifests) are
created by `write_output_file`, readable by their owner and group only: a label or a manifest
carries customers' names and addresses.

`SimulatedLabelPrinter` is the label printer's twin: a TCP 9100 server that keeps the ZPL
formats it receives and answers ~HS like a Zebra printer, for the demo and the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

from warehouse_tui.i18n import _

RAW_PRINT_PORT = 9100
DEFAULT_TIMEOUT = 5.0
OUTPUT_FILE_MODE = 0o640


class PrinterError(Exception):
    """The label could not be handed to the printer; the message is for the operator."""


@dataclass(frozen=True)
class Destination:
    kind: Literal["file", "tcp", "lp"]
    target: str
    port: int = RAW_PRINT_PORT


def parse_destination(dest: str) -> Destination:
    """Read a destination string (see the module docstring); raise PrinterError if malformed."""
    dest = dest.strip()
    if not dest:
        raise PrinterError(_("No printer is configured for this station"))
    if dest.startswith("tcp://"):
        try:
            parts = urlsplit(dest)
            port = parts.port or RAW_PRINT_PORT
        except ValueError as error:
            raise PrinterError(
                _("Printer address {dest!r} is not valid: {reason}").format(dest=dest, reason=error)
            ) from error
        if not parts.hostname:
            raise PrinterError(_("Printer address {dest!r} names no host").format(dest=dest))
        return Destination("tcp", parts.hostname, port)
    if dest.startswith("lp:"):
        queue = dest.removeprefix("lp:")
        if not queue:
            raise PrinterError(_("Printer address {dest!r} names no CUPS queue").format(dest=dest))
        return Destination("lp", queue)
    if dest.startswith("file://"):
        return Destination("file", dest.removeprefix("file://"))
    if dest.startswith("file:"):
        return Destination("file", dest.removeprefix("file:"))
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", dest):
        raise PrinterError(
            _("Printer address {dest!r}: use a file path, tcp://HOST:9100 or lp:QUEUE").format(
                dest=dest
            )
        )
    return Destination("file", dest)


def anchored_destination(dest: str, folder: Path) -> str:
    """`dest` with a relative file path made absolute under `folder` (the app's files folder),
    so labels land in one known place whatever folder the app was started from."""
    destination = parse_destination(dest)
    if destination.kind != "file" or Path(destination.target).is_absolute():
        return dest
    return f"file:{folder / destination.target}"


def send_to_printer(dest: str, data: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Hand `data` (ZPL, PDF…) to the printer named by `dest`; raise PrinterError if it fails."""
    destination = parse_destination(dest)
    if destination.kind == "tcp":
        _send_tcp(destination.target, destination.port, data, timeout)
    elif destination.kind == "lp":
        _send_lp(destination.target, data, timeout)
    else:
        _send_file(Path(destination.target), data)


def write_output_file(path: Path, data: bytes, *, append: bool = False) -> None:
    """Write (or append) `data` to `path`; a file this creates gets OUTPUT_FILE_MODE whatever
    the umask, a file already there keeps its mode. Raises OSError."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        descriptor = os.open(path, flags | os.O_EXCL, OUTPUT_FILE_MODE)
        os.fchmod(descriptor, OUTPUT_FILE_MODE)
    except FileExistsError:
        descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def _send_file(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_output_file(path, data, append=True)
    except OSError as error:
        raise PrinterError(
            _("Cannot write the label to {path}: {reason}").format(
                path=path, reason=error.strerror or error
            )
        ) from error


def _unreachable(host: str, port: int, reason: object) -> PrinterError:
    return PrinterError(
        _(
            "Label printer {host}:{port} cannot be reached ({reason}). "
            "Check that it is switched on and connected to the network."
        ).format(host=host, port=port, reason=reason)
    )


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except TimeoutError as error:
        raise _unreachable(host, port, _("no answer")) from error
    except OSError as error:
        raise _unreachable(host, port, error.strerror or error) from error


def _send_tcp(host: str, port: int, data: bytes, timeout: float) -> None:
    with _connect(host, port, timeout) as connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except OSError as error:
            reason = _("no answer") if isinstance(error, TimeoutError) else error.strerror or error
            raise PrinterError(
                _(
                    "Label printer {host}:{port} stopped taking the label ({reason}). "
                    "Check that it is not paused or out of labels, then print again."
                ).format(host=host, port=port, reason=reason)
            ) from error


def _send_lp(queue: str, data: bytes, timeout: float) -> None:
    lp = shutil.which("lp")
    if lp is None:
        raise PrinterError(
            _("The lp command is missing: install the CUPS client or choose another printer")
        )
    try:
        result = subprocess.run(
            [lp, "-d", queue, "-o", "raw"],
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise PrinterError(
            _("CUPS did not take the label for queue {queue} in time").format(queue=queue)
        ) from error
    except OSError as error:
        raise PrinterError(
            _("lp could not be started: {reason}").format(reason=error.strerror or error)
        ) from error
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip() or f"exit {result.returncode}"
        raise PrinterError(
            _("CUPS refused the label for queue {queue}: {reason}").format(
                queue=queue, reason=reason
            )
        )


# --- ~HS host status ----------------------------------------------------------------------------

STX, ETX = b"\x02", b"\x03"
HOST_STATUS_QUERY = b"~HS"


@dataclass(frozen=True)
class PrinterStatus:
    """The flags of a Zebra ~HS host status reply that stop a label from printing."""

    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    formats_in_buffer: int = 0
    label_length_dots: int = 0

    def problems(self) -> list[str]:
        """Operator messages, one per fault; empty when the printer can print."""
        faults = [
            (self.paper_out, _("The label printer is out of labels")),
            (self.paused, _("The label printer is paused")),
            (self.head_open, _("The label printer's head is open")),
            (self.ribbon_out, _("The label printer is out of ribbon")),
        ]
        return [message for fault, message in faults if fault]


def host_status_reply(status: PrinterStatus) -> bytes:
    """The three ~HS strings a Zebra printer sends (ZPL II guide, ~HS), for `status`.

    String 1: interface settings (030: 9600 baud, 8 data bits, 1 stop bit), paper out, pause,
    label length, formats in buffer, buffer full, diagnostic mode, partial format, 000, corrupt
    RAM, under and over temperature. String 2: function settings, unused, head up, ribbon out,
    thermal transfer, print mode, print width mode, label waiting, labels remaining, 1, graphics
    stored. String 3: password, static RAM installed.
    """
    flag = {True: "1", False: "0"}
    strings = [
        f"030,{flag[status.paper_out]},{flag[status.paused]},{status.label_length_dots:04d},"
        f"{status.formats_in_buffer:03d},0,0,0,000,0,0,0",
        f"001,0,{flag[status.head_open]},{flag[status.ribbon_out]},0,2,4,0,00000000,1,000",
        "1234,0",
    ]
    return b"".join(STX + text.encode("ascii") + ETX + b"\r\n" for text in strings)


_HS_STRING = re.compile(rb"\x02([^\x02\x03]*)\x03")


def parse_host_status(reply: bytes) -> PrinterStatus:
    """Read a ~HS reply; raise PrinterError when it is not three well-formed strings."""
    strings = [match.decode("ascii", "replace").split(",") for match in _HS_STRING.findall(reply)]
    if len(strings) < 3 or len(strings[0]) != 12 or len(strings[1]) != 11:
        raise PrinterError(_("The label printer sent a status that cannot be read"))
    first, second = strings[0], strings[1]
    numbers = (first[1], first[2], first[3], first[4], second[2], second[3])
    if not all(value.isdigit() for value in numbers):
        raise PrinterError(_("The label printer sent a status that cannot be read"))
    return PrinterStatus(
        paper_out=first[1] == "1",
        paused=first[2] == "1",
        head_open=second[2] == "1",
        ribbon_out=second[3] == "1",
        formats_in_buffer=int(first[4]),
        label_length_dots=int(first[3]),
    )


def query_printer_status(dest: str, *, timeout: float = DEFAULT_TIMEOUT) -> PrinterStatus:
    """Ask a network printer (tcp://…) for its ~HS status."""
    destination = parse_destination(dest)
    if destination.kind != "tcp":
        raise PrinterError(_("Only a network printer (tcp://) can report its status"))
    host, port = destination.target, destination.port
    reply = b""
    with _connect(host, port, timeout) as connection:
        try:
            connection.sendall(HOST_STATUS_QUERY)
            while reply.count(ETX) < 3:
                chunk = connection.recv(1024)
                if not chunk:
                    break
                reply += chunk
        except OSError as error:
            reason = _("no answer") if isinstance(error, TimeoutError) else error.strerror or error
            raise _unreachable(host, port, reason) from error
    return parse_host_status(reply)


# --- the simulated label printer ------------------------------------------------------------

_FORMAT = re.compile(r"\^XA.*?\^XZ", re.S)
_LABEL_LENGTH = re.compile(r"\^LL(\d+)")


def _partial_query_length(data: bytes) -> int:
    """How many bytes at the end of `data` may be the start of a ~HS split across reads."""
    return next((size for size in (2, 1) if data.endswith(HOST_STATUS_QUERY[:size])), 0)


class SimulatedLabelPrinter:
    """A label printer's twin on 127.0.0.1: raw TCP 9100 in, ZPL formats kept in `labels`.

    It reads each connection to its end, answering every ~HS on the way, and keeps each
    ^XA … ^XZ format as text. Set `status` to simulate a fault (paper out, head open…).
    Use as a context manager, or call start() and stop().
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.status = PrinterStatus()
        self.received = bytearray()
        self._labels: list[str] = []
        self._changed = threading.Condition()
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="label-printer-twin", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.getsockname()[:2]
        return host, port

    @property
    def destination(self) -> str:
        """The destination string that prints to this twin."""
        host, port = self.address
        return f"tcp://{host}:{port}"

    @property
    def labels(self) -> list[str]:
        with self._changed:
            return list(self._labels)

    def wait_for_labels(self, count: int, timeout: float = 5.0) -> list[str]:
        """The labels received, once there are at least `count` (or when `timeout` passes)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._labels) >= count, timeout)
            return list(self._labels)

    def start(self) -> SimulatedLabelPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        self._server.close()

    def __enter__(self) -> SimulatedLabelPrinter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _peer = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                self._receive(connection)

    def _receive(self, connection: socket.socket) -> None:
        connection.settimeout(0.2)
        pending = b""
        while not self._stopping.is_set():
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            pending += chunk
            while HOST_STATUS_QUERY in pending:
                before, _query, pending = pending.partition(HOST_STATUS_QUERY)
                self._keep(before)
                connection.sendall(host_status_reply(self.status))
            held = _partial_query_length(pending)
            self._keep(pending[: len(pending) - held])
            pending = pending[len(pending) - held :]
        self._keep(pending)

    def _keep(self, data: bytes) -> None:
        if not data:
            return
        with self._changed:
            self.received += data
            text = self.received.decode("utf-8", "replace")
            formats = _FORMAT.findall(text)
            self._labels = formats
            lengths = _LABEL_LENGTH.findall(text)
            if lengths:
                self.status = replace(self.status, label_length_dots=int(lengths[-1]))
            self._changed.notify_all()
