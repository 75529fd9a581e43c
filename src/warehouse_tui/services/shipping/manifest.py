"""The day's manifest of a carrier, as rows, CSV and PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from warehouse_tui.devices.printer import write_output_file
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Order,
    Parcel,
    ParcelStatus,
)

if TYPE_CHECKING:
    from fpdf import FPDF
from warehouse_tui.services.shipping.announce import parcel_label
from warehouse_tui.services.shipping.load import local_day_bounds


@dataclass(frozen=True)
class ManifestRow:
    parcel: str
    tracking: str
    order: str
    shop: str
    service: str
    ship_name: str
    city: str
    postcode: str
    country: str
    weight_g: int | None
    loaded_at: datetime


MANIFEST_COLUMNS = (
    "parcel",
    "tracking",
    "order",
    "shop",
    "service",
    "ship_name",
    "city",
    "postcode",
    "country",
    "weight_g",
    "loaded_at",
)


def manifest(store: Store, carrier_code: str, day: date) -> list[ManifestRow]:
    """The parcels handed to `carrier_code` on the warehouse's local `day`, in loading order."""
    with store.read() as session:
        start, end = local_day_bounds(session, day)
        rows = session.execute(
            select(Parcel, Order)
            .join(Order, col(Order.id) == col(Parcel.order_id))
            .where(col(Parcel.carrier) == carrier_code)
            .where(col(Parcel.status) == ParcelStatus.LOADED)
            .where(col(Parcel.loaded_at) >= start)
            .where(col(Parcel.loaded_at) < end)
            .order_by(col(Parcel.loaded_at), col(Parcel.id))
        ).all()
    return [
        ManifestRow(
            parcel=parcel_label(parcel.id),
            tracking=parcel.tracking or "",
            order=order.shop_order_id,
            shop=order.shop,
            service=parcel.service or order.service,
            ship_name=order.ship_name,
            city=order.ship_city,
            postcode=order.ship_postcode,
            country=order.ship_country,
            weight_g=parcel.weight_g,
            loaded_at=parcel.loaded_at or start,
        )
        for parcel, order in rows
    ]


def manifest_csv(rows: Sequence[ManifestRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.parcel,
                row.tracking,
                row.order,
                row.shop,
                row.service,
                row.ship_name,
                row.city,
                row.postcode,
                row.country,
                "" if row.weight_g is None else row.weight_g,
                row.loaded_at.astimezone(UTC).isoformat(),
            ]
        )
    return out.getvalue()


_PDF_COLUMNS: tuple[tuple[str, float], ...] = (
    ("#", 10),
    ("Parcel", 25),
    ("Tracking", 48),
    ("Order", 32),
    ("Ship to", 62),
    ("City", 40),
    ("Postcode", 22),
    ("Country", 16),
    ("kg", 22),
)


def manifest_pdf(
    rows: Sequence[ManifestRow],
    carrier: str,
    day: date,
    *,
    font: Path | None = None,
) -> bytes:
    """The manifest as an A4 landscape PDF. `font` is a TrueType/OpenType file to write with
    (a CJK one, so Chinese names print); without one, built-in Helvetica, where characters it
    cannot show become "?"."""
    from fpdf import FPDF, FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Manifest {carrier} {day.isoformat()}")
    covered = _add_font(pdf, font)
    pdf.add_page()

    def text(value: str) -> str:
        return "".join(ch if covered(ch) else "?" for ch in value)

    pdf.set_font(size=14)
    pdf.cell(0, 9, text(f"Manifest — {carrier} — {day.isoformat()}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=9)
    weight = sum(row.weight_g or 0 for row in rows) / 1000
    pdf.cell(
        0, 6, text(f"Parcels: {len(rows)}   Total: {weight:.3f} kg"), new_x="LMARGIN", new_y="NEXT"
    )
    with pdf.table(
        col_widths=tuple(width for _name, width in _PDF_COLUMNS),
        text_align="LEFT",
        line_height=5,
        first_row_as_headings=True,
        # Plain (not bold) headings: a TrueType font is added in one style only.
        headings_style=FontFace(fill_color=(225, 225, 225)),
    ) as table:
        table.row([name for name, _width in _PDF_COLUMNS])
        for number, row in enumerate(rows, start=1):
            kg = "" if row.weight_g is None else f"{row.weight_g / 1000:.3f}"
            cells = (str(number), row.parcel, row.tracking, row.order, row.ship_name, row.city)
            table.row([text(cell) for cell in (*cells, row.postcode, row.country, kg)])
    pdf.ln(10)
    pdf.cell(0, 6, text("Driver signature: ______________________   Time: ________"))
    return bytes(pdf.output())


def _add_font(pdf: FPDF, font: Path | None) -> Callable[[str], bool]:
    """Select `font` (or Helvetica) on `pdf`; return a test of which characters it can show."""
    if font is None:
        pdf.set_font("helvetica")
        return lambda ch: ord(ch) < 256
    from fontTools.ttLib import TTFont

    pdf.add_font("manifest", fname=str(font))
    pdf.set_font("manifest")
    with TTFont(str(font), fontNumber=0, lazy=True) as face:
        codepoints = frozenset(face.getBestCmap())
    return lambda ch: ord(ch) in codepoints


def manifest_font() -> Path | None:
    """A CJK font if one is installed (Chinese names), else a Unicode Latin one, else None."""
    from warehouse_tui.devices.labels import cjk_font_path, font_path_for

    return cjk_font_path() or font_path_for("")


def write_manifest(store: Store, carrier_code: str, day: date, out: Path) -> int:
    """Write the manifest to `out` as CSV or PDF (by its suffix); return the parcel count."""
    rows = manifest(store, carrier_code, day)
    if out.suffix.lower() == ".pdf":
        write_output_file(out, manifest_pdf(rows, carrier_code, day, font=manifest_font()))
    else:
        write_output_file(out, manifest_csv(rows).encode("utf-8"))
    return len(rows)
