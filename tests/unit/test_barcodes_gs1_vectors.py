"""GS1 element strings and Digital Link URIs: vectors from the GS1 General Specifications and
the GS1 Digital Link standard, and element strings built at random and read back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse_tui.domain.barcodes import Scan, ScanKind, parse_scan, scan_to_json
from warehouse_tui.i18n import _

GS = "\x1d"
GTIN = "09501101020917"
SSCC = "106141411234567897"


def gs1(raw: str, *, gs_separator: str | None = None) -> Scan:
    scan = parse_scan(raw, gs_separator=gs_separator)
    assert scan.kind is ScanKind.GS1, scan
    return scan


def test_gtin_expiry_batch_serial() -> None:
    # (01)09501101020917(17)190508(10)ABC123(21)XYZ
    scan = gs1("]C1" + "01" + GTIN + "17190508" + "10ABC123" + GS + "21XYZ")
    assert scan.valid
    assert scan.symbology == "]C1"
    assert (scan.gtin, scan.expiry, scan.batch, scan.serial) == (
        GTIN,
        dt.date(2019, 5, 8),
        "ABC123",
        "XYZ",
    )


@pytest.mark.parametrize("aim", ["]C1", "]d2", "]Q3", "]e0", "]J1"])
def test_every_gs1_symbology(aim: str) -> None:
    scan = gs1(aim + "01" + GTIN + "3103000195")
    assert (scan.valid, scan.symbology, scan.gtin, scan.net_weight_kg) == (
        True,
        aim,
        GTIN,
        Decimal("0.195"),
    )


def test_sscc() -> None:
    scan = gs1("]C1" + "00" + SSCC)
    assert (scan.valid, scan.sscc, scan.gtin) == (True, SSCC, None)


def test_logistic_label_with_content_count_order_and_postcode() -> None:
    # (00)106141411234567897(02)00614141123452(37)25(400)PO-4711(420)90210
    raw = "]C1" + "00" + SSCC + "0200614141123452" + "3725" + GS + "400PO-4711" + GS + "42090210"
    scan = gs1(raw)
    assert scan.valid
    assert (scan.sscc, scan.gtin, scan.count) == (SSCC, "00614141123452", 25)
    assert (scan.order_number, scan.ship_to_postcode) == ("PO-4711", "90210")


@pytest.mark.parametrize(
    ("ai", "value", "kilograms"),
    [
        ("3100", "000012", Decimal("12")),
        ("3102", "001250", Decimal("12.50")),
        ("3103", "000195", Decimal("0.195")),
        ("3105", "123456", Decimal("1.23456")),
    ],
)
def test_net_weight(ai: str, value: str, kilograms: Decimal) -> None:
    scan = gs1("]C1" + "01" + GTIN + ai + value)
    assert scan.net_weight_kg == kilograms
    assert scan_to_json(scan)["net_weight_kg"] == float(kilograms)


def test_dates() -> None:
    scan = gs1("]C1" + "01" + GTIN + "11190101" + "15190301" + "17190400")
    assert scan.production_date == dt.date(2019, 1, 1)
    assert scan.best_before == dt.date(2019, 3, 1)
    assert scan.expiry == dt.date(2019, 4, 30)  # day 00 is the last day of the month


@pytest.mark.parametrize(
    "raw",
    [
        "]C1" + "01" + GTIN + "17190230",  # 30 February
        "]C1" + "01" + GTIN + "17191301",  # month 13
        "]C1" + "01" + GTIN + "15190132" + "10ABC",  # day 32
        "]C1" + "10ABC" + GS + "11230229",  # 2023 was no leap year
        "https://id.gs1.org/01/" + GTIN + "?17=190230",
    ],
)
def test_a_bad_date_makes_the_whole_scan_invalid(raw: str) -> None:
    scan = gs1(raw)
    assert (scan.valid, scan.error) == (False, _("barcode holds an impossible date"))
    assert (scan.gtin, scan.batch, scan.expiry) == (None, None, None)


@pytest.mark.parametrize(
    "raw",
    [
        "]C1" + "01" + "09501101020918" + "10ABC",
        "]C1" + "10ABC" + GS + "01" + "09501101020918",
        "]C1" + "00" + "106141411234567898",
        "]C1" + "00" + SSCC + "02" + "00614141123453" + "3725",
        "0109501101020918" + "17190508",  # unmarked, parsing whole
    ],
)
def test_a_wrong_check_digit_in_any_element_makes_the_whole_scan_invalid(raw: str) -> None:
    scan = gs1(raw)
    assert (scan.valid, scan.error) == (False, _("check digit wrong — scan again"))


def test_a_printable_fnc1_stand_in() -> None:
    scan = gs1("0109501101020917" + "10AB-1~21S/9~37" + "3", gs_separator="~")
    assert (scan.batch, scan.serial, scan.count) == ("AB-1", "S/9", 3)


def test_variable_length_element_without_separator_runs_to_the_end() -> None:
    scan = gs1("]C1" + "10ABC123" + "21XYZ")
    assert (scan.batch, scan.serial) == ("ABC12321XYZ", None)


def test_the_human_readable_form() -> None:
    scan = gs1("(01)09501101020917(17)190508(10)ABC123(21)XYZ")
    assert (scan.gtin, scan.expiry, scan.batch, scan.serial) == (
        GTIN,
        dt.date(2019, 5, 8),
        "ABC123",
        "XYZ",
    )
    assert gs1("(01) 09501101020917 (17) 190508").expiry == dt.date(2019, 5, 8)
    assert not gs1("(01)09501101020917(17)").valid


# --- GS1 Digital Link ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "fields"),
    [
        (
            "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
            {"gtin": "09520123456788", "batch": "ABC1", "serial": "12345",
             "expiry": dt.date(2018, 4, 26)},
        ),
        ("https://id.gs1.org/01/9520123456788", {"gtin": "09520123456788"}),
        (
            "https://brand.example.com/some/path/01/09506000134352?3103=000195&utm=x",
            {"gtin": "09506000134352", "net_weight_kg": Decimal("0.195")},
        ),
        (
            "https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123",
            {"sscc": "106141412345678908", "gtin": "00614141123452", "count": 25,
             "batch": "ABC123"},
        ),
        (
            "https://id.gs1.org/gtin/614141123452/lot/ABC1/ser/12345?exp=180426",
            {"gtin": "00614141123452", "batch": "ABC1", "serial": "12345",
             "expiry": dt.date(2018, 4, 26)},
        ),
        (
            "HTTP://example.com/01/09520123456788/10/A%2FB/",
            {"gtin": "09520123456788", "batch": "A/B"},
        ),
    ],
)  # fmt: skip
def test_digital_link(uri: str, fields: dict[str, object]) -> None:
    scan = gs1(uri)
    assert scan.valid, scan.error
    assert {key: getattr(scan, key) for key in fields} == fields


@pytest.mark.parametrize(
    "uri",
    [
        "https://id.gs1.org/01/09520123456788/10",  # a key without a value
        "https://id.gs1.org/01/09520123456788/99999/x",  # not an AI
        "https://id.gs1.org/01/09520123456788/10/" + "A" * 21,  # batch longer than 20
    ],
)
def test_unreadable_digital_links(uri: str) -> None:
    scan = gs1(uri)
    assert (scan.valid, scan.error) == (False, _("GS1 barcode could not be read"))


# --- element strings built at random, read back ---------------------------------------------

TODAY = dt.date.today()
CHARACTERS = st.characters(codec="ascii", categories=["L", "N"]) | st.sampled_from("-./_")
TEXT_VALUE = st.text(CHARACTERS, min_size=1, max_size=20)


@st.composite
def gtins(draw: st.DrawFn) -> str:
    payload = draw(st.from_regex(r"[0-9]{13}", fullmatch=True))
    return payload + str(gs1_standard_check_digit(payload))


@st.composite
def element_strings(draw: st.DrawFn) -> tuple[list[tuple[str, str, bool]], dict[str, object]]:
    """Elements as (ai, value, variable length) and the fields they should read back as."""
    elements: list[tuple[str, str, bool]] = []
    fields: dict[str, object] = {}
    gtin = draw(gtins())
    elements.append(("01", gtin, False))
    fields["gtin"] = gtin
    for ai, key in (("10", "batch"), ("21", "serial"), ("400", "order_number")):
        if draw(st.booleans()):
            value = draw(TEXT_VALUE)
            elements.append((ai, value, True))
            fields[key] = value
    for ai, key in (("17", "expiry"), ("15", "best_before"), ("11", "production_date")):
        if draw(st.booleans()):
            date = draw(st.dates(TODAY - dt.timedelta(days=7000), TODAY + dt.timedelta(days=7000)))
            elements.append((ai, date.strftime("%y%m%d"), False))
            fields[key] = date
    if draw(st.booleans()):
        decimals = draw(st.integers(0, 5))
        digits = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
        elements.append((f"310{decimals}", digits, False))
        fields["net_weight_kg"] = Decimal(digits).scaleb(-decimals)
    if draw(st.booleans()):
        count = draw(st.integers(0, 99_999_999))
        elements.append(("37", str(count), True))
        fields["count"] = count
    if draw(st.booleans()):
        postcode = draw(TEXT_VALUE)
        elements.append(("420", postcode, True))
        fields["ship_to_postcode"] = postcode
    return draw(st.permutations(elements)), fields


def encode(elements: list[tuple[str, str, bool]], separator: str) -> str:
    """FNC1 after every variable-length element but the last, as a printer would."""
    parts = [
        ai + value + (separator if variable and index < len(elements) - 1 else "")
        for index, (ai, value, variable) in enumerate(elements)
    ]
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(
    built=element_strings(),
    lead=st.sampled_from(["]C1", "]d2", "]Q3", "]e0", GS]),
    separator=st.sampled_from([GS, "|"]),
)
def test_random_element_strings_read_back(
    built: tuple[list[tuple[str, str, bool]], dict[str, object]], lead: str, separator: str
) -> None:
    elements, fields = built
    scan = gs1(lead + encode(elements, separator), gs_separator="|")
    assert scan.valid, scan.error
    assert {key: getattr(scan, key) for key in fields} == fields
    hri = "".join(f"({ai}){value}" for ai, value, _variable in elements)
    assert parse_scan(hri) == replace(scan, raw=hri, symbology=None)


@settings(max_examples=100, deadline=None)
@given(built=element_strings(), wrong=st.integers(1, 9))
def test_random_element_strings_with_a_wrong_gtin_check_digit_are_invalid(
    built: tuple[list[tuple[str, str, bool]], dict[str, object]], wrong: int
) -> None:
    elements, _fields = built
    corrupted = [
        (ai, value[:-1] + str((int(value[-1]) + wrong) % 10) if ai == "01" else value, variable)
        for ai, value, variable in elements
    ]
    scan = gs1("]C1" + encode(corrupted, GS))
    assert (scan.valid, scan.error) == (False, _("check digit wrong — scan again"))
