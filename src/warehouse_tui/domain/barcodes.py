"""Turn any scanned string into a typed `Scan`, never raising.

`parse_scan` decides in this order (the README states the same):

a. trim surrounding whitespace and CR/LF; note and strip an AIM symbology identifier
   (]C1, ]E0, ]E4, ]d2, ]Q3, ]e0 …);
b. our own labels: LOC-, TOTE-, WALL-, ORD-, PCL-, BOX-, OP- (a malformed one is that kind,
   invalid, with the form it should have);
c. a GS1 Digital Link URI (http(s)://…/01/<gtin>/…) → gs1;
d. all digits of length 8, 12, 13 or 14 with a valid check digit → product (EAN-8, UPC-A,
   EAN-13, GTIN-14; 8 digits that fail as EAN-8 are tried as UPC-E). Skipped after a GS1
   symbology identifier (]C1, ]e0, ]d2, ]Q3 …), whose data always starts with an AI;
e. a GS1 element string: after a GS1 symbology identifier, or containing the FNC1 separator
   (ASCII 29 or the configured printable stand-in), or in the "(01)…" human-readable form,
   or starting with an identity AI (00 SSCC, 01/02 GTIN) and parsing whole. The unmarked case
   is held to identity AIs because an internal code such as "10045-RED" parses as AI 10;
f. a carrier's tracking-number pattern → tracking;
g. any other code registered in the database (`lookup_code`) → product; otherwise unknown.

With `expect_tracking` (load screen, pre-printed labels) f runs right after c. A candidate that
fails its check at c, d, e or f falls through to the later steps; only if none takes the scan
is it reported invalid, as the kind and with the reason of the first failure.

A valid scan's `resolves` is what `lookup_code` says about its key: the 14-digit GTIN (else
the SSCC) for product and gs1, the label (e.g. "LOC-A03-12-2") for our own kinds, the number
for tracking. Data fields are set on valid scans only. Exceptions raised by the callables the
caller passes in (`lookup_code`, a pattern's `check`) are the caller's and propagate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from warehouse_tui.i18n import N_, _

if TYPE_CHECKING:
    from warehouse_tui.domain.gs1 import Gs1Data, Gs1Problem


class ScanKind(StrEnum):
    PRODUCT = "product"
    GS1 = "gs1"
    LOCATION = "location"
    TOTE = "tote"
    SLOT = "slot"
    ORDER = "order"
    PARCEL = "parcel"
    BOX = "box"
    BADGE = "badge"
    TRACKING = "tracking"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a code is in the database; `quantity` is how many units one scan counts (a case);
    `keyed`: a SKU named by its own text code, which is typed, not a barcode of the item."""

    type: str
    id: int
    quantity: int = 1
    keyed: bool = False


@dataclass(frozen=True, slots=True)
class TrackingPattern:
    """A carrier's tracking-number form. The pattern must match the whole scan; if it has a
    capture group, group 1 is the tracking number (e.g. inside a carrier's longer barcode)."""

    carrier: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None


@dataclass(frozen=True, kw_only=True)
class Scan:
    """One classified scan. Data fields are set on valid scans only; `code` is the value after
    our own prefix (e.g. "A03-12-2"), a tracking number, or a code found in the database."""

    raw: str
    kind: ScanKind
    valid: bool
    error: str | None = None
    symbology: str | None = None
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
    carrier: str | None = None
    code: str | None = None
    zone: str | None = None
    aisle: int | None = None
    bay: int | None = None
    level: int | None = None
    wall: int | None = None
    slot: int | None = None
    resolves: Resolved | None = None


LookupCode = Callable[[str], Resolved | None]


# --- check-digit schemes -------------------------------------------------------------------


