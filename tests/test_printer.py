"""Printer destinations (file, raw TCP 9100, lp) and the simulated label printer."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.zpl import parse_zpl_labels
from warehouse_tui.devices.labels import (
    LabelSpec,
    ShippingLabel,
    zpl_label,
    zpl_labels,
    zpl_shipping_label,
)
from warehouse_tui.devices.printer import (
    RAW_PRINT_PORT,
    Destination,
    PrinterError,
    PrinterStatus,
    SimulatedLabelPrinter,
    host_status_reply,
    parse_destination,
    parse_host_status,
    query_printer_status,
    send_to_printer,
)

ZPL = zpl_label(LabelSpec("TOTE-0042", "Tote 42")).encode()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- destinations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("labels.zpl", Destination("file", "labels.zpl")),
        ("file:out/labels.zpl", Destination("file", "out/labels.zpl")),
        ("file:///dev/usb/lp0", Destination("file", "/dev/usb/lp0")),
        ("tcp://printer.local", Destination("tcp", "printer.local", RAW_PRINT_PORT)),
        ("tcp://10.0.0.7:6101", Destination("tcp", "10.0.0.7", 6101)),
        ("tcp://[::1]:9101", Destination("tcp", "::1", 9101)),
        ("lp:ZEBRA_PACK1", Destination("lp", "ZEBRA_PACK1")),
    ],
)
def test_destinations_are_read(dest: str, expected: Destination) -> None:
    assert parse_destination(dest) == expected


@pytest.mark.parametrize("dest", ["", "   ", "tcp://", "tcp://host:99999", "lp:", "http://x/y"])
def test_malformed_destinations_are_refused(dest: str) -> None:
    with pytest.raises(PrinterError):
        parse_destination(dest)


# --- file -----------------------------------------------------------------------------------------


def test_file_destination_appends_each_job(tmp_path: Path) -> None:
    path = tmp_path / "spool.zpl"
    send_to_printer(str(path), ZPL)
    send_to_printer(f"file:{path}", b"^XA^XZ")
    assert path.read_bytes() == ZPL + b"^XA^XZ"


def test_unwritable_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = tmp_path / "a-file" / "labels.zpl"
    with pytest.raises(PrinterError, match=r"Cannot write the label to .*a-file"):
        send_to_printer(str(unwritable), ZPL)


def test_a_missing_folder_is_made_for_the_first_label(tmp_path: Path) -> None:
    path = tmp_path / "labels" / "PACK-1.zpl"
    send_to_printer(f"file:{path}", ZPL)
    assert path.read_bytes() == ZPL


# --- raw TCP --------------------------------------------------------------------------------------


def test_tcp_destination_delivers_every_byte() -> None:
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def receive() -> None:
            connection, _peer = server.accept()
            with connection:
                while chunk := connection.recv(4096):
                    received.extend(chunk)

        receiver = threading.Thread(target=receive)
        receiver.start()
        data = ZPL * 500
        send_to_printer(f"tcp://127.0.0.1:{port}", data, timeout=2)
        receiver.join(timeout=5)
    assert bytes(received) == data


def test_unreachable_printer_is_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(PrinterError, match=f"127.0.0.1:{port} cannot be reached"):
        send_to_printer(f"tcp://127.0.0.1:{port}", ZPL, timeout=1)


def test_printer_that_stops_reading_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=1) as server:  # never accepts
        port = server.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(PrinterError, match="stopped taking the label"):
            send_to_printer(f"tcp://127.0.0.1:{port}", b"x" * (64 << 20), timeout=0.3)
    assert time.monotonic() - started < 5


# --- lp -------------------------------------------------------------------------------------------


def fake_lp(folder: Path, body: str) -> None:
    script = folder / "lp"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_lp_destination_runs_lp_raw_with_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "record"
    fake_lp(tmp_path, f'printf "%s\\n" "$@" > "{record}.args"\ncat > "{record}.stdin"\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    send_to_printer("lp:ZEBRA_PACK1", ZPL)
    assert Path(f"{record}.args").read_text().split("\n")[:-1] == ["-d", "ZEBRA_PACK1", "-o", "raw"]
    assert Path(f"{record}.stdin").read_bytes() == ZPL


def test_lp_refusal_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_lp(
        tmp_path, 'cat > /dev/null\necho "lp: The printer or class does not exist." >&2\nexit 1\n'
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(PrinterError, match="NOPE: lp: The printer or class does not exist"):
        send_to_printer("lp:NOPE", ZPL)


def test_missing_lp_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterError, match="lp command is missing"):
        send_to_printer("lp:ZEBRA_PACK1", ZPL)


# --- the simulated printer ------------------------------------------------------------------------


def test_twin_keeps_every_label_it_is_sent() -> None:
    specs = [LabelSpec(f"LOC-A0{n}-01-1", f"A0{n}-01-1") for n in range(1, 4)]
    parcel = ShippingLabel(
        order_code="ORD-10023",
        tracking_number="SF1234567890123",
        carrier="SF Express",
        service="标准快递",
        weight_kg=0.8,
        ship_to_name="李娜",
        address_lines=("上海市浦东新区世纪大道100号",),
        city="上海",
        postcode="200120",
        country="中国",
    )
    with SimulatedLabelPrinter() as printer:
        send_to_printer(printer.destination, zpl_labels(specs).encode())
        send_to_printer(printer.destination, zpl_shipping_label(parcel).encode())
        labels = printer.wait_for_labels(4)
    parsed = [parse_zpl_labels(label)[0] for label in labels]
    assert [[field.data for field in label.fields if field.barcode] for label in parsed] == [
        [spec.code] for spec in specs
    ] + [["ORD-10023", "SF1234567890123"]]
    assert "上海市浦东新区世纪大道100号" in [field.data for field in parsed[-1].fields]


def test_twin_answers_host_status() -> None:
    with SimulatedLabelPrinter() as printer:
        assert query_printer_status(printer.destination, timeout=2) == PrinterStatus()
        send_to_printer(printer.destination, zpl_shipping_label_bytes())
        printer.wait_for_labels(1)
        printer.status = PrinterStatus(
            paper_out=True, head_open=True, label_length_dots=printer.status.label_length_dots
        )
        status = query_printer_status(printer.destination, timeout=2)
    assert status.label_length_dots == 1218
    assert status.problems() == [
        "The label printer is out of labels",
        "The label printer's head is open",
    ]


def zpl_shipping_label_bytes() -> bytes:
    return zpl_shipping_label(
        ShippingLabel(
            order_code="ORD-1",
            tracking_number="1Z999AA10123456784",
            carrier="UPS",
            service="Standard",
            weight_kg=2.5,
            ship_to_name="Ada Lovelace",
            address_lines=("12 St James's Square",),
            city="London",
            postcode="SW1Y 4JH",
            country="United Kingdom",
        )
    ).encode()


def test_twin_answers_status_mid_stream_and_keeps_the_labels_around_it() -> None:
    with SimulatedLabelPrinter() as printer, socket.create_connection(printer.address) as client:
        client.settimeout(2)
        client.sendall(ZPL + b"~")
        time.sleep(0.05)  # so that the query is most likely torn across two reads
        client.sendall(b"HS")
        reply = b""
        while reply.count(b"\x03") < 3:
            reply += client.recv(1024)
        client.sendall(zpl_label(LabelSpec("TOTE-0043", "Tote 43")).encode())
        client.shutdown(socket.SHUT_WR)
        labels = printer.wait_for_labels(2)
    assert parse_host_status(reply) == PrinterStatus(label_length_dots=203)
    assert [parse_zpl_labels(label)[0].fields[0].data for label in labels] == [
        "TOTE-0042",
        "TOTE-0043",
    ]
    assert b"~HS" not in printer.received


def test_status_of_a_file_printer_cannot_be_asked(tmp_path: Path) -> None:
    with pytest.raises(PrinterError, match="network printer"):
        query_printer_status(str(tmp_path / "labels.zpl"))


def test_status_from_a_silent_printer_is_unreachable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(PrinterError, match="cannot be reached"):
            query_printer_status(f"tcp://127.0.0.1:{port}", timeout=0.3)


statuses = st.builds(
    PrinterStatus,
    paper_out=st.booleans(),
    paused=st.booleans(),
    head_open=st.booleans(),
    ribbon_out=st.booleans(),
    formats_in_buffer=st.integers(0, 999),
    label_length_dots=st.integers(0, 9999),
)


@given(statuses)
def test_host_status_round_trips(status: PrinterStatus) -> None:
    reply = host_status_reply(status)
    assert reply.count(b"\x02") == reply.count(b"\x03\r\n") == 3
    assert parse_host_status(reply) == status


@given(st.binary(max_size=200))
def test_host_status_parser_is_total(reply: bytes) -> None:
    with contextlib.suppress(PrinterError):
        parse_host_status(reply)
