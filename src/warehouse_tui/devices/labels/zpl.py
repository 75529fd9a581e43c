"""Labels as ZPL for 203 dpi thermal printers: our own labels and the 4x6 in shipping label.

Documents are written with ^CI28, so field data is UTF-8; text that is not plain ASCII uses a
printer-resident CJK font so Chinese addresses print. Field data is escaped (^FH) so no text
from a shop can start a ZPL command.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from warehouse_tui.devices.labels.spec import (
    CODE128_QUIET_MODULES,
    LabelError,
    LabelSize,
    LabelSpec,
    ShippingLabel,
    check_barcode_data,
    code128_modules,
    is_wide,
    printable_text,
)
from warehouse_tui.i18n import _

DOTS_PER_INCH = 203
LABEL_DOTS: dict[str, tuple[int, int]] = {"2x1": (406, 203), "4x6": (812, 1218)}

DEFAULT_CJK_FONT = "E:ANMDJ.TTF"
"""Printer-resident font used for text that is not plain ASCII.

Andale Mono WT J, the CJK TrueType font of Zebra's Asian font kits: it covers the CJK unified
ideographs, so Chinese addresses print. A printer with the Simplified Chinese kit may name
E:ANMDS.TTF instead; any font name the printer lists (^WD) can be passed as `font`.
Plain ASCII text uses the built-in scalable font 0, which every Zebra printer has.
"""


def _module_width_to_fit(data: str, width: int, widest: int) -> int:
    """The widest module (dots) at which `data` and its quiet zones fit in `width` dots."""
    modules = code128_modules(data) + 2 * CODE128_QUIET_MODULES
    for module in range(widest, 0, -1):
        if modules * module <= width:
            return module
    raise LabelError(_("{code!r} is too long for this label").format(code=data))


_ZPL_HEX_ESCAPED = "_^~"


def zpl_field_data(text: str) -> str:
    """`text` as ^FD data under ^FH (indicator _) inside a ^FB block.

    ^ and ~ would start commands and _ is the hex indicator, so each becomes _XX; a backslash is
    doubled because ^FB reads \\& as a line break.
    """
    escaped = []
    for ch in printable_text(text):
        if ch in _ZPL_HEX_ESCAPED:
            escaped.append(f"_{ord(ch):02X}")
        elif ch == "\\":
            escaped.append("\\\\")
        else:
            escaped.append(ch)
    return "".join(escaped)


def _font_command(text: str, height: int, font: str) -> str:
    if text.isascii():
        return f"^A0N,{height},{height}"
    return f"^A@N,{height},{height},{font}"


def _text_field(
    x: int,
    y: int,
    text: str,
    *,
    height: int,
    width: int,
    font: str,
    lines: int = 1,
    align: str = "L",
    reverse: bool = False,
) -> str:
    return (
        f"^FO{x},{y}{_font_command(text, height, font)}{'^FR' if reverse else ''}"
        f"^FB{width},{lines},0,{align},0^FH^FD{zpl_field_data(text)}^FS"
    )


def _barcode_field(x: int, y: int, data: str, *, height: int, module: int) -> str:
    return f"^FO{x},{y}^BY{module}^BCN,{height},Y,N,N^FD{check_barcode_data(data)}^FS"


def _centred_barcode(data: str, *, left: int, width: int, y: int, height: int, widest: int) -> str:
    module = _module_width_to_fit(check_barcode_data(data), width, widest)
    x = left + (width - code128_modules(data) * module) // 2
    return _barcode_field(x, y, data, height=height, module=module)


def _document(size: LabelSize, fields: Iterable[str]) -> str:
    width, length = LABEL_DOTS[size]
    head = ["^XA", "^CI28", f"^PW{width}", f"^LL{length}", "^LH0,0"]
    return "\n".join([*head, *fields, "^XZ"]) + "\n"


@dataclass(frozen=True)
class _OwnLayout:
    barcode_y: int
    barcode_height: int
    widest_module: int
    title_y: int
    title_height: int
    title_lines: int
    subtitle_y: int
    subtitle_height: int


# The ^BC interpretation line is printed under the bars; the titles start below it.
_OWN_LAYOUTS: dict[str, _OwnLayout] = {
    "2x1": _OwnLayout(10, 70, 3, 118, 44, 1, 168, 28),
    "4x6": _OwnLayout(80, 320, 4, 480, 140, 2, 800, 70),
}


def zpl_label(spec: LabelSpec, size: LabelSize = "2x1", *, font: str = DEFAULT_CJK_FONT) -> str:
    """One of our own labels as a ZPL document: Code 128 of the code, then title and subtitle."""
    if size not in LABEL_DOTS:
        raise LabelError(_("Unknown label size {size!r}: use 2x1 or 4x6").format(size=size))
    width, _length = LABEL_DOTS[size]
    layout = _OWN_LAYOUTS[size]
    fields = [
        _centred_barcode(
            spec.code,
            left=0,
            width=width,
            y=layout.barcode_y,
            height=layout.barcode_height,
            widest=layout.widest_module,
        ),
        _text_field(
            0,
            layout.title_y,
            spec.title,
            height=layout.title_height,
            width=width,
            font=font,
            lines=layout.title_lines,
            align="C",
        ),
    ]
    if spec.subtitle:
        fields.append(
            _text_field(
                0,
                layout.subtitle_y,
                spec.subtitle,
                height=layout.subtitle_height,
                width=width,
                font=font,
                align="C",
            )
        )
    return _document(size, fields)


def zpl_labels(
    specs: Iterable[LabelSpec], size: LabelSize = "2x1", *, font: str = DEFAULT_CJK_FONT
) -> str:
    """Several labels, one ZPL document each, concatenated into one print job."""
    return "".join(zpl_label(spec, size, font=font) for spec in specs)


_SHIP_MARGIN = 30
_SHIP_WIDTH = LABEL_DOTS["4x6"][0] - 2 * _SHIP_MARGIN
_SHIP_TO_TOP = 205
_SHIP_TO_BOTTOM = 690
_ADDRESS_HEIGHTS = (40, 34, 28)
_CELL_WIDTH_RATIO = 0.6
"""A conservative guess of a half-width character's advance as a share of the font height."""


