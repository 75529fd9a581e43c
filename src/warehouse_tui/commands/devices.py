"""`warehouse-tui scale read`, `warehouse-tui labels …` and `warehouse-tui barcode inspect`.

`scale read` takes a reading only inside the scale's range, 0 to its capacity: the protocols
carry weights as free digits (an MT-SICS reply may hold thirty), so a misconfigured or broken
scale can send 1e29 g; a weight that is not a finite number is outside every range.
`barcode inspect` shows codes as scanned, which may hold escape sequences: they are printed
escaped, never sent to the terminal.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    emit,
    emit_exact,
    named_db,
    open_store,
    printable,
    read_store,
    refuse,
)
from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlmodel import Session

    from warehouse_tui.devices.labels import LabelSpec
    from warehouse_tui.devices.labels.sheets import SheetFormat

scale_app = typer.Typer(no_args_is_help=True)
labels_app = typer.Typer(no_args_is_help=True)
barcode_app = typer.Typer(no_args_is_help=True)


# A callback makes each app a command group even with one command, so `scale read` stays `read`.
@scale_app.callback()
def scale_group() -> None:
    """Read the station's scale."""


@labels_app.callback()
def labels_group() -> None:
    """Print our own labels: ZPL for thermal printers; PNG, SVG or PDF sheets for office ones."""


@barcode_app.callback()
def barcode_group() -> None:
    """Look at barcodes as the scanners see them."""


# --- scale read ---------------------------------------------------------------------------------


class ScaleProtocol(StrEnum):
    MT_SICS = "mt-sics"
    SMA = "sma"
    TOLEDO_CONTINUOUS = "toledo-continuous"


MAX_TIMEOUT_S = 3600.0
DEFAULT_CAPACITY_G = 150_000.0  # the top of the bench and platform scales parcels go on


def _seconds(value: float) -> float:
    if not 0 <= value <= MAX_TIMEOUT_S:  # also false for NaN
        raise typer.BadParameter(
            _("give a number of seconds from 0 to {most:g}").format(most=MAX_TIMEOUT_S)
        )
    return value


def _capacity(value: float) -> float:
    if not 0 < value < math.inf:  # also false for NaN
        raise typer.BadParameter(_("give the scale's capacity in grams, more than 0"))
    return value


@scale_app.command("read")
def scale_read(
    port: Annotated[str, typer.Option("--port", help="Device path or pyserial URL.")],
    protocol: Annotated[ScaleProtocol, typer.Option("--protocol", help="The scale's protocol.")],
    baud: Annotated[int, typer.Option("--baud", min=1)] = 9600,
    timeout: Annotated[
        float, typer.Option("--timeout", callback=_seconds, help="Seconds (0 to 3600).")
    ] = 10.0,
    capacity: Annotated[
        float,
        typer.Option(
            "--capacity", callback=_capacity, help="The scale's capacity in grams (its range)."
        ),
    ] = DEFAULT_CAPACITY_G,
    as_json: JsonOption = False,
) -> None:
    """Print one stable reading; exit 1 with the reason on stderr if none comes in time, or if
    it is beyond the scale's capacity."""
    from warehouse_tui.devices.scale import ScaleError, scale_read_json

    try:
        reading = scale_read_json(port, protocol.value, baud=baud, timeout=timeout)
    except ScaleError as error:
        refuse(error.reason)
    grams = float(reading["grams"])  # type: ignore[arg-type]
    if not 0 <= grams <= capacity:  # also false for a weight that is not a finite number
        refuse(
            _(
                "The scale reads {raw}, outside its range of 0 to {capacity:g} g: "
                "check the scale's unit and capacity"
            ).format(raw=reading["raw"], capacity=capacity)
        )
    if as_json:
        emit(reading)
    else:
        typer.echo(f"{reading['grams']} g ({protocol.value}: {reading['raw']})")


# --- labels -------------------------------------------------------------------------------------


class LabelFormat(StrEnum):
    ZPL = "zpl"
    PDF = "pdf"
    SVG = "svg"
    PNG = "png"


class LabelSizeChoice(StrEnum):
    SMALL = "2x1"
    LARGE = "4x6"


