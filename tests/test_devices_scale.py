"""Scale frame parsers (frames from the protocol manuals) and drivers over real pty pairs."""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.devices.scale import (
    MtSicsScale,
    ParseError,
    ScaleError,
    WeightReading,
    open_scale,
    parse_mt_sics,
    parse_sma,
    parse_toledo,
    raw_text,
    scale_read_json,
    toledo_checksum,
)
from warehouse_tui.devices.scale_sim import (
    ScaleState,
    SimulatedScale,
    encode_mt_sics,
    encode_sma,
    encode_toledo,
)
from warehouse_tui.devices.serialport import escape_bytes, open_raw_pty

PARSERS: dict[str, Callable[[bytes], WeightReading]] = {
    "mt-sics": parse_mt_sics,
    "sma": parse_sma,
    "toledo-continuous": parse_toledo,
}
ENCODERS: dict[str, Callable[[ScaleState], bytes]] = {
    "mt-sics": encode_mt_sics,
    "sma": encode_sma,
    "toledo-continuous": encode_toledo,
}
POUND = 453.59237

# --- frames as the manuals print them ---------------------------------------------------------

# Toledo 1.500 kg, by hand: A = 0x2D (bit 5, count by 1, XXX.XXX), B = 0x30 (bit 5, kg, gross,
# positive, in range, still), C = 0x20; the 7-bit sum of STX…CR is 722 ≡ 82 (mod 128), so the
# checksum is 128 - 82 = 46 = ".".
TOLEDO_1500_G = b"\x02-0 001500000000\r."

MANUAL_FRAMES = [
    # MT-SICS reference manual: replies to S and SI.
    (parse_mt_sics, b"S S     100.00 g\r\n", "stable", 100.0),
    (parse_mt_sics, b"S D     100.02 g\r\n", "motion", 100.02),
    (parse_mt_sics, b"S S    -12.30 g\r\n", "negative", -12.3),
    (parse_mt_sics, b"S S      1.234 kg\r\n", "stable", 1234.0),
    (parse_mt_sics, b"S S     100.00 g", "stable", 100.0),
    (parse_mt_sics, b"S +\r\n", "overload", None),
    (parse_mt_sics, b"S -\r\n", "underload", None),
    (parse_mt_sics, b"S I\r\n", "motion", None),
    (parse_mt_sics, b"ES\r\n", "error", None),
    (parse_mt_sics, b"ET\r\n", "error", None),
    (parse_mt_sics, b"EL\r\n", "error", None),
    # SMA SCP-0499: <LF><s><r><n><m><f><xxxxxx.xxx><uuu><CR>, weight in 10 characters.
    (parse_sma, b"\n 1G       5.025lb \r", "stable", 5.025 * POUND),
    (parse_sma, b"\n 1N      100000lb \r", "stable", 100000 * POUND),
    (parse_sma, b"\n 1g      5.0025lb \r", "stable", 5.0025 * POUND),
    (parse_sma, b"\nZ1G       0.000lb \r", "stable", 0.0),
    (parse_sma, b"\n 1GM      7.650kg \r", "motion", 7650.0),
    (parse_sma, b"\n 1G       7.650kg \r", "stable", 7650.0),
    (parse_sma, b"\n 1G      -0.500kg \r", "negative", -500.0),
    (parse_sma, b"\nO1G      60.010kg \r", "overload", 60010.0),
    (parse_sma, b"\nU1G      -1.000kg \r", "underload", -1000.0),
    (parse_sma, b"\nE1G  ----------kg \r", "error", None),
    (parse_sma, b"\nT1N  ----------kg \r", "error", None),
    (parse_sma, b"\n?\r", "error", None),
    (parse_sma, b"\n!\r", "error", None),
    # Toledo continuous: STX, status words A B C, weight, tare, CR, [checksum].
    (parse_toledo, TOLEDO_1500_G, "stable", 1500.0),
    (parse_toledo, TOLEDO_1500_G[:-1], "stable", 1500.0),
    # A = "4": count by 2, XXXX.XX; B = "(": lb, motion → 123.45 lb in motion.
    (parse_toledo, b"\x024( 012345000000\r", "motion", 123.45 * POUND),
    # A = "(": two dummy zeros XXXX00; C = "!": grams → 12300 g.
    (parse_toledo, b"\x02(0!000123000000\r", "stable", 12300.0),
    # B = "2": kg, negative → -1.5 kg; "4": out of range → overload; "6": both → underload.
    (parse_toledo, b"\x02-2 001500000000\r", "negative", -1500.0),
    (parse_toledo, b"\x02-4 999999000000\r", "overload", 999999.0),
    (parse_toledo, b"\x02-6 000100000000\r", "underload", -100.0),
    # B = "p": bit 6, not zeroed since power-up.
    (parse_toledo, b"\x02-p 001500000000\r", "error", 1500.0),
    # C = "0": expanded, one more decimal → 150.0 g.
    (parse_toledo, b"\x02-00001500000000\r", "stable", 150.0),
]


