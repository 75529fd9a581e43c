"""Label documents as bytes: ZPL for thermal printers, PNG / SVG / PDF sheets for office printers.

Our own labels (location, tote, slot, order, parcel, box, badge) carry a Code 128 symbol of their
code (DESIGN.md, "Our own barcodes") and a human-readable title. ZPL is written for 203 dpi
printers with ^CI28, so field data is UTF-8. The shipping label is a 4x6 in ZPL document.

There is no offline ZPL renderer in our stack, so `parse_zpl_labels` reads the documents back
field by field; the simulated printer and the tests use it to check what would be printed.
"""

from __future__ import annotations

import functools
import io
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from barcode import Code128
from barcode.writer import SVGWriter
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from warehouse_tui.i18n import _

LabelSize = Literal["2x1", "4x6"]
SheetFormat = Literal["png", "svg", "pdf"]

DOTS_PER_INCH = 203
LABEL_DOTS: dict[str, tuple[int, int]] = {"2x1": (406, 203), "4x6": (812, 1218)}

DEFAULT_CJK_FONT = "E:ANMDJ.TTF"
"""Printer-resident font used for text that is not plain ASCII.

Andale Mono WT J, the CJK TrueType font of Zebra's Asian font kits: it covers the CJK unified
ideographs, so Chinese addresses print. A printer with the Simplified Chinese kit may name
E:ANMDS.TTF instead; any font name the printer lists (^WD) can be passed as `font`.
Plain ASCII text uses the built-in scalable font 0, which every Zebra printer has.
"""

CODE128_QUIET_MODULES = 10


class LabelError(ValueError):
    """A label cannot be made from this data (a code Code 128 cannot carry, text too long)."""


@dataclass(frozen=True)
class LabelSpec:
    """One of our own labels: `code` is the barcode content, `title` what a person reads."""

    code: str
    title: str
    subtitle: str = ""


@dataclass(frozen=True)
class ShippingLabel:
    """Everything printed on a parcel's 4x6 in shipping label."""

    order_code: str
    tracking_number: str
    carrier: str
    service: str
    weight_kg: float
    ship_to_name: str
    address_lines: tuple[str, ...]
    city: str
    postcode: str
    country: str
    phone: str = ""
    parcel_code: str = ""
    parcel_number: int = 1
    parcel_count: int = 1
    reprint: bool = False


# --- text and barcode data -------------------------------------------------------------------


