"""GS1 element strings and GS1 Digital Link URIs, read through biip.

Kept apart from `barcodes` because importing biip costs about a quarter of a second: the
scan parser imports this module only when a scan actually looks like GS1 data, so a plain
EAN-13 (the pack-station hot path) and the app's start never pay for it.

Both readers return either the fields we use (`Gs1Data`) or why the scan cannot be used
(`Gs1Problem`); neither raises on bad input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urlsplit

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString

GROUP_SEPARATOR = "\x1d"
"""ASCII 29, which scanners send for FNC1 between variable-length elements."""

# Dates are checked here rather than by biip so a bad date is told apart from a garbled scan.
_CONFIG = ParseConfig(gs1_element_strings_verify_date=False)
_DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})

# Digital Link 1.0 short names still printed on packs, e.g. /gtin/…/lot/…?exp=…
_DIGITAL_LINK_ALIASES = {"gtin": "01", "sscc": "00", "lot": "10", "ser": "21", "exp": "17"}
_DIGITAL_LINK_PRIMARY_KEYS = frozenset({"01", "00", "gtin", "sscc"})


class Gs1Problem(StrEnum):
    CHECK_DIGIT = "check_digit"
    BAD_DATE = "bad_date"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Gs1Data:
    """The element strings a warehouse acts on; AIs not listed here are read and ignored.
    `gtin` is AI 01, else AI 02 (the trade items inside a logistic unit)."""

    gtin: str | None = None
    sscc: str | None = None
    batch: str | None = None
    serial: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    production_date: dt.date | None = None
    net_weight_kg: Decimal | None = None
    count: int | None = None
    order_number: str | None = None
    ship_to_postcode: str | None = None


def parse_element_string(text: str) -> Gs1Data | Gs1Problem:
    """Read a GS1 element string whose FNC1 separators are already ASCII 29.

    Separators are accepted between any two elements and at either end.
    """
    elements: list[GS1ElementString] = []
    rest = text.strip(GROUP_SEPARATOR)
    if not rest:
        return Gs1Problem.UNREADABLE
    while rest:
        try:
            element = GS1ElementString.extract(rest, config=_CONFIG)
        except ParseError:
            return Gs1Problem.BAD_DATE if _starts_with_date_element(rest) else Gs1Problem.UNREADABLE
        elements.append(element)
        rest = rest[len(element) :].lstrip(GROUP_SEPARATOR)
    return _data_from_elements(elements)


def parse_hri(text: str) -> Gs1Data | Gs1Problem:
    """Read the human-readable form, e.g. "(01)09501101020917(17)190508(10)ABC123".

    Blanks are dropped, as printed forms often space the elements; no GS1 value holds one.
    """
    text = "".join(text.split())
    if not text.startswith("("):
        return Gs1Problem.UNREADABLE
    pieces = text[1:].split("(")
    element_strings = []
    for piece in pieces:
        ai, closed, value = piece.partition(")")
        if not closed or not ai.isdecimal():
            return Gs1Problem.UNREADABLE
        element_strings.append(ai + value)
    return parse_element_string(GROUP_SEPARATOR.join(element_strings))


def parse_digital_link(uri: str) -> Gs1Data | Gs1Problem:
    """Read a GS1 Digital Link URI: https://any.host/any/prefix/01/<gtin>/10/<batch>?17=…

    Key/value pairs in the path after the primary key and numeric query parameters naming a
    known AI become elements; other query parameters are ignored, as the standard asks.
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return Gs1Problem.UNREADABLE
    segments = parts.path.split("/")
    start = next(
        (i for i, segment in enumerate(segments) if segment in _DIGITAL_LINK_PRIMARY_KEYS), None
    )
    if start is None:
        return Gs1Problem.UNREADABLE
    path_pairs = segments[start:]
    if path_pairs[-1] == "":
        path_pairs.pop()
    if len(path_pairs) % 2:
        return Gs1Problem.UNREADABLE
    pairs = [(path_pairs[i], unquote(path_pairs[i + 1])) for i in range(0, len(path_pairs), 2)]
    pairs += [
        (key, value)
        for key, value in parse_qsl(parts.query)
        if _known_ai(_DIGITAL_LINK_ALIASES.get(key, key))
    ]
    elements = []
    for key, value in pairs:
        ai = _DIGITAL_LINK_ALIASES.get(key, key)
        if not _known_ai(ai):
            return Gs1Problem.UNREADABLE
        if ai == "01":
            value = value.zfill(14)
        try:
            elements.append(GS1ElementString.parse(ai + value, config=_CONFIG))
        except ParseError:
            return Gs1Problem.BAD_DATE if ai in _DATE_AIS else Gs1Problem.UNREADABLE
    return _data_from_elements(elements)


def _known_ai(ai: str) -> bool:
    if not ai.isdecimal():
        return False
    try:
        return GS1ApplicationIdentifier.extract(ai).ai == ai
    except ParseError:
        return False


def _starts_with_date_element(text: str) -> bool:
    """A date AI followed by six digits that biip refused: a date such as month 13."""
    return text[:2] in _DATE_AIS and len(text) >= 8 and text[2:8].isdecimal()


def _element_problem(element: GS1ElementString) -> Gs1Problem | None:
    if element.gtin_error or element.sscc_error or element.gln_error:
        return Gs1Problem.CHECK_DIGIT
    if element.ai.ai in _DATE_AIS and element.date is None:
        return Gs1Problem.BAD_DATE
    return None


def _data_from_elements(elements: list[GS1ElementString]) -> Gs1Data | Gs1Problem:
    """Keep the first value of each AI; any wrong check digit or impossible date spoils all."""
    values: dict[str, GS1ElementString] = {}
    for element in elements:
        problem = _element_problem(element)
        if problem is not None:
            return problem
        values.setdefault(element.ai.ai, element)
    gtin = values.get("01") or values.get("02")
    weight = next((values[ai] for ai in sorted(values) if ai.startswith("310")), None)
    return Gs1Data(
        gtin=gtin.value if gtin else None,
        sscc=_value(values, "00"),
        batch=_value(values, "10"),
        serial=_value(values, "21"),
        expiry=_date(values, "17"),
        best_before=_date(values, "15"),
        production_date=_date(values, "11"),
        net_weight_kg=weight.decimal if weight else None,
        count=int(values["37"].value) if "37" in values else None,
        order_number=_value(values, "400"),
        ship_to_postcode=_value(values, "420"),
    )


def _value(values: dict[str, GS1ElementString], ai: str) -> str | None:
    element = values.get(ai)
    return element.value if element else None


def _date(values: dict[str, GS1ElementString], ai: str) -> dt.date | None:
    element = values.get(ai)
    return element.date if element else None
