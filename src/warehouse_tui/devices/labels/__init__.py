"""Label documents as bytes: ZPL for thermal printers, PNG / SVG / PDF sheets for office printers.

Our own labels (location, tote, slot, order, parcel, box, badge) carry a Code 128 symbol of their
code (`LOC-…`, `TOTE-…`, the prefixes `domain.barcodes` reads back) and a human-readable title;
the shipping label is a 4x6 in ZPL document. What a label says, and the rules shared by every
way of drawing it, are in `spec`; `zpl` writes thermal-printer documents and `sheets` draws
pages. Callers import from here.
"""

from warehouse_tui.devices.labels.sheets import (
    DEFAULT_SHEET,
    PX_PER_MM,
    SVG_FONT_FAMILY,
    SheetFormat,
    SheetLayout,
    cjk_font_path,
    font_path_for,
    label_image,
    render_sheet,
)
from warehouse_tui.devices.labels.spec import (
    CODE128_QUIET_MODULES,
    LabelError,
    LabelSize,
    LabelSpec,
    ShippingLabel,
    code128_modules,
    printable_text,
)
from warehouse_tui.devices.labels.zpl import (
    DEFAULT_CJK_FONT,
    DOTS_PER_INCH,
    LABEL_DOTS,
    zpl_field_data,
    zpl_label,
    zpl_labels,
    zpl_shipping_label,
)

__all__ = [
    "CODE128_QUIET_MODULES",
    "DEFAULT_CJK_FONT",
    "DEFAULT_SHEET",
    "DOTS_PER_INCH",
    "LABEL_DOTS",
    "PX_PER_MM",
    "SVG_FONT_FAMILY",
    "LabelError",
    "LabelSize",
    "LabelSpec",
    "SheetFormat",
    "SheetLayout",
    "ShippingLabel",
    "cjk_font_path",
    "code128_modules",
    "font_path_for",
    "label_image",
    "printable_text",
    "render_sheet",
    "zpl_field_data",
    "zpl_label",
    "zpl_labels",
    "zpl_shipping_label",
]