@pytest.mark.parametrize(("parse", "frame", "status", "grams"), MANUAL_FRAMES)
def test_frames_from_the_manuals(
    parse: Callable[[bytes], WeightReading], frame: bytes, status: str, grams: float | None
) -> None:
    reading = parse(frame)
    assert reading.status == status
    assert reading.raw == frame
    assert reading.stable == (status in ("stable", "negative"))
    if grams is None:
        assert math.isnan(reading.grams)
    else:
        assert reading.grams == pytest.approx(grams)


def test_the_hand_made_toledo_checksum_is_what_the_code_computes() -> None:
    assert toledo_checksum(TOLEDO_1500_G[:-1]) == ord(".")
    assert toledo_checksum(TOLEDO_1500_G) == 0


@pytest.mark.parametrize(
    ("parse", "frame"),
    [
        (parse_mt_sics, b""),
        (parse_mt_sics, b"S S     100.00\r\n"),
        (parse_mt_sics, b"S X     100.00 g\r\n"),
        (parse_mt_sics, b"S S     1O0.00 g\r\n"),
        (parse_mt_sics, b"S S     100.00 furlong\r\n"),
        (parse_mt_sics, b"S S  \x00   100.00 g\r\n"),
        (parse_mt_sics, b"S S     \xb5100.00 g\r\n"),
        (parse_sma, b" 1G      5.025lb \r"),
        (parse_sma, b"\n 1G      5.025lb"[:-2] + b"\r"),
        (parse_sma, b"\nX1G       5.025lb \r"),
        (parse_sma, b"\n 1X       5.025lb \r"),
        (parse_sma, b"\n 1G       5,025lb \r"),
        (parse_sma, b"\n 1G       5.025st \r"),
        (parse_sma, b"\n\x001G       5.025lb \r"),
        (parse_toledo, TOLEDO_1500_G[:-1] + b"/"),
        (parse_toledo, TOLEDO_1500_G[:10]),
        (parse_toledo, b"\x03" + TOLEDO_1500_G[1:]),
        (parse_toledo, b"\x02-0 0015000000000"),
        (parse_toledo, b"\x02\x0d0 001500000000\r"),
        (parse_toledo, b"\x02-0 00150x000000\r"),
        (parse_toledo, b"\x02-0'001500000000\r"),
    ],
)
def test_garbage_frames_are_refused_with_a_parse_error(
    parse: Callable[[bytes], WeightReading], frame: bytes
) -> None:
    with pytest.raises(ParseError):
        parse(frame)


@pytest.mark.parametrize("parse", PARSERS.values())
@given(data=st.binary(max_size=40))
def test_parsers_are_total_over_random_bytes(
    parse: Callable[[bytes], WeightReading], data: bytes
) -> None:
    try:
        reading = parse(data)
    except ParseError:
        return
    assert reading.raw == data


