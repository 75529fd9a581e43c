"""`scale read` against simulated scales on ptys, `labels` read back from what they render,
`barcode inspect` line by line, and `manifest` to CSV and PDF."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from tests.support.shipping_floor import LOADER, packed_order, seed_carriers_and_shops
from tests.support.zpl import parse_zpl_fields
from warehouse_tui.commands import common
from warehouse_tui.commands.devices import barcode_app, labels_app, scale_app
from warehouse_tui.commands.shipping import manifest
from warehouse_tui.devices.printer import SimulatedLabelPrinter
from warehouse_tui.devices.scale_sim import SimulatedScale
from warehouse_tui.devices.serialport import open_raw_pty
from warehouse_tui.services.shipping import load_parcel
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import BoxType, Location, Operator, Tote, WallSlot

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_database_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAREHOUSE_DB", raising=False)
    monkeypatch.setattr(common, "GLOBALS", common.Globals())


# --- scale read ---


@pytest.mark.parametrize("protocol", ["mt-sics", "sma", "toledo-continuous"])
def test_scale_read_prints_one_stable_reading(protocol: str) -> None:
    with SimulatedScale.for_protocol(protocol, 1234) as scale:
        result = runner.invoke(
            scale_app,
            ["read", "--port", scale.port, "--protocol", protocol, "--timeout", "3", "--json"],
        )
    assert result.exit_code == 0, result.stderr
    [line] = result.stdout.splitlines()
    reading = json.loads(line)
    assert reading["grams"] == 1234.0 and reading["stable"] is True
    assert reading["protocol"] == protocol
    assert "\r" not in reading["raw"] and "\\x0d" not in reading["raw"]


def test_scale_read_waits_out_motion() -> None:
    with SimulatedScale.for_protocol("sma", 0, settle_time=0.6) as scale:
        scale.set_weight(850)
        result = runner.invoke(
            scale_app,
            ["read", "--port", scale.port, "--protocol", "sma", "--timeout", "4", "--json"],
        )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["grams"] == 850.0


def test_scale_read_refuses_an_overloaded_scale() -> None:
    with SimulatedScale.for_protocol("mt-sics", 90_000) as scale:
        scale.set_overload(True)
        result = runner.invoke(
            scale_app,
            ["read", "--port", scale.port, "--protocol", "mt-sics", "--timeout", "0.6", "--json"],
        )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "overload" in result.stderr


def test_scale_read_says_when_nothing_answers() -> None:
    master, slave, port = open_raw_pty()
    try:
        result = runner.invoke(
            scale_app, ["read", "--port", port, "--protocol", "sma", "--timeout", "0.4", "--json"]
        )
    finally:
        os.close(master)
        os.close(slave)
    assert result.exit_code == 1
    assert "No answer" in result.stderr


def test_scale_read_usage_errors_exit_2() -> None:
    result = runner.invoke(scale_app, ["read", "--port", "loop://", "--protocol", "pigeon"])
    assert result.exit_code == 2


# --- labels ---


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "floor.db")
    store = Store(path)
    upgrade(store)
    with store.write() as session:
        for aisle in (2, 3):
            for bay in (1, 2):
                session.add(
                    Location(
                        code=f"LOC-A{aisle:02d}-{bay:02d}-1",
                        zone="A",
                        block=0,
                        aisle=aisle - 1,
                        position_m=bay,
                        bay=bay,
                        level=1,
                    )
                )
        session.add(
            Location(code="B03-01-1", zone="B", block=0, aisle=2, position_m=1, bay=1, level=1)
        )
        session.add_all([Tote(code="TOTE-0001"), Tote(code="0002")])
        session.add(WallSlot(code="WALL-1-07", wall=1, slot=7))
        session.add(
            BoxType(code="BOX-M2", name="Medium", length_mm=3, width_mm=2, height_mm=1, tare_g=1)
        )
        session.add(Operator(badge="OP-0002", name="李娜 Li Na", pin_hash="x", role="picker"))
        session.add(
            Operator(badge="OP-0009", name="Gone", pin_hash="x", role="picker", active=False)
        )
    store.dispose()
    yield path


def decoded(png: Path) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(png))]


def test_location_labels_filtered_by_zone_and_aisle_scan_back(db: str, tmp_path: Path) -> None:
    out = tmp_path / "aisle3.png"
    result = runner.invoke(
        labels_app,
        [
            "locations",
            "--zone",
            "A",
            "--aisle",
            "3",
            "--format",
            "png",
            "--out",
            str(out),
            "--db",
            db,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"labels": 2, "format": "png", "out": str(out)}
    assert sorted(decoded(out)) == ["LOC-A03-01-1", "LOC-A03-02-1"]

    every = tmp_path / "all.png"
    assert (
        runner.invoke(
            labels_app, ["locations", "--format", "png", "--out", str(every), "--db", db]
        ).exit_code
        == 0
    )
    assert "LOC-B03-01-1" in decoded(every)  # stored without its prefix, printed with it


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("totes", ["TOTE-0001", "TOTE-0002"]),
        ("slots", ["WALL-1-07"]),
        ("boxes", ["BOX-M2"]),
        ("badges", ["OP-0002"]),
    ],
)
def test_each_kind_of_label_as_zpl(db: str, tmp_path: Path, kind: str, codes: list[str]) -> None:
    out = tmp_path / f"{kind}.zpl"
    result = runner.invoke(
        labels_app, [kind, "--format", "zpl", "--size", "4x6", "--out", str(out), "--db", db]
    )
    assert result.exit_code == 0, result.output
    zpl = out.read_text(encoding="utf-8")
    assert zpl.count("^XA") == len(codes) and "^CI28" in zpl and "^PW812" in zpl
    assert [f.data for f in parse_zpl_fields(zpl) if f.barcode] == codes


def test_badges_print_chinese_names_and_go_to_a_printer(db: str) -> None:
    with SimulatedLabelPrinter() as printer:
        result = runner.invoke(
            labels_app, ["badges", "--format", "zpl", "--printer", printer.destination, "--db", db]
        )
        assert result.exit_code == 0, result.output
        [label] = printer.wait_for_labels(1)
    assert "李娜 Li Na" in [f.data for f in parse_zpl_fields(label)]


def test_pdf_and_svg_sheets(db: str, tmp_path: Path) -> None:
    for fmt in ("pdf", "svg"):
        out = tmp_path / f"totes.{fmt}"
        assert (
            runner.invoke(
                labels_app, ["totes", "--format", fmt, "--out", str(out), "--db", db]
            ).exit_code
            == 0
        )
    assert (tmp_path / "totes.pdf").read_bytes().startswith(b"%PDF")
    assert b"TOTE-0002" in (tmp_path / "totes.svg").read_bytes()


def test_label_refusals_and_usage_errors(db: str, tmp_path: Path) -> None:
    out = str(tmp_path / "x.png")
    nothing = runner.invoke(
        labels_app, ["locations", "--zone", "Z", "--format", "png", "--out", out, "--db", db]
    )
    assert nothing.exit_code == 1 and "no labels" in nothing.stderr
    assert runner.invoke(labels_app, ["totes", "--format", "png", "--db", db]).exit_code == 2
    both = ["totes", "--format", "pdf", "--printer", "lp:x", "--db", db]
    assert runner.invoke(labels_app, both).exit_code == 2


# --- barcode inspect ---


def test_inspect_prints_one_object_per_code_in_order() -> None:
    codes = [
        "]E04006381333931",
        "LOC-A03-12-2",
        "4006381333932",
        "\x1d0104006381333931101234",
        "??",
    ]
    result = runner.invoke(barcode_app, ["inspect", *codes, "--json"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["raw"] for line in lines] == codes
    assert lines[0] == {
        "raw": codes[0],
        "kind": "product",
        "valid": True,
        "error": None,
        "symbology": "]E0",
        "gtin": "04006381333931",
    }
    assert lines[1]["kind"] == "location" and "resolves" not in lines[1]
    assert lines[2]["valid"] is False and "check digit" in lines[2]["error"]
    assert lines[3]["kind"] == "gs1" and lines[3]["batch"] == "1234"
    assert lines[4] == {"raw": "??", "kind": "unknown", "valid": False, "error": "unknown barcode"}


def test_inspect_resolves_only_with_a_named_database(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_db = runner.invoke(barcode_app, ["inspect", "TOTE-0002", "OP-0002", "--db", db, "--json"])
    assert with_db.exit_code == 0
    first, second = (json.loads(line) for line in with_db.stdout.splitlines())
    assert first["resolves"] == {"type": "tote", "id": 2}
    assert second["resolves"]["type"] == "operator"

    monkeypatch.setenv("WAREHOUSE_DB", db)
    by_env = runner.invoke(barcode_app, ["inspect", "BOX-M2", "--json"])
    assert json.loads(by_env.stdout)["resolves"] == {"type": "box", "id": 1}


# --- manifest ---


def manifest_app() -> typer.Typer:
    app = typer.Typer()
    app.command("manifest")(manifest)
    return app


def test_manifest_cli_writes_csv_and_pdf(db: str, tmp_path: Path) -> None:
    store = Store(db)
    with store.write() as session:
        seed_carriers_and_shops(session)
        parcels = [packed_order(session, str(n))[1][0] for n in (11, 12)]
    for parcel in parcels:
        assert load_parcel(store, LOADER, "UPS", f"PCL-{parcel.id}").accepted
    store.dispose()

    csv_out = tmp_path / "ups.csv"
    result = runner.invoke(
        manifest_app(), ["--carrier", "UPS", "--out", str(csv_out), "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["parcels"] == 2 and summary["carrier"] == "UPS"
    assert all(parcel.tracking in csv_out.read_text(encoding="utf-8") for parcel in parcels)
    assert csv_out.stat().st_mode & 0o777 == 0o640  # names and addresses: not for every user

    pdf_out = tmp_path / "ups.pdf"
    result = runner.invoke(
        manifest_app(),
        ["--carrier", "UPS", "--date", summary["date"], "--out", str(pdf_out), "--db", db],
    )
    assert result.exit_code == 0 and pdf_out.read_bytes().startswith(b"%PDF")

    old = runner.invoke(
        manifest_app(),
        ["--carrier", "UPS", "--date", "2001-01-01", "--out", str(csv_out), "--db", db, "--json"],
    )
    assert json.loads(old.stdout)["parcels"] == 0
    unknown = runner.invoke(
        manifest_app(), ["--carrier", "NOPE", "--out", str(csv_out), "--db", db]
    )
    assert unknown.exit_code == 1 and "Unknown carrier" in unknown.stderr
    assert (
        runner.invoke(manifest_app(), ["--carrier", "UPS", "--out", "x.txt", "--db", db]).exit_code
        == 2
    )
    assert (
        runner.invoke(
            manifest_app(),
            ["--carrier", "UPS", "--date", "May 6", "--out", str(csv_out), "--db", db],
        ).exit_code
        == 2
    )


# --- readings beyond the scale's range, timeouts, escapes -------------------------------------


@pytest.mark.parametrize("digits", ["1" + "0" * 29, "9" * 50])
def test_scale_read_refuses_a_reading_beyond_the_scale(digits: str) -> None:
    with SimulatedScale.for_protocol("mt-sics", 1234) as scale:
        scale.send_garbage(f"S S {digits} g\r\n".encode("ascii"), times=1000)
        result = runner.invoke(
            scale_app, ["read", "--port", scale.port, "--protocol", "mt-sics", "--timeout", "3"]
        )
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"The scale reads S S {digits} g, outside its range of 0 to 150000 g: "
        "check the scale's unit and capacity\n"
    )
    assert result.stdout == ""


def test_scale_read_capacity_is_the_scales_range() -> None:
    with SimulatedScale.for_protocol("sma", 40_000) as scale:
        args = ["read", "--port", scale.port, "--protocol", "sma", "--timeout", "3"]
        refused = runner.invoke(scale_app, [*args, "--capacity", "30000"])
        taken = runner.invoke(scale_app, [*args, "--capacity", "60000", "--json"])
    assert refused.exit_code == 1 and "outside its range of 0 to 30000 g" in refused.stderr
    assert taken.exit_code == 0 and json.loads(taken.stdout)["grams"] == 40_000


@pytest.mark.parametrize("timeout", ["inf", "-inf", "nan", "-1", "1e300", "3601"])
def test_scale_read_refuses_a_timeout_that_is_not_a_finite_wait(timeout: str) -> None:
    result = runner.invoke(
        scale_app, ["read", "--port", "loop://", "--protocol", "sma", "--timeout", timeout]
    )
    assert result.exit_code == 2 and "--timeout" in result.output


@pytest.mark.parametrize("capacity", ["inf", "nan", "0", "-5"])
def test_scale_read_refuses_a_capacity_that_is_no_range(capacity: str) -> None:
    result = runner.invoke(
        scale_app, ["read", "--port", "loop://", "--protocol", "sma", "--capacity", capacity]
    )
    assert result.exit_code == 2 and "--capacity" in result.output


HOSTILE = "\x1b[2J\x1b]0;owned\x07A\x9b31m\x7f\u202eB\u2028C\\x1b\udc9b"


def test_inspect_prints_terminal_controls_escaped() -> None:
    plain = runner.invoke(barcode_app, ["inspect", HOSTILE])
    assert plain.exit_code == 0
    assert plain.stdout.startswith(
        "raw=\\x1b[2J\\x1b]0;owned\\x07A\\x9b31m\\x7f\\u202eB\\u2028C\\\\x1b\\udc9b  kind="
    )
    as_json = runner.invoke(barcode_app, ["inspect", HOSTILE, "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["raw"] == HOSTILE  # the data, unchanged
    for output in (plain.stdout, as_json.stdout):
        assert output.count("\n") == 1
        assert all(char == "\n" or char.isprintable() for char in output)
