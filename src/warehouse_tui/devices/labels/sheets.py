"""Labels on sheets for office printers: PNG and SVG as one tall sheet, PDF on pages.

The bars are drawn module by module in whole pixels (or taken from python-barcode's SVG in
millimetres), so a scanner reads a printed sheet as it reads a thermal label; text is drawn
with an installed font that has the glyphs it needs (a CJK one for Chinese names).
"""

from __future__ import annotations

import functools
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from barcode import Code128
from barcode.writer import SVGWriter
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from warehouse_tui.devices.labels.spec import (
    CODE128_QUIET_MODULES,
    LabelError,
    LabelSpec,
    check_barcode_data,
    is_wide,
    printable_text,
)
from warehouse_tui.i18n import _

SheetFormat = Literal["png", "svg", "pdf"]


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
    if any(is_wide(ch) for ch in text):
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
    modules = len(Code128(check_barcode_data(code)).build()[0]) + 2 * CODE128_QUIET_MODULES
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
    # typeshed types tostring() with an encoding other than "unicode" as Any; utf-8 gives bytes.
    sheet: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return sheet


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