def _estimated_lines(text: str, height: int, width: int) -> int:
    """How many lines `text` needs in a ^FB block `width` dots wide (wide characters count 2)."""
    cells = sum(2 if is_wide(ch) else 1 for ch in text)
    per_line = max(1, int(width / (height * _CELL_WIDTH_RATIO)))
    return max(1, math.ceil(cells / per_line))


def _ship_to_lines(label: ShippingLabel) -> list[str]:
    lines = [label.ship_to_name]
    if label.phone:
        lines.append(label.phone)
    lines.extend(label.address_lines)
    lines.append(f"{label.city} {label.postcode}".strip())
    lines.append(label.country)
    return [line for line in (printable_text(line).strip() for line in lines) if line]


def _ship_to_fields(label: ShippingLabel, font: str) -> list[str]:
    """The address block, in the largest font size with which all of it fits."""
    lines = _ship_to_lines(label)
    for height in _ADDRESS_HEIGHTS:
        name_height = height + 10
        fields = []
        y = _SHIP_TO_TOP
        for index, line in enumerate(lines):
            line_height = name_height if index == 0 else height
            count = _estimated_lines(line, line_height, _SHIP_WIDTH)
            fields.append(
                _text_field(
                    _SHIP_MARGIN,
                    y,
                    line,
                    height=line_height,
                    width=_SHIP_WIDTH,
                    font=font,
                    lines=count,
                )
            )
            y += count * line_height + 6
        if y <= _SHIP_TO_BOTTOM:
            return fields
    raise LabelError(_("The address is too long for a shipping label"))


def _format_weight(weight_kg: float) -> str:
    return f"{weight_kg:.3f} kg"


def zpl_shipping_label(label: ShippingLabel, *, font: str = DEFAULT_CJK_FONT) -> str:
    """A 4x6 in shipping label: carrier and service, ship date, ship-to, weight, parcel n of m,
    order and parcel codes, the tracking barcode and, at the foot, the sender to return to."""
    half = _SHIP_WIDTH // 2
    fields = [
        _text_field(_SHIP_MARGIN, 30, label.carrier, height=56, width=500, font=font),
        _text_field(_SHIP_MARGIN, 96, label.service, height=40, width=500, font=font),
    ]
    if label.reprint:
        fields += [
            "^FO560,30^GB222,80,80^FS",
            _text_field(
                560, 50, "REPRINT", height=44, width=222, font=font, align="C", reverse=True
            ),
        ]
    if label.ship_date:
        fields.append(
            _text_field(
                560,
                116,
                f"SHIP {label.ship_date}",
                height=28,
                width=_SHIP_WIDTH + _SHIP_MARGIN - 560,
                font=font,
                align="R",
            )
        )
    fields += [
        f"^FO{_SHIP_MARGIN},150^GB{_SHIP_WIDTH},4,4^FS",
        _text_field(_SHIP_MARGIN, 168, "SHIP TO", height=28, width=_SHIP_WIDTH, font=font),
        *_ship_to_fields(label, font),
        f"^FO{_SHIP_MARGIN},700^GB{_SHIP_WIDTH},4,4^FS",
        _text_field(
            _SHIP_MARGIN,
            716,
            f"WEIGHT {_format_weight(label.weight_kg)}",
            height=36,
            width=half,
            font=font,
        ),
        _text_field(
            _SHIP_MARGIN + half,
            716,
            f"PARCEL {label.parcel_number}/{label.parcel_count}",
            height=36,
            width=half,
            font=font,
            align="R",
        ),
        _centred_barcode(
            label.order_code, left=_SHIP_MARGIN, width=half, y=766, height=70, widest=2
        ),
    ]
    if label.parcel_code:
        fields.append(
            _centred_barcode(
                label.parcel_code, left=_SHIP_MARGIN + half, width=half, y=766, height=70, widest=2
            )
        )
    fields += [
        f"^FO{_SHIP_MARGIN},880^GB{_SHIP_WIDTH},4,4^FS",
        _text_field(_SHIP_MARGIN, 896, "TRACKING", height=28, width=_SHIP_WIDTH, font=font),
        _centred_barcode(
            label.tracking_number, left=0, width=LABEL_DOTS["4x6"][0], y=936, height=200, widest=4
        ),
    ]
    sender = ", ".join(line for line in (printable_text(s).strip() for s in label.sender) if line)
    if sender:
        fields.append(
            _text_field(
                _SHIP_MARGIN,
                1150,
                f"FROM / RETURN TO: {sender}",
                height=24,
                width=_SHIP_WIDTH,
                font=font,
                lines=2,
            )
        )
    return _document("4x6", fields)