def gs1_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 (weights 3,1 from the right): GTINs, SSCCs, USPS IMpb tracking numbers."""
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    # Summing ASCII codes (digit + 48) is several times faster than int() per digit.
    codes = digits.encode()
    by_3, by_1 = codes[-2::-2], codes[-3::-2]
    total = 3 * sum(by_3) + sum(by_1) + codes[-1] - 48 * (3 * len(by_3) + len(by_1) + 1)
    return total % 10 == 0


_UPU_S10 = re.compile(r"[A-Z]{2}(\d{8})(\d)[A-Z]{2}", re.ASCII)
_UPU_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def upu_s10_check_ok(number: str) -> bool:
    """UPU S10 postal item id (e.g. "RR123456785CN"): mod-11 over 8 digits, weights
    8 6 4 2 3 5 9 7; check = 11 - sum mod 11, where 10 → 0 and 11 → 5."""
    match = _UPU_S10.fullmatch(number)
    if match is None:
        return False
    serial, check = match.groups()
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, _UPU_S10_WEIGHTS, strict=True)) % 11
    expected = {10: 0, 11: 5}.get(remainder, remainder)
    return int(check) == expected


_UPS_1Z = re.compile(r"1Z([0-9A-Z]{15})(\d)", re.ASCII)


def ups_1z_check_ok(number: str) -> bool:
    """UPS "1Z" numbers: the 15 characters after 1Z (letters as (A=2 … I=0 …) mod 10) weighted
    1,2 alternately; check = (10 - sum mod 10) mod 10."""
    match = _UPS_1Z.fullmatch(number)
    if match is None:
        return False
    body, check = match.groups()
    values = [int(c) if c.isdigit() else (ord(c) - ord("A") + 2) % 10 for c in body]
    total = sum(values[0::2]) + 2 * sum(values[1::2])
    return int(check) == (10 - total % 10) % 10


def mod7_check_ok(number: str) -> bool:
    """Last digit = the preceding digits mod 7 (IATA air waybill serials, some express
    carriers' waybill numbers)."""
    if len(number) < 2 or not (number.isascii() and number.isdigit()):
        return False
    return int(number[:-1]) % 7 == int(number[-1])


TRACKING_CHECKS: dict[str, Callable[[str], bool]] = {
    "gs1_mod10": gs1_check_digit_ok,
    "upu_s10": upu_s10_check_ok,
    "ups_1z": ups_1z_check_ok,
    "mod7": mod7_check_ok,
}
"""Check schemes by the name a carrier row in the database can store."""


# --- step a: trim and symbology ---------------------------------------------------------------

# Python's str.strip() would also eat ASCII 28-31, and a leading GS is how some scanners send
# FNC1 in first position; so only real blanks are trimmed.
_BLANKS = " \t\r\n\v\f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501
_AIM_IDENTIFIER = re.compile(r"\][A-Za-z][0-9A-Za-z]", re.ASCII)
_GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"})
_UPC_SYMBOLOGY = "]E0"
GROUP_SEPARATOR = "\x1d"


# --- step b: our own labels -------------------------------------------------------------------


class _OwnLabel(NamedTuple):
    kind: ScanKind
    form: re.Pattern[str]
    name: str
    example: str


_OWN_LABEL = re.compile(
    r"(LOC|TOTE|WALL|ORD|PCL|BOX|OP)-(.*)", re.IGNORECASE | re.ASCII | re.DOTALL
)
_OWN_LABELS = {
    "LOC": _OwnLabel(
        ScanKind.LOCATION,
        re.compile(r"([A-Z])(\d{2})-(\d{2})-(\d)", re.ASCII),
        N_("location"),
        "LOC-A03-12-2",
    ),
    "TOTE": _OwnLabel(ScanKind.TOTE, re.compile(r"\d{1,12}", re.ASCII), N_("tote"), "TOTE-0042"),
    "WALL": _OwnLabel(
        ScanKind.SLOT, re.compile(r"(\d{1,3})-(\d{2})", re.ASCII), N_("put-wall slot"), "WALL-1-07"
    ),
    "ORD": _OwnLabel(ScanKind.ORDER, re.compile(r"\d{1,12}", re.ASCII), N_("order"), "ORD-10023"),
    "PCL": _OwnLabel(ScanKind.PARCEL, re.compile(r"\d{1,12}", re.ASCII), N_("parcel"), "PCL-5531"),
    "BOX": _OwnLabel(
        ScanKind.BOX, re.compile(r"[A-Z0-9]+(?:[-_][A-Z0-9]+)*", re.ASCII), N_("box"), "BOX-M2"
    ),
    "OP": _OwnLabel(ScanKind.BADGE, re.compile(r"\d{1,12}", re.ASCII), N_("badge"), "OP-0007"),
}
_LABEL_PREFIX = {label.kind: prefix for prefix, label in _OWN_LABELS.items()}


def format_label(kind: ScanKind, *parts: int | str) -> str:
    """Our own label's text for `kind` from its parts, in the one form `parse_scan` reads back:
    `format_label(ScanKind.ORDER, 10023)` is "ORD-10023"; a location takes zone, aisle number,
    bay and level, a slot its wall and slot. Raises ValueError for parts that make no valid
    label, so a bad id never reaches a printed label."""
    prefix = _LABEL_PREFIX.get(kind)
    if prefix is None:
        raise ValueError(f"{kind} is not one of our own labels")
    if kind is ScanKind.LOCATION and len(parts) == 4:
        zone, aisle, bay, level = parts
        body = f"{zone}{int(aisle):02d}-{int(bay):02d}-{level}"
    elif kind is ScanKind.SLOT and len(parts) == 2:
        body = f"{int(parts[0])}-{int(parts[1]):02d}"
    elif kind in (ScanKind.TOTE, ScanKind.BADGE) and len(parts) == 1:
        body = f"{int(parts[0]):04d}"
    elif len(parts) == 1:
        body = str(parts[0])
    else:
        raise ValueError(f"a {kind} label takes other parts than {parts!r}")
    if _OWN_LABELS[prefix].form.fullmatch(body) is None:
        raise ValueError(f"{prefix}-{body} is not a valid {kind} label")
    return f"{prefix}-{body}"


def prefixed_label(kind: ScanKind, code: str) -> str:
    """`code` as our label of `kind`, whether it was written with its prefix or without
    ("A03-12-2" and "LOC-A03-12-2" are both "LOC-A03-12-2"); unlike `format_label` it takes
    the text as it is, for looking up what a file or an operator named."""
    prefix = _LABEL_PREFIX.get(kind)
    if prefix is None:
        raise ValueError(f"{kind} is not one of our own labels")
    if code.upper().startswith(f"{prefix}-"):
        return code
    return f"{prefix}-{code}"


def scanned_label(scan: Scan) -> str | None:
    """The label text a scan of one of our own labels reads ("TOTE-0042"), else None."""
    prefix = _LABEL_PREFIX.get(scan.kind)
    return f"{prefix}-{scan.code}" if prefix and scan.code is not None else None


# --- steps c and e: what may be GS1 --------------------------------------------------------

_DIGITAL_LINK = re.compile(
    r"https?://[^/?#]+(?:/[^?#]*)?/(?:(?:01|gtin)/\d{8,14}|(?:00|sscc)/\d{18})(?:[/?#].*)?",
    re.IGNORECASE | re.ASCII | re.DOTALL,
)
_UNMARKED_GS1 = re.compile(r"0[12]\d{14}|00\d{18}", re.ASCII)
_HRI = re.compile(r"\(\d{2,4}\)", re.ASCII)

_GTIN_LENGTHS = frozenset({8, 12, 13, 14})


class _Context(NamedTuple):
    tracking_patterns: Sequence[TrackingPattern]
    lookup_code: LookupCode | None
    gs_separator: str | None


def parse_scan(
    raw: str,
    *,
    tracking_patterns: Sequence[TrackingPattern] = (),
    lookup_code: LookupCode | None = None,
    expect_tracking: bool = False,
    gs_separator: str | None = None,
) -> Scan:
    """Classify one scan (see the module docstring for the order). Never raises on any text."""
    text = raw.strip(_BLANKS)
    symbology = None
    if text.startswith("]") and _AIM_IDENTIFIER.match(text):
        symbology, text = text[:3], text[3:]
    if not text:
        return _invalid(raw, ScanKind.UNKNOWN, symbology, _("nothing scanned — scan again"))
    own = _own_label(raw, text, symbology)
    if own is not None:
        return _resolve(own, lookup_code) if own.valid else own

    context = _Context(tracking_patterns, lookup_code, gs_separator)
    steps = _TRACKING_FIRST if expect_tracking else _USUAL_ORDER
    first_failure = None
    for step in steps:
        scan = step(raw, text, symbology, context)
        if scan is None:
            continue
        if scan.valid:
            return scan if scan.resolves else _resolve(scan, lookup_code)
        first_failure = first_failure or scan
    return first_failure or _invalid(raw, ScanKind.UNKNOWN, symbology, _("unknown barcode"))


def _invalid(raw: str, kind: ScanKind, symbology: str | None, error: str) -> Scan:
    return Scan(raw=raw, kind=kind, valid=False, error=error, symbology=symbology)


def _check_digit_wrong(raw: str, kind: ScanKind, symbology: str | None) -> Scan:
    return _invalid(raw, kind, symbology, _("check digit wrong — scan again"))


def _lookup_key(scan: Scan) -> str | None:
    if scan.kind in (ScanKind.PRODUCT, ScanKind.GS1):
        return scan.gtin or scan.sscc
    if scan.kind is ScanKind.TRACKING:
        return scan.code
    return scanned_label(scan)


def _resolve(scan: Scan, lookup_code: LookupCode | None) -> Scan:
    if lookup_code is None:
        return scan
    key = _lookup_key(scan)
    resolved = lookup_code(key) if key else None
    return replace(scan, resolves=resolved) if resolved else scan


def _own_label(raw: str, text: str, symbology: str | None) -> Scan | None:
    if not text[0].isalpha():
        return None
    match = _OWN_LABEL.fullmatch(text)
    if match is None:
        return None
    prefix = match.group(1).upper()
    label = _OWN_LABELS[prefix]
    code = match.group(2)
    if code.isascii():  # lower case is caps lock on a keyboard wedge; "ß".upper() is "SS"
        code = code.upper()
    form = label.form.fullmatch(code)
    if form is None:
        error = _("not a valid {label} label — it should look like {example}").format(
            label=_(label.name), example=label.example
        )
        return _invalid(raw, label.kind, symbology, error)
    if label.kind is ScanKind.LOCATION:
        zone, aisle, bay, level = form.groups()
        return _valid_scan(
            raw,
            label.kind,
            symbology,
            code=code,
            zone=zone,
            aisle=int(aisle),
            bay=int(bay),
            level=int(level),
        )
    if label.kind is ScanKind.SLOT:
        wall, slot = form.groups()
        return _valid_scan(raw, label.kind, symbology, code=code, wall=int(wall), slot=int(slot))
    return _valid_scan(raw, label.kind, symbology, code=code)


# --- step d: GTIN / EAN / UPC ---------------------------------------------------------------


def _expand_upc_e(digits: str) -> str | None:
    """UPC-E (number system 0 or 1, six digits, check digit) as its 12-digit UPC-A."""
    if digits[0] not in "01":
        return None
    body, last, check = digits[1:6], digits[6], digits[7]
    if last in "012":
        middle = f"{body[:2]}{last}0000{body[2:5]}"
    elif last == "3":
        middle = f"{body[:3]}00000{body[3:5]}"
    elif last == "4":
        middle = f"{body[:4]}00000{body[4]}"
    else:
        middle = f"{body}0000{last}"
    return f"{digits[0]}{middle}{check}"


def gtin_from_digits(digits: str, *, upc_e_first: bool = False) -> str | None:
    """The 14-digit GTIN that 8, 12, 13 or 14 ASCII digits stand for, or None if the check
    digit is wrong. Eight digits are EAN-8, else UPC-E (UPC-E first after a ]E0 identifier,
    the EAN/UPC symbology, since a true EAN-8 would come as ]E4)."""
    if len(digits) != 8:
        return digits.zfill(14) if gs1_check_digit_ok(digits) else None
    upc_a = _expand_upc_e(digits)
    candidates = (upc_a, digits) if upc_e_first else (digits, upc_a)
    for candidate in candidates:
        if candidate is not None and gs1_check_digit_ok(candidate):
            return candidate.zfill(14)
    return None


def _product(raw: str, text: str, symbology: str | None, context: _Context) -> Scan | None:
    if (
        len(text) not in _GTIN_LENGTHS
        or not (text.isascii() and text.isdigit())
        or symbology in _GS1_SYMBOLOGIES
    ):
        return None
    gtin = gtin_from_digits(text, upc_e_first=symbology == _UPC_SYMBOLOGY)
    if gtin is None:
        return _check_digit_wrong(raw, ScanKind.PRODUCT, symbology)
    return _valid_scan(raw, ScanKind.PRODUCT, symbology, gtin=gtin)


def _valid_scan(raw: str, kind: ScanKind, symbology: str | None, **fields: object) -> Scan:
    """Scan(raw=raw, kind=kind, valid=True, symbology=symbology, **fields), built without the
    frozen dataclass's __init__: its one object.__setattr__ per field (25 of them) is most of
    a plain EAN-13's or one of our labels' cost on the pack and pick stations' hot paths.
    Unset fields read their class-level dataclass defaults. Only for the fields' own types."""
    scan = object.__new__(Scan)
    scan.__dict__.update(raw=raw, kind=kind, valid=True, symbology=symbology, **fields)
    return scan


# --- steps c and e: GS1 ------------------------------------------------------------------------


def _gs1_scan(raw: str, symbology: str | None, result: Gs1Data | Gs1Problem) -> Scan:
    from warehouse_tui.domain.gs1 import Gs1Data, Gs1Problem

    if isinstance(result, Gs1Data):
        return Scan(
            raw=raw,
            kind=ScanKind.GS1,
            valid=True,
            symbology=symbology,
            gtin=result.gtin,
            sscc=result.sscc,
            batch=result.batch,
            serial=result.serial,
            expiry=result.expiry,
            best_before=result.best_before,
            production_date=result.production_date,
            net_weight_kg=result.net_weight_kg,
            count=result.count,
            order_number=result.order_number,
            ship_to_postcode=result.ship_to_postcode,
        )
    if result is Gs1Problem.CHECK_DIGIT:
        return _check_digit_wrong(raw, ScanKind.GS1, symbology)
    if result is Gs1Problem.BAD_DATE:
        return _invalid(raw, ScanKind.GS1, symbology, _("barcode holds an impossible date"))
    return _invalid(raw, ScanKind.GS1, symbology, _("GS1 barcode could not be read"))


def _digital_link(raw: str, text: str, symbology: str | None, context: _Context) -> Scan | None:
    if text[:4].lower() != "http" or _DIGITAL_LINK.fullmatch(text) is None:
        return None
    from warehouse_tui.domain.gs1 import parse_digital_link

    return _gs1_scan(raw, symbology, parse_digital_link(text))


def _element_string(raw: str, text: str, symbology: str | None, context: _Context) -> Scan | None:
    separator = context.gs_separator
    if separator:
        text = text.replace(separator, GROUP_SEPARATOR)
    marked = symbology in _GS1_SYMBOLOGIES or GROUP_SEPARATOR in text
    hri = not marked and _HRI.match(text) is not None
    if not (marked or hri or _UNMARKED_GS1.match(text)):
        return None
    from warehouse_tui.domain.gs1 import Gs1Problem, parse_element_string, parse_hri

    result = parse_hri(text) if hri else parse_element_string(text)
    if result is Gs1Problem.UNREADABLE and not (marked or hri):
        return None  # unmarked digits that do not parse whole are not GS1 at all
    return _gs1_scan(raw, symbology, result)


# --- steps f and g: the database's codes -----------------------------------------------------


def _tracking(raw: str, text: str, symbology: str | None, context: _Context) -> Scan | None:
    failure = None
    for tracking in context.tracking_patterns:
        match = tracking.pattern.fullmatch(text)
        if match is None:
            continue
        number = match.group(1) if tracking.pattern.groups and match.group(1) else match.group(0)
        if tracking.check is None or tracking.check(number):
            return Scan(
                raw=raw,
                kind=ScanKind.TRACKING,
                valid=True,
                symbology=symbology,
                carrier=tracking.carrier,
                code=number,
            )
        failure = failure or _check_digit_wrong(raw, ScanKind.TRACKING, symbology)
    return failure


def _registered_code(raw: str, text: str, symbology: str | None, context: _Context) -> Scan | None:
    if context.lookup_code is None:
        return None
    resolved = context.lookup_code(text)
    if resolved is None:
        return None
    return Scan(
        raw=raw,
        kind=ScanKind.PRODUCT,
        valid=True,
        symbology=symbology,
        code=text,
        resolves=resolved,
    )


_Step = Callable[[str, str, str | None, _Context], Scan | None]
_USUAL_ORDER: tuple[_Step, ...] = (
    _digital_link,
    _product,
    _element_string,
    _tracking,
    _registered_code,
)
_TRACKING_FIRST: tuple[_Step, ...] = (
    _digital_link,
    _tracking,
    _product,
    _element_string,
    _registered_code,
)


# --- JSON -------------------------------------------------------------------------------------

_JSON_OPTIONAL_KEYS = (
    "symbology",
    "gtin",
    "sscc",
    "batch",
    "serial",
    "expiry",
    "best_before",
    "production_date",
    "net_weight_kg",
    "count",
    "order_number",
    "ship_to_postcode",
    "resolves",
)


def scan_to_json(scan: Scan) -> dict[str, object]:
    """The object `barcode inspect --json` prints: raw, kind, valid and error always (error
    null when valid); the other keys only where present; dates ISO; the weight a number."""
    out: dict[str, object] = {
        "raw": scan.raw,
        "kind": scan.kind.value,
        "valid": scan.valid,
        "error": scan.error,
    }
    for key in _JSON_OPTIONAL_KEYS:
        value = getattr(scan, key)
        if value is not None:
            out[key] = _json_value(value)
    return out


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Resolved):
        return {"type": value.type, "id": value.id}
    return value