FormatOption = Annotated[LabelFormat, typer.Option("--format", help="zpl, pdf, svg or png.")]
OutOption = Annotated[Path | None, typer.Option("--out", help="File to write.", show_default=False)]
PrinterOption = Annotated[
    str | None,
    typer.Option(
        "--printer", help="ZPL only: file, tcp://HOST:9100 or lp:QUEUE.", show_default=False
    ),
]
SizeOption = Annotated[LabelSizeChoice, typer.Option("--size", help="ZPL label size in inches.")]


def with_prefix(prefix: str, code: str) -> str:
    """A label's barcode: the code as stored, our prefix added if it was stored without."""
    return code if code.upper().startswith(prefix) else f"{prefix}{code}"


def _output(
    specs: list[LabelSpec],
    fmt: LabelFormat,
    out: Path | None,
    printer: str | None,
    size: LabelSizeChoice,
    as_json: bool,
) -> None:
    """Render `specs` and write them to `out` or hand them to `printer`."""
    from warehouse_tui.devices.labels import LabelError, render_sheet, zpl_labels
    from warehouse_tui.devices.printer import PrinterError, send_to_printer, write_output_file

    if (out is None) == (printer is None):
        raise typer.BadParameter(_("Give exactly one of --out and --printer"))
    if printer is not None and fmt is not LabelFormat.ZPL:
        raise typer.BadParameter(_("--printer takes ZPL only: add --format zpl"))
    if not specs:
        refuse(_("There are no labels to print"), as_json=as_json)
    try:
        if fmt is LabelFormat.ZPL:
            data = zpl_labels(specs, size.value).encode("utf-8")
        else:
            sheet: SheetFormat = (
                "pdf" if fmt is LabelFormat.PDF else "svg" if fmt is LabelFormat.SVG else "png"
            )
            data = render_sheet(specs, sheet)
        if printer is not None:
            send_to_printer(printer, data)
        else:
            assert out is not None
            write_output_file(out, data)
    except (LabelError, PrinterError, OSError) as error:
        refuse(str(error), as_json=as_json)
    target = printer if printer is not None else str(out)
    if as_json:
        emit({"labels": len(specs), "format": fmt.value, "out": target})
    else:
        typer.echo(_("{count} labels → {target}").format(count=len(specs), target=target))


def _read_specs(db: str | None, build: Callable[[Session], list[LabelSpec]]) -> list[LabelSpec]:
    store = open_store(db)
    try:
        with store.read() as session:
            return build(session)
    finally:
        store.dispose()


