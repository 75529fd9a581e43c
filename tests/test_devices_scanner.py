"""Serial scanners: framing and validation, then the reader thread through real pty pairs."""

from __future__ import annotations

import queue
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.devices.scanner import (
    SUFFIX_BYTES,
    ScanFramer,
    Scanned,
    ScannerConnected,
    ScannerDisconnected,
    ScannerEvent,
    ScannerProblem,
    ScanRejected,
    SerialScanner,
    SimulatedSerialScanner,
    Suffix,
    TornFrame,
    decode_scan,
)

GS1_WITH_FNC1 = "010950600013435210ABC123\x1d17250101"
WAIT = 2.0

# --- framing and validation, with the clock passed in ----------------------------------------


@pytest.mark.parametrize("suffix", ["CR", "LF", "CRLF"])
def test_frames_end_at_the_suffix_however_the_bytes_are_chunked(suffix: Suffix) -> None:
    end = SUFFIX_BYTES[suffix]
    framer = ScanFramer(suffix, idle_timeout=0.05)
    assert framer.feed(b"4006381" + b"333931" + end + b"TOTE-", now=0.0) == [b"4006381333931"]
    assert framer.feed(b"0042" + end, now=0.01) == [b"TOTE-0042"]
    assert framer.feed(b"", now=1.0) == []


def test_a_crlf_suffix_cut_between_cr_and_lf_still_ends_the_frame() -> None:
    framer = ScanFramer("CRLF", idle_timeout=0.05)
    assert framer.feed(b"ORD-10023\r", now=0.0) == []
    assert framer.feed(b"\n", now=0.01) == [b"ORD-10023"]


def test_bytes_that_stop_before_their_suffix_are_a_torn_frame() -> None:
    framer = ScanFramer("CR", idle_timeout=0.05)
    assert framer.feed(b"40063", now=0.0) == []
    assert framer.feed(b"", now=0.04) == []
    assert framer.feed(b"", now=0.06) == [TornFrame(b"40063")]
    assert framer.feed(b"LOC-A03-12-2\r", now=0.07) == [b"LOC-A03-12-2"]


def test_in_idle_mode_a_pause_ends_the_frame() -> None:
    framer = ScanFramer("idle", idle_timeout=0.05)
    assert framer.feed(b"PCL-", now=0.0) == []
    assert framer.feed(b"5531", now=0.03) == []
    assert framer.feed(b"", now=0.07) == []
    assert framer.feed(b"", now=0.08) == [b"PCL-5531"]


def test_an_unknown_suffix_is_refused() -> None:
    with pytest.raises(ValueError, match="suffix"):
        ScanFramer("TAB", idle_timeout=0.05)  # type: ignore[arg-type]


def test_gs_is_kept_and_unicode_text_accepted() -> None:
    assert decode_scan(GS1_WITH_FNC1.encode()) == GS1_WITH_FNC1
    assert decode_scan("LOC-Ä03".encode()) == "LOC-Ä03"


@pytest.mark.parametrize(
    "frame", [b"\x00ABC", b"AB\x1bC", b"ABC\x7f", b"\x02ORD-1", b"\xff\xfe", b"ORD-\xc3", b"A\r\nB"]
)
def test_control_bytes_and_invalid_utf8_are_refused(frame: bytes) -> None:
    with pytest.raises(ScanRejected, match="scan again"):
        decode_scan(frame)


@given(st.binary(max_size=60))
def test_decoding_is_total(frame: bytes) -> None:
    try:
        code = decode_scan(frame)
    except ScanRejected:
        return
    assert code.encode() == frame


PRINTABLE = st.characters(whitelist_categories=["L", "N", "P", "S"])
CODES = st.lists(st.text(PRINTABLE | st.sampled_from(" \x1d"), min_size=1, max_size=30), max_size=5)