def printable_text(text: str) -> str:
    """`text` with control characters (tabs, line breaks, NUL…) turned into spaces."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _check_barcode_data(data: str) -> str:
    """Refuse what a ZPL ^BC field cannot carry as plain Code 128 subset B data.

    ^ and ~ start ZPL commands and > starts a ^BC subset invocation, so none may appear.
    """
    if not data or any(not " " <= ch <= "~" or ch in "^~>" for ch in data):
        raise LabelError(_("{code!r} cannot be printed as a Code 128 barcode").format(code=data))
    return data


def code128_modules(data: str) -> int:
    """Width in modules of `data` as Code 128 subset B: start, data, check, stop."""
    return 11 * (len(data) + 2) + 13


def _module_width_to_fit(data: str, width: int, widest: int) -> int:
    """The widest module (dots) at which `data` and its quiet zones fit in `width` dots."""
    modules = code128_modules(data) + 2 * CODE128_QUIET_MODULES
    for module in range(widest, 0, -1):
        if modules * module <= width:
            return module
    raise LabelError(_("{code!r} is too long for this label").format(code=data))


# --- ZPL writing -------------------------------------------------------------------------------

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
    return f"^FO{x},{y}^BY{module}^BCN,{height},Y,N,N^FD{_check_barcode_data(data)}^FS"


def _centred_barcode(data: str, *, left: int, width: int, y: int, height: int, widest: int) -> str:
    module = _module_width_to_fit(_check_barcode_data(data), width, widest)
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
    cells = sum(2 if _is_wide(ch) else 1 for ch in text)
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
    """A 4x6 in shipping label: carrier and service, ship-to, weight, order and tracking codes."""
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
    return _document("4x6", fields)


# --- ZPL reading ---------------------------------------------------------------------------------


class ZplSyntaxError(ValueError):
    """The text is not a sequence of well-formed ^XA … ^XZ label formats."""


@dataclass(frozen=True)
class ZplField:
    """One printed field (text or barcode) of a label, as its ^FD data would print."""

    x: int
    y: int
    data: str
    font: str | None = None
    font_height: int | None = None
    barcode: str | None = None
    barcode_height: int | None = None
    module_width: int | None = None
    interpretation_line: bool = False
    block_width: int | None = None
    reverse: bool = False


@dataclass
class ZplLabel:
    """One ^XA … ^XZ format: its commands in order (e.g. "^CI28") and its fields."""

    commands: list[str] = field(default_factory=list)
    fields: list[ZplField] = field(default_factory=list)
    charset: int | None = None
    print_width: int | None = None
    label_length: int | None = None


_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_COMMAND = re.compile(r"([\^~])([^\^~]{0,2})([^\^~]*)", re.S)


def _int(value: str, default: int | None = None) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else default


def _params(text: str) -> list[str]:
    return text.split(",")


def _decode_hex(data: str, indicator: str) -> str:
    """Undo ^FH escapes: `indicator` followed by two hex digits is one byte of UTF-8."""
    out = bytearray()
    index = 0
    while index < len(data):
        pair = data[index + 1 : index + 3]
        if data[index] == indicator and _HEX_PAIR.fullmatch(pair):
            out.append(int(pair, 16))
            index += 3
        else:
            out += data[index].encode("utf-8", "surrogatepass")
            index += 1
    return out.decode("utf-8", "replace")


def _decode_block(data: str) -> str:
    r"""Undo ^FB escapes: \\ is a backslash, \& a line break."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "&" else m.group(1), data)


@dataclass
class _FieldState:
    x: int = 0
    y: int = 0
    font: str | None = None
    font_height: int | None = None
    barcode: str | None = None
    barcode_height: int | None = None
    interpretation_line: bool = False
    block_width: int | None = None
    hex_indicator: str | None = None
    reverse: bool = False
    data: str | None = None


def _apply_field_command(state: _FieldState, code: str, params: str) -> None:
    values = _params(params)
    if code in ("FO", "FT"):
        state.x = _int(values[0], 0) or 0
        state.y = (_int(values[1], 0) or 0) if len(values) > 1 else 0
    elif code == "A@":
        state.font = values[3].strip() if len(values) > 3 else None
        state.font_height = _int(values[1]) if len(values) > 1 else None
    elif code.startswith("A"):
        state.font = code[1:]
        state.font_height = _int(values[1]) if len(values) > 1 else None
    elif code.startswith("B") and code != "BY":
        state.barcode = code
        state.barcode_height = _int(values[1]) if len(values) > 1 else None
        state.interpretation_line = (values[2].strip() if len(values) > 2 else "Y") != "N"
    elif code == "FB":
        state.block_width = _int(values[0])
    elif code == "FH":
        state.hex_indicator = params[:1] or "_"
    elif code == "FR":
        state.reverse = True
    elif code == "FD":
        state.data = params


def _finished_field(state: _FieldState, module_width: int | None) -> ZplField | None:
    if state.data is None:
        return None
    data = state.data
    if state.hex_indicator:
        data = _decode_hex(data, state.hex_indicator)
    if state.block_width is not None:
        data = _decode_block(data)
    return ZplField(
        x=state.x,
        y=state.y,
        data=data,
        font=state.font,
        font_height=state.font_height,
        barcode=state.barcode,
        barcode_height=state.barcode_height,
        module_width=module_width if state.barcode else None,
        interpretation_line=state.interpretation_line if state.barcode else False,
        block_width=state.block_width,
        reverse=state.reverse,
    )