def _mutated(protocol: str, state: ScaleState, index: int, byte: int) -> bytes:
    frame = bytearray(ENCODERS[protocol](state))
    frame[index % len(frame)] = byte
    return bytes(frame)


def _as_a_scale_shows_it(state: ScaleState) -> ScaleState:
    """Over capacity is a positive weight, under capacity a negative one."""
    if state.overload:
        return replace(state, grams=abs(state.grams))
    if state.underload:
        return replace(state, grams=-abs(state.grams))
    return state


STATES = st.builds(
    ScaleState,
    grams=st.integers(min_value=-99_999, max_value=999_999).map(float),
    motion=st.booleans(),
    overload=st.booleans(),
    underload=st.booleans(),
).map(_as_a_scale_shows_it)


@pytest.mark.parametrize("protocol", PARSERS)
@given(state=STATES, index=st.integers(min_value=0), byte=st.integers(0, 255))
def test_parsers_are_total_over_frames_with_one_byte_changed(
    protocol: str, state: ScaleState, index: int, byte: int
) -> None:
    frame = _mutated(protocol, state, index, byte)
    with contextlib.suppress(ParseError):
        PARSERS[protocol](frame)


@pytest.mark.parametrize("protocol", PARSERS)
@given(state=STATES)
def test_parsing_what_the_simulator_encodes_gives_its_state_back(
    protocol: str, state: ScaleState
) -> None:
    reading = PARSERS[protocol](ENCODERS[protocol](state))
    assert reading.status == state.status
    assert reading.protocol == protocol
    if not math.isnan(reading.grams):
        assert reading.grams == state.grams


@given(state=STATES)
def test_a_toledo_frame_with_its_checksum_damaged_is_refused(state: ScaleState) -> None:
    frame = bytearray(encode_toledo(state))
    frame[-1] = (frame[-1] + 1) & 0x7F
    with pytest.raises(ParseError):
        parse_toledo(bytes(frame))


def test_raw_text_drops_the_terminator_and_escapes_control_bytes() -> None:
    assert raw_text(parse_mt_sics(b"S S     100.00 g\r\n")) == "S S     100.00 g"
    assert raw_text(parse_sma(b"\n 1G       5.025lb \r")) == "\\x0a 1G       5.025lb "
    assert raw_text(parse_toledo(TOLEDO_1500_G)) == "\\x02-0 001500000000"
    assert escape_bytes(b"\x02A\\\x7f\xff") == "\\x02A\\x5c\\x7f\\xff"


# --- drivers against simulated scales on real pty pairs ---------------------------------------

PROTOCOLS = list(PARSERS)


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sim(protocol: str) -> Iterator[SimulatedScale]:
    with SimulatedScale.for_protocol(protocol, 0.0, settle_time=0.2) as simulated:
        yield simulated


def test_a_stable_weight_is_read_once_the_scale_settles(sim: SimulatedScale, protocol: str) -> None:
    sim.set_weight(1250)
    started = time.monotonic()
    result = scale_read_json(sim.port, protocol, timeout=3)
    assert time.monotonic() - started >= 0.15  # it waited out the motion
    assert result["grams"] == 1250.0
    assert result["stable"] is True
    assert result["protocol"] == protocol
    assert result["raw"] == raw_text(PARSERS[protocol](ENCODERS[protocol](ScaleState(1250))))


def test_a_scale_that_keeps_moving_is_reported_in_motion(
    sim: SimulatedScale, protocol: str
) -> None:
    sim.settle_time = 60
    sim.set_weight(800)
    seen: list[WeightReading] = []
    with open_scale(sim.port, protocol) as scale, pytest.raises(ScaleError) as caught:
        scale.read_stable(timeout=0.25, on_reading=seen.append)
    assert caught.value.kind == "motion"
    assert "motion" in str(caught.value)
    assert seen
    assert {(reading.status, reading.grams) for reading in seen} == {("motion", 800.0)}


