"""PNG, SVG and PDF label sheets: every label must scan back with zxing-cpp."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw

from warehouse_tui.devices.labels import (
    DEFAULT_SHEET,
    PX_PER_MM,
    LabelError,
    LabelSpec,
    cjk_font_path,
    label_image,
    render_sheet,
)

SVG = "{http://www.w3.org/2000/svg}"
MM_TO_PT = 72 / 25.4

SPECS = [
    LabelSpec("LOC-A03-12-2", "A03-12-2", "Zone A"),
    LabelSpec("TOTE-0042", "Tote 42"),
    LabelSpec("WALL-1-07", "Wall 1 · slot 07"),
    LabelSpec("ORD-10023", "Order 10023", '<&> "quoted"\x00'),
    LabelSpec("PCL-5531", "Parcel 5531"),
    LabelSpec("BOX-M2", "Box M2", "30 x 20 x 15 cm"),
    LabelSpec("OP-0007", "张伟", "主管"),
]


def decoded(image: Image.Image) -> list[str]:
    return sorted(
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.Code128
    )


def expected(specs: list[LabelSpec]) -> list[str]:
    return sorted(spec.code for spec in specs)


def test_png_sheet_scans_back() -> None:
    specs = SPECS + [LabelSpec(f"LOC-B{n:02d}-01-1", f"B{n:02d}-01-1") for n in range(20)]
    image = Image.open(io.BytesIO(render_sheet(specs, "png")))
    assert image.format == "PNG"
    assert image.height > image.width  # one tall sheet, three labels a row
    assert decoded(image) == expected(specs)


def test_each_label_image_scans_back_alone() -> None:
    for spec in SPECS:
        assert decoded(label_image(spec)) == [spec.code]


def test_long_code_gets_narrower_modules_and_still_scans() -> None:
    spec = LabelSpec("LOC-" + "A1" * 16, "long")
    assert decoded(label_image(spec)) == [spec.code]


def test_code_too_long_for_a_sheet_label_is_refused() -> None:
    with pytest.raises(LabelError, match="too long"):
        render_sheet([LabelSpec("LOC-" + "A" * 60, "x")], "png")


def test_empty_or_unknown_format_is_refused() -> None:
    with pytest.raises(LabelError):
        render_sheet([], "png")
    with pytest.raises(LabelError):
        render_sheet(SPECS, "gif")  # type: ignore[arg-type]


# --- SVG ---------------------------------------------------------------------------------------


def _translate(transform: str) -> tuple[float, float]:
    match = re.fullmatch(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", transform)
    assert match, transform
    return float(match.group(1)), float(match.group(2))


def rasterise_svg_rects(svg: bytes, scale: int = PX_PER_MM) -> Image.Image:
    """Draw the black rects of a sheet (groups translated in mm user units) at `scale` px/mm.

    Enough to read the bars back when no SVG renderer is installed; text is not drawn.
    """
    root = ET.fromstring(svg)
    _x, _y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for group in root.iter(f"{SVG}g"):
        dx, dy = _translate(group.attrib["transform"])
        for rect in group.iter(f"{SVG}rect"):
            if rect.attrib.get("fill") != "black":
                continue
            x, y = dx + float(rect.attrib["x"]), dy + float(rect.attrib["y"])
            w, h = float(rect.attrib["width"]), float(rect.attrib["height"])
            box = (
                round(x * scale),
                round(y * scale),
                round((x + w) * scale),
                round((y + h) * scale),
            )
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
    return image


def test_svg_sheet_is_one_document_that_scans_back() -> None:
    svg = render_sheet(SPECS, "svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.attrib["width"].endswith("mm")
    assert len(root.findall(f"{SVG}g")) == len(SPECS)
    printed = [element.text for element in root.iter(f"{SVG}text")]
    assert "张伟" in printed
    assert '<&> "quoted" ' in printed
    assert decoded(rasterise_svg_rects(svg)) == expected(SPECS)


def test_svg_sheet_scans_back_through_cairosvg() -> None:
    try:
        import cairosvg
    except (ImportError, OSError):  # OSError: the package is there but the cairo library is not
        pytest.skip("cairosvg or libcairo is missing: the SVG is read back by the rect rasteriser")
    png = cairosvg.svg2png(bytestring=render_sheet(SPECS, "svg"), dpi=254)
    assert decoded(Image.open(io.BytesIO(png)).convert("L")) == expected(SPECS)


# --- PDF ---------------------------------------------------------------------------------------


def _unpredict_png_rows(data: bytes, width: int, height: int) -> bytes:
    """Undo the PNG row filters (/Predictor 15) of an 8-bit, one-channel image."""
    rows: list[bytearray] = []
    previous = bytearray(width)
    stride = width + 1
    for row in range(height):
        kind, line = data[row * stride], bytearray(data[row * stride + 1 : (row + 1) * stride])
        for i in range(width):
            left = line[i - 1] if i else 0
            up, up_left = previous[i], (previous[i - 1] if i else 0)
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return b"".join(rows)


def pdf_images(pdf: bytes) -> list[Image.Image]:
    """The greyscale image XObjects embedded in `pdf`, decoded without a PDF library."""
    images = []
    for match in re.finditer(rb"/Subtype\s*/Image", pdf):
        start = pdf.rfind(b" obj", 0, match.start())
        stream = re.compile(rb"stream\r?\n").search(pdf, match.end())
        assert stream is not None
        header = pdf[start : stream.start()]

        def number(key: bytes, header: bytes = header) -> int:
            found = re.search(rb"/" + key + rb"\s+(\d+)", header)
            assert found, key
            return int(found.group(1))

        assert b"/DeviceGray" in header and b"/FlateDecode" in header
        width, height = number(b"Width"), number(b"Height")
        raw = zlib.decompress(pdf[stream.end() : stream.end() + number(b"Length")])
        if b"/Predictor" in header:
            raw = _unpredict_png_rows(raw, width, height)
        images.append(Image.frombytes("L", (width, height), raw))
    return images


def pdf_placements(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """(width, height, x, y) in points of every image drawn on the pages."""
    placements = []
    for stream in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", pdf):
        body = pdf[stream.end() : stream.end() + int(stream.group(1))]
        try:
            content = zlib.decompress(body)
        except zlib.error:
            continue
        for found in re.finditer(
            rb"q ([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm /I\d+ Do Q", content
        ):
            width, height, x, y = (float(value) for value in found.groups())
            placements.append((width, height, x, y))
    return placements


def test_pdf_sheet_scans_back_and_fills_a4_pages() -> None:
    specs = SPECS + [LabelSpec(f"TOTE-{n:04d}", f"Tote {n}") for n in range(20)]
    pdf = render_sheet(specs, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 2  # 24 labels a page

    images = pdf_images(pdf)
    assert sorted(code for image in images for code in decoded(image)) == expected(specs)

    placements = pdf_placements(pdf)
    assert len(placements) == len(specs)
    page_width, page_height = 210 * MM_TO_PT, 297 * MM_TO_PT
    for width, height, x, y in placements:
        assert width == pytest.approx(DEFAULT_SHEET.label_width * MM_TO_PT, abs=0.01)
        assert height == pytest.approx(DEFAULT_SHEET.label_height * MM_TO_PT, abs=0.01)
        assert x >= 0 and x + width <= page_width
        assert y >= 0 and y + height <= page_height


def test_pdf_sheet_scans_back_through_pdftoppm(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF's images are read directly")
    (tmp_path / "sheet.pdf").write_bytes(render_sheet(SPECS, "pdf"))
    subprocess.run(
        ["pdftoppm", "-r", "254", "-gray", "-png", "sheet.pdf", "page"], cwd=tmp_path, check=True
    )
    [page] = sorted(tmp_path.glob("page*.png"))
    assert decoded(Image.open(page)) == expected(SPECS)


# --- Chinese text ---------------------------------------------------------------------------------


def _title_band(spec: LabelSpec) -> Image.Image:
    image = label_image(spec)
    top = round(21 * PX_PER_MM)
    return image.crop((0, top, image.width, top + round(7 * PX_PER_MM)))


def test_chinese_titles_draw_real_glyphs() -> None:
    if cjk_font_path() is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk or fonts-wqy): titles fall back")
    first, second = _title_band(LabelSpec("OP-0007", "仓")), _title_band(LabelSpec("OP-0007", "库"))
    assert ImageChops.difference(first, second).getbbox() is not None
    assert decoded(label_image(LabelSpec("OP-0007", "仓库"))) == ["OP-0007"]