def parse_zpl_labels(zpl: str) -> list[ZplLabel]:
    """Read ZPL back into labels and fields; raise ZplSyntaxError if ^XA/^XZ do not pair up.

    Line breaks are ignored, as a printer ignores them. ~ commands (~HS…) may stand between
    labels; anything else outside ^XA … ^XZ is refused.
    """
    labels: list[ZplLabel] = []
    label: ZplLabel | None = None
    state = _FieldState()
    module_width: int | None = None
    text = zpl.replace("\r", "").replace("\n", "")
    first = min((i for i in (text.find("^"), text.find("~")) if i >= 0), default=len(text))
    if text[:first].strip():
        raise ZplSyntaxError(_("Text outside a label format: {text!r}").format(text=text[:first]))
    for prefix, code, params in _COMMAND.findall(text[first:]):
        command = prefix + code
        if command == "^XA":
            if label is not None:
                raise ZplSyntaxError(_("^XA inside a label format"))
            label, state, module_width = ZplLabel(), _FieldState(), None
            label.commands.append(command)
            continue
        if label is None:
            if prefix == "~":
                continue
            raise ZplSyntaxError(_("{command} outside ^XA … ^XZ").format(command=command))
        label.commands.append(command + params)
        if command == "^XZ":
            labels.append(label)
            label = None
        elif command == "^CI":
            label.charset = _int(params)
        elif command == "^PW":
            label.print_width = _int(params)
        elif command == "^LL":
            label.label_length = _int(params)
        elif command == "^BY":
            module_width = _int(_params(params)[0])
        elif command == "^FS":
            finished = _finished_field(state, module_width)
            if finished is not None:
                label.fields.append(finished)
            state = _FieldState()
        elif prefix == "^":
            _apply_field_command(state, code, params)
    if label is not None:
        raise ZplSyntaxError(_("A label format has no ^XZ"))
    return labels


def parse_zpl_fields(zpl: str) -> list[ZplField]:
    """Every field of every label in `zpl`, in order."""
    return [item for label in parse_zpl_labels(zpl) for item in label.fields]


# --- sheets for office printers -----------------------------------------------------------------

PX_PER_MM = 10
"""Sheets are drawn at 10 px per mm (254 dpi): whole-pixel modules of 0.1 mm steps."""

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_CJK_FONT_FILES = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "NotoSerifCJK-Regular.ttc",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
)
_LATIN_FONT_FILES = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "FreeSans.ttf")
SVG_FONT_FAMILY = (
    "'DejaVu Sans', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif"
)