@pytest.mark.parametrize(
    ("condition", "kind"),
    [
        (lambda sim: sim.set_overload(True), "overload"),
        (lambda sim: sim.set_underload(True), "underload"),
        (lambda sim: sim.set_weight(-40), "negative"),
    ],
)
def test_out_of_range_and_negative_weights_are_refused_as_what_they_are(
    sim: SimulatedScale,
    protocol: str,
    condition: Callable[[SimulatedScale], None],
    kind: str,
) -> None:
    sim.settle_time = 0
    condition(sim)
    with pytest.raises(ScaleError) as caught:
        scale_read_json(sim.port, protocol, timeout=0.25)
    assert caught.value.kind == kind


def test_garbage_between_frames_is_skipped(sim: SimulatedScale, protocol: str) -> None:
    sim.settle_time = 0
    sim.set_weight(300)
    sim.send_garbage(b"\x00\xff\x02\x13 line noise\r\n\r", times=3)
    assert scale_read_json(sim.port, protocol, timeout=2)["grams"] == 300.0


def test_nothing_but_garbage_is_reported_as_unreadable(sim: SimulatedScale, protocol: str) -> None:
    sim.send_garbage(b"\x02\xfe\xfd noise \r\n", times=10_000)
    with pytest.raises(ScaleError) as caught:
        scale_read_json(sim.port, protocol, timeout=0.25)
    assert caught.value.kind == "garbage"


def test_a_torn_toledo_frame_is_dropped_and_the_next_one_read() -> None:
    with SimulatedScale.for_protocol("toledo-continuous", 700) as sim:
        sim.send_garbage(encode_toledo(ScaleState(999))[:9], times=2)
        assert scale_read_json(sim.port, "toledo-continuous", timeout=2)["grams"] == 700.0


def test_a_scale_that_never_answers_is_reported_after_the_timeout(protocol: str) -> None:
    master, slave, path = open_raw_pty()
    try:
        started = time.monotonic()
        with pytest.raises(ScaleError) as caught:
            scale_read_json(path, protocol, timeout=0.3)
        assert 0.3 <= time.monotonic() - started < 1.5
        assert caught.value.kind == "no-answer"
        assert path in str(caught.value)
    finally:
        os.close(master)
        os.close(slave)


def test_unplugging_the_scale_mid_read_is_reported_at_once(
    sim: SimulatedScale, protocol: str
) -> None:
    sim.settle_time = 60
    sim.set_weight(500)
    with open_scale(sim.port, protocol) as scale:
        threading.Timer(0.2, sim.unplug).start()
        started = time.monotonic()
        with pytest.raises(ScaleError) as caught:
            scale.read_stable(timeout=5)
    assert caught.value.kind == "disconnected"
    assert time.monotonic() - started < 2


def test_a_port_that_cannot_be_opened_is_reported(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(ScaleError) as caught:
        scale_read_json(f"{tmp_path}/no-such-tty", "sma", timeout=0.2)
    assert caught.value.kind == "unavailable"


def test_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(ScaleError, match="mt-sics"):
        scale_read_json("loop://", "carrier-pigeon")


def test_mt_sics_s_command_waits_for_the_balance_to_settle() -> None:
    with SimulatedScale.for_protocol("mt-sics", 0, settle_time=0.2) as sim:
        sim.set_weight(42.5)
        with MtSicsScale(sim.port, command="S") as scale:
            reading = scale.read_stable(timeout=2)
    assert (reading.grams, reading.raw) == (42.5, b"S S      42.50 g\r\n")


def test_a_reading_can_be_taken_again_on_the_same_port(sim: SimulatedScale, protocol: str) -> None:
    sim.settle_time = 0
    with open_scale(sim.port, protocol) as scale:
        sim.set_weight(100)
        first = scale.read_stable(timeout=1)
        sim.set_weight(200)
        time.sleep(0.1)  # frames from before the call are not taken
        second = scale.read_stable(timeout=1)
    assert (first.grams, second.grams) == (100.0, 200.0)