@labels_app.command("locations")
def label_locations(
    fmt: FormatOption,
    zone: Annotated[str | None, typer.Option("--zone", help="Only this zone.")] = None,
    aisle: Annotated[
        int | None, typer.Option("--aisle", help="Only this aisle (as printed on the label).")
    ] = None,
    out: OutOption = None,
    printer: PrinterOption = None,
    size: SizeOption = LabelSizeChoice.SMALL,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Location labels (LOC-…), in code order."""
    from sqlmodel import select

    from warehouse_tui.devices.labels import LabelSpec
    from warehouse_tui.domain.barcodes import parse_scan
    from warehouse_tui.store.models import Location

    def build(session: Session) -> list[LabelSpec]:
        query = select(Location)
        if zone is not None:
            query = query.where(Location.zone == zone.upper())
        specs = []
        for location in session.exec(query):
            code = with_prefix("LOC-", location.code)
            if aisle is not None and parse_scan(code).aisle != aisle:
                continue
            title = code.removeprefix("LOC-")
            subtitle = _("zone {zone} · level {level}").format(
                zone=location.zone, level=location.level
            )
            specs.append(LabelSpec(code, title, subtitle))
        return sorted(specs, key=lambda spec: spec.code)  # codes may be stored without prefix

    _output(_read_specs(db, build), fmt, out, printer, size, as_json)


@labels_app.command("totes")
def label_totes(
    fmt: FormatOption,
    out: OutOption = None,
    printer: PrinterOption = None,
    size: SizeOption = LabelSizeChoice.SMALL,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tote labels (TOTE-…), in code order."""
    from sqlmodel import select

    from warehouse_tui.devices.labels import LabelSpec
    from warehouse_tui.store.models import Tote

    def build(session: Session) -> list[LabelSpec]:
        specs = []
        for tote in session.exec(select(Tote)):
            code = with_prefix("TOTE-", tote.code)
            specs.append(LabelSpec(code, code.removeprefix("TOTE-"), _("tote")))
        return sorted(specs, key=lambda spec: spec.code)  # codes may be stored without prefix

    _output(_read_specs(db, build), fmt, out, printer, size, as_json)


@labels_app.command("slots")
def label_slots(
    fmt: FormatOption,
    wall: Annotated[int | None, typer.Option("--wall", help="Only this put wall.")] = None,
    out: OutOption = None,
    printer: PrinterOption = None,
    size: SizeOption = LabelSizeChoice.SMALL,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put-wall slot labels (WALL-…), wall by wall."""
    from sqlmodel import col, select

    from warehouse_tui.devices.labels import LabelSpec
    from warehouse_tui.store.models import WallSlot

    def build(session: Session) -> list[LabelSpec]:
        query = select(WallSlot).order_by(col(WallSlot.wall), col(WallSlot.slot))
        if wall is not None:
            query = query.where(WallSlot.wall == wall)
        specs = []
        for slot in session.exec(query):
            code = with_prefix("WALL-", slot.code)
            subtitle = _("put wall {wall}, slot {slot}").format(wall=slot.wall, slot=slot.slot)
            specs.append(LabelSpec(code, code.removeprefix("WALL-"), subtitle))
        return specs

    _output(_read_specs(db, build), fmt, out, printer, size, as_json)


@labels_app.command("boxes")
def label_boxes(
    fmt: FormatOption,
    out: OutOption = None,
    printer: PrinterOption = None,
    size: SizeOption = LabelSizeChoice.SMALL,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Box-type labels (BOX-…) for the packing benches."""
    from sqlmodel import select

    from warehouse_tui.devices.labels import LabelSpec
    from warehouse_tui.store.models import BoxType

    def build(session: Session) -> list[LabelSpec]:
        specs = []
        for box in session.exec(select(BoxType).order_by(BoxType.code)):
            size_text = f"{box.length_mm}×{box.width_mm}×{box.height_mm} mm"
            specs.append(LabelSpec(with_prefix("BOX-", box.code), box.name, size_text))
        return specs

    _output(_read_specs(db, build), fmt, out, printer, size, as_json)


@labels_app.command("badges")
def label_badges(
    fmt: FormatOption,
    role: Annotated[str | None, typer.Option("--role", help="Only this role.")] = None,
    out: OutOption = None,
    printer: PrinterOption = None,
    size: SizeOption = LabelSizeChoice.SMALL,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Operator badges (OP-…) of active operators."""
    from sqlmodel import select

    from warehouse_tui.devices.labels import LabelSpec
    from warehouse_tui.store.models import Operator

    def build(session: Session) -> list[LabelSpec]:
        query = select(Operator).where(Operator.active).order_by(Operator.badge)
        if role is not None:
            query = query.where(Operator.role == role)
        return [
            LabelSpec(with_prefix("OP-", operator.badge), operator.name, operator.role)
            for operator in session.exec(query)
        ]

    _output(_read_specs(db, build), fmt, out, printer, size, as_json)


# --- barcode inspect ------------------------------------------------------------------------------


@barcode_app.command("inspect")
def barcode_inspect(
    codes: Annotated[list[str], typer.Argument(help="Codes as scanned.", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Classify each code as the scanners would; `resolves` needs --db or WAREHOUSE_DB."""
    from warehouse_tui.domain.barcodes import parse_scan, scan_to_json

    database = named_db(db)
    if database is None:
        scans = [parse_scan(code) for code in codes]
    else:
        from warehouse_tui.services.lookup import parse_in_store

        store = read_store(database)
        try:
            with store.read() as session:
                scans = [parse_in_store(session, code) for code in codes]
        finally:
            store.dispose()
    for scan in scans:
        described = scan_to_json(scan)
        if as_json:
            emit_exact(described)
        else:
            typer.echo(
                "  ".join(f"{key}={printable(str(value))}" for key, value in described.items())
            )