@functools.cache
def _installed_font(names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in _FONT_DIRS:
            if folder.is_dir():
                found = next(folder.rglob(name), None)
                if found is not None:
                    return found
    return None


def cjk_font_path() -> Path | None:
    """An installed font with Chinese glyphs (Noto CJK, WenQuanYi…), or None."""
    return _installed_font(_CJK_FONT_FILES)


def font_path_for(text: str) -> Path | None:
    """The installed font to draw `text` with: a CJK one when it has wide characters."""
    if any(_is_wide(ch) for ch in text):
        return cjk_font_path() or _installed_font(_LATIN_FONT_FILES)
    return _installed_font(_LATIN_FONT_FILES) or cjk_font_path()


@functools.cache
def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


@dataclass(frozen=True)
class SheetLayout:
    """A grid of labels on the page, in millimetres (default: 3 x 8 labels of 64 x 34 on A4)."""

    columns: int = 3
    rows: int = 8
    label_width: float = 64.0
    label_height: float = 34.0
    gap_x: float = 3.0
    gap_y: float = 1.0
    margin_x: float = 6.0
    margin_y: float = 9.0
    page_width: float = 210.0
    page_height: float = 297.0

    def origin(self, index: int) -> tuple[float, float]:
        """Top-left corner of the `index`-th label of a page or of one endless sheet."""
        row, column = divmod(index, self.columns)
        return (
            self.margin_x + column * (self.label_width + self.gap_x),
            self.margin_y + row * (self.label_height + self.gap_y),
        )

    def sheet_size(self, count: int) -> tuple[float, float]:
        """Size of one endless sheet (PNG, SVG) that holds `count` labels."""
        rows = max(1, math.ceil(count / self.columns))
        return (
            2 * self.margin_x + self.columns * self.label_width + (self.columns - 1) * self.gap_x,
            2 * self.margin_y + rows * self.label_height + (rows - 1) * self.gap_y,
        )


DEFAULT_SHEET = SheetLayout()

# Inside a label, in mm: padding, bar height, then the lines of text under the bars.
_PAD = 2.0
_BAR_HEIGHT = 15.0
_CODE_TEXT = 2.6
_TITLE_TEXT = 5.6
_SUBTITLE_TEXT = 3.0
_WIDEST_MODULE_PX = 3


def _sheet_module_px(code: str, width_mm: float) -> int:
    """Module width in pixels at which the symbol with quiet zones fits the label's width."""
    modules = len(Code128(_check_barcode_data(code)).build()[0]) + 2 * CODE128_QUIET_MODULES
    module = min(_WIDEST_MODULE_PX, int((width_mm - 2 * _PAD) * PX_PER_MM) // modules)
    if module < 1:
        raise LabelError(_("{code!r} is too long for this label").format(code=code))
    return module


def _svg_symbol(code: str, module_px: int) -> ET.Element:
    """python-barcode's SVG of `code`: bars as rects in mm, quiet zones included."""
    module_mm = module_px / PX_PER_MM
    options = {
        "module_width": module_mm,
        "module_height": _BAR_HEIGHT,
        "quiet_zone": CODE128_QUIET_MODULES * module_mm,
        "margin_top": 0,
        "margin_bottom": 0,
        "write_text": False,
        "with_doctype": False,
    }
    return ET.fromstring(Code128(code, writer=SVGWriter()).render(options))


def _bars_image(code: str, module_px: int) -> Image.Image:
    """The symbol of `code`, quiet zones included, drawn module by module in whole pixels.

    python-barcode encodes; its ImageWriter is not used because it places bars at fractional
    pixel positions (millimetres times dpi), which leaves bars a pixel too wide or narrow.
    """
    pattern = Code128(code).build()[0]
    height = round(_BAR_HEIGHT * PX_PER_MM)
    width = (len(pattern) + 2 * CODE128_QUIET_MODULES) * module_px
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for index, module in enumerate(pattern):
        if module == "1":
            left = (CODE128_QUIET_MODULES + index) * module_px
            draw.rectangle((left, 0, left + module_px - 1, height - 1), fill=0)
    return image


def _draw_centred_text(
    draw: ImageDraw.ImageDraw, text: str, *, centre_x: float, top: float, size: int, width: float
) -> None:
    """Draw `text` centred, shrunk until it fits `width` pixels."""
    path = font_path_for(text)
    while True:
        font = _font(path, size)
        if draw.textlength(text, font=font) <= width or size <= 8:
            break
        size -= 2
    draw.text((centre_x, top), text, font=font, fill=0, anchor="mt")


def label_image(spec: LabelSpec, layout: SheetLayout = DEFAULT_SHEET) -> Image.Image:
    """One label as a greyscale image at PX_PER_MM: bars, the code, title and subtitle."""
    width = round(layout.label_width * PX_PER_MM)
    height = round(layout.label_height * PX_PER_MM)
    tile = Image.new("L", (width, height), 255)
    module = _sheet_module_px(spec.code, layout.label_width)
    bars = _bars_image(spec.code, module)
    top = round(_PAD * PX_PER_MM)
    tile.paste(bars, ((width - bars.width) // 2, top))
    draw = ImageDraw.Draw(tile)
    draw.rectangle((0, 0, width - 1, height - 1), outline=200)
    text_width = width - 2 * _PAD * PX_PER_MM
    y = top + bars.height + PX_PER_MM
    for text, size_mm in (
        (spec.code, _CODE_TEXT),
        (printable_text(spec.title), _TITLE_TEXT),
        (printable_text(spec.subtitle), _SUBTITLE_TEXT),
    ):
        if text:
            size = round(size_mm * PX_PER_MM)
            _draw_centred_text(draw, text, centre_x=width / 2, top=y, size=size, width=text_width)
            y += size + PX_PER_MM
    return tile


def _png_sheet(specs: Sequence[LabelSpec], layout: SheetLayout) -> bytes:
    width_mm, height_mm = layout.sheet_size(len(specs))
    sheet = Image.new("L", (round(width_mm * PX_PER_MM), round(height_mm * PX_PER_MM)), 255)
    for index, spec in enumerate(specs):
        x, y = layout.origin(index)
        sheet.paste(label_image(spec, layout), (round(x * PX_PER_MM), round(y * PX_PER_MM)))
    out = io.BytesIO()
    sheet.save(out, format="PNG", dpi=(254, 254))
    return out.getvalue()


def _pdf_sheet(specs: Sequence[LabelSpec], layout: SheetLayout) -> bytes:
    pdf = FPDF(unit="mm", format=(layout.page_width, layout.page_height))
    pdf.set_auto_page_break(False)
    pdf.set_title("Labels")
    per_page = layout.columns * layout.rows
    for index, spec in enumerate(specs):
        if index % per_page == 0:
            pdf.add_page()
        x, y = layout.origin(index % per_page)
        pdf.image(label_image(spec, layout), x=x, y=y, w=layout.label_width, h=layout.label_height)
    return bytes(pdf.output())


def _mm(value: str) -> float:
    return float(value.removesuffix("mm"))


def _svg_label(spec: LabelSpec, layout: SheetLayout, x: float, y: float) -> ET.Element:
    """One label as an SVG group in mm user units, its bars taken from python-barcode."""
    group = ET.Element("g", transform=f"translate({x:.3f} {y:.3f})")
    outline = {"fill": "white", "stroke": "#c8c8c8", "stroke-width": "0.1"}
    ET.SubElement(
        group,
        "rect",
        x="0",
        y="0",
        width=f"{layout.label_width:.3f}",
        height=f"{layout.label_height:.3f}",
        attrib=outline,
    )
    module = _sheet_module_px(spec.code, layout.label_width)
    symbol = _svg_symbol(spec.code, module)
    symbol_width = _mm(symbol.attrib["width"])
    left = (layout.label_width - symbol_width) / 2
    for bar in symbol.iter("{http://www.w3.org/2000/svg}rect"):
        if "x" in bar.attrib:
            ET.SubElement(
                group,
                "rect",
                x=f"{left + _mm(bar.attrib['x']):.3f}",
                y=f"{_PAD + _mm(bar.attrib['y']):.3f}",
                width=f"{_mm(bar.attrib['width']):.3f}",
                height=f"{_mm(bar.attrib['height']):.3f}",
                fill="black",
            )
    baseline = _PAD + _BAR_HEIGHT + 1
    for text, size in (
        (spec.code, _CODE_TEXT),
        (printable_text(spec.title), _TITLE_TEXT),
        (printable_text(spec.subtitle), _SUBTITLE_TEXT),
    ):
        if text:
            baseline += size
            element = ET.SubElement(
                group,
                "text",
                {
                    "x": f"{layout.label_width / 2:.3f}",
                    "y": f"{baseline:.3f}",
                    "font-size": f"{size:.2f}",
                    "font-family": SVG_FONT_FAMILY,
                    "text-anchor": "middle",
                },
            )
            element.text = text
            baseline += 1
    return group


def _svg_sheet(specs: Sequence[LabelSpec], layout: SheetLayout) -> bytes:
    width, height = layout.sheet_size(len(specs))
    root = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        version="1.1",
        width=f"{width:.3f}mm",
        height=f"{height:.3f}mm",
        viewBox=f"0 0 {width:.3f} {height:.3f}",
    )
    for index, spec in enumerate(specs):
        root.append(_svg_label(spec, layout, *layout.origin(index)))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


_SHEET_WRITERS = {"png": _png_sheet, "svg": _svg_sheet, "pdf": _pdf_sheet}


def render_sheet(
    specs: Sequence[LabelSpec], fmt: SheetFormat = "png", *, layout: SheetLayout = DEFAULT_SHEET
) -> bytes:
    """Labels in a grid for an office printer: PDF on pages, PNG and SVG as one tall sheet."""
    if fmt not in _SHEET_WRITERS:
        raise LabelError(_("Unknown sheet format {fmt!r}: use png, svg or pdf").format(fmt=fmt))
    if not specs:
        raise LabelError(_("There are no labels to print"))
    return _SHEET_WRITERS[fmt](specs, layout)
