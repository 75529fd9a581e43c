"""What a label says, apart from how it is drawn: our own labels, the shipping label, and the
rules every drawing of them shares (which text prints, what Code 128 can carry).

ZPL for thermal printers (`zpl`) and sheets for office printers (`sheets`) both draw these, so
the refusals are the same whichever printer a station has.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from warehouse_tui.i18n import _

LabelSize = Literal["2x1", "4x6"]

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
    ship_date: str = ""
    # Sender and return address (the `return_address` setting), one line each; empty: none.
    sender: tuple[str, ...] = ()


# --- text and barcode data -------------------------------------------------------------------


def printable_text(text: str) -> str:
    """`text` with control characters (tabs, line breaks, NUL…) turned into spaces."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def check_barcode_data(data: str) -> str:
    """Refuse what a ZPL ^BC field cannot carry as plain Code 128 subset B data.

    ^ and ~ start ZPL commands and > starts a ^BC subset invocation, so none may appear.
    """
    if not data or any(not " " <= ch <= "~" or ch in "^~>" for ch in data):
        raise LabelError(_("{code!r} cannot be printed as a Code 128 barcode").format(code=data))
    return data


def code128_modules(data: str) -> int:
    """Width in modules of `data` as Code 128 subset B: start, data, check, stop."""
    return 11 * (len(data) + 2) + 13