@pytest.mark.parametrize("suffix", ["CR", "LF", "CRLF"])
@given(codes=CODES, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_codes_come_back_whole_from_any_chunking(
    suffix: Suffix, codes: list[str], cuts: list[int]
) -> None:
    stream = b"".join(code.encode() + SUFFIX_BYTES[suffix] for code in codes)
    framer = ScanFramer(suffix, idle_timeout=0.05)
    frames: list[bytes | TornFrame] = []
    start = 0
    for cut in [*sorted(cuts), len(stream)]:
        frames += framer.feed(stream[start:cut], now=0.0)
        start = max(start, cut)
    assert [decode_scan(frame) for frame in frames if isinstance(frame, bytes)] == codes


# --- the reader thread through real pty pairs --------------------------------------------------


class Events:
    """The scanner's events, in order, as the reader thread delivered them."""

    def __init__(self) -> None:
        self.queue: queue.Queue[ScannerEvent] = queue.Queue()

    def __call__(self, event: ScannerEvent) -> None:
        self.queue.put(event)

    def next(self) -> ScannerEvent:
        return self.queue.get(timeout=WAIT)

    def none_pending(self) -> bool:
        return self.queue.empty()


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "scanner"


@contextmanager
def connected(
    link: Path, events: Events, suffix: Suffix = "CR"
) -> Iterator[SimulatedSerialScanner]:
    """A simulated scanner at `link`, read by a SerialScanner that has reported it connected."""
    with (
        SimulatedSerialScanner(link, suffix=suffix) as device,
        SerialScanner(str(link), events, suffix=suffix, reopen_interval=0.05),
    ):
        assert events.next() == ScannerConnected(str(link))
        yield device


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.mark.parametrize("suffix", ["CR", "LF", "CRLF", "idle"])
def test_codes_are_delivered_with_each_suffix(link: Path, events: Events, suffix: Suffix) -> None:
    with connected(link, events, suffix) as device:
        device.scan("4006381333931")
        event = events.next()
        assert isinstance(event, Scanned)
        assert (event.code, event.source) == ("4006381333931", str(link))
        device.scan("TOTE-0042")
        assert isinstance(event := events.next(), Scanned)
        assert event.code == "TOTE-0042"


def test_the_gs_of_a_gs1_code_is_kept(link: Path, events: Events) -> None:
    with connected(link, events) as device:
        device.scan(GS1_WITH_FNC1)
        assert isinstance(event := events.next(), Scanned)
        assert event.code == GS1_WITH_FNC1


def test_a_torn_frame_is_refused_and_the_next_scan_read(link: Path, events: Events) -> None:
    with connected(link, events) as device:
        device.send(b"400638")
        problem = events.next()
        assert isinstance(problem, ScannerProblem)
        assert "Torn" in problem.reason
        assert problem.raw == "400638"
        device.scan("ORD-10023")
        assert isinstance(event := events.next(), Scanned)
        assert event.code == "ORD-10023"


def test_garbage_is_refused_with_a_reason(link: Path, events: Events) -> None:
    with connected(link, events) as device:
        device.send(b"\x00\x13AB\r")
        problem = events.next()
        assert isinstance(problem, ScannerProblem)
        assert problem.raw == "\\x00\\x13AB"
        device.send(b"\xff\xfeOP-7\r")
        assert isinstance(events.next(), ScannerProblem)
        device.scan("OP-0007")
        assert isinstance(event := events.next(), Scanned)
        assert event.code == "OP-0007"


def test_unplug_is_reported_and_the_port_reopened_when_the_scanner_returns(
    link: Path, events: Events
) -> None:
    with connected(link, events) as device:
        device.unplug()
        disconnected = events.next()
        assert isinstance(disconnected, ScannerDisconnected)
        assert disconnected.source == str(link)
        device.replug()
        assert events.next() == ScannerConnected(str(link))
        device.scan("BOX-M2")
        assert isinstance(event := events.next(), Scanned)
        assert event.code == "BOX-M2"
        assert events.none_pending()


def test_a_frame_cut_by_the_unplug_is_refused_as_torn(link: Path, events: Events) -> None:
    with (
        SimulatedSerialScanner(link) as device,
        SerialScanner(str(link), events, idle_timeout=5, reopen_interval=0.05),
    ):
        assert isinstance(events.next(), ScannerConnected)
        device.send(b"WALL-1-")
        time.sleep(0.2)  # read by the driver: a hang-up flushes what is still in the pty
        device.unplug()
        assert isinstance(problem := events.next(), ScannerProblem)
        assert problem.raw == "WALL-1-"
        assert isinstance(events.next(), ScannerDisconnected)


def test_a_scanner_absent_at_start_is_picked_up_when_it_arrives(link: Path, events: Events) -> None:
    with SerialScanner(str(link), events, reopen_interval=0.05):
        absent = events.next()
        assert isinstance(absent, ScannerDisconnected)
        assert "Cannot open" in absent.reason
        with SimulatedSerialScanner(link) as device:
            assert events.next() == ScannerConnected(str(link))
            device.scan("LOC-A03-12-2")
            assert isinstance(event := events.next(), Scanned)
            assert event.code == "LOC-A03-12-2"


def test_a_pyserial_url_works_like_a_device_path(events: Events) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"socket://127.0.0.1:{server.getsockname()[1]}"
        with SerialScanner(url, events, reopen_interval=0.05):
            connection, _ = server.accept()
            assert events.next() == ScannerConnected(url)
            connection.sendall(b"PCL-5531\r")
            assert isinstance(event := events.next(), Scanned)
            assert (event.code, event.source) == ("PCL-5531", url)
            connection.close()
            assert isinstance(events.next(), ScannerDisconnected)
