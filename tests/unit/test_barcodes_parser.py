"""The scan parser: total on any text, GTIN check digits, and the decision order a–g."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal

import pytest
from biip.checksums import gs1_standard_check_digit
from biip.upc import Upc
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse_tui.domain.barcodes import (
    TRACKING_CHECKS,
    Resolved,
    Scan,
    ScanKind,
    TrackingPattern,
    gs1_check_digit_ok,
    mod7_check_ok,
    parse_scan,
    scan_to_json,
    ups_1z_check_ok,
    upu_s10_check_ok,
)
from warehouse_tui.i18n import _

EAN_13 = "4006381333931"
EAN_13_WRONG = "4006381333932"
UPS = TrackingPattern("UPS", re.compile(r"1Z[0-9A-Z]{16}"), ups_1z_check_ok)
POST = TrackingPattern("Post", re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}"), upu_s10_check_ok)
THIRTEEN_DIGITS = TrackingPattern("Digits", re.compile(r"\d{13}"), None)


def check_digit_wrong() -> str:
    return _("check digit wrong — scan again")


def with_check_digit(payload: str) -> str:
    return payload + str(gs1_standard_check_digit(payload))


class Registry:
    """A stand-in for the database: records what it was asked."""

    def __init__(self, codes: dict[str, Resolved]) -> None:
        self.codes = codes
        self.asked: list[str] = []

    def __call__(self, code: str) -> Resolved | None:
        self.asked.append(code)
        return self.codes.get(code)


# --- totality --------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "]C1", "]E0", "]E4", "]d2", "]Q3", "]e0", "]", "\x1d", "|", "~", "(01)", "(17)", "01",
        "00", "02", "10", "17", "21", "3103", "37", "400", "420", "0950110102091", "7", "LOC-",
        "TOTE-", "WALL-", "ORD-", "PCL-", "BOX-", "OP-", "A03-12-2", "https://id.gs1.org/",
        "http://x/", "01/", "/10/", "?17=", "&3103=", "1Z", "CN", "\r\n", " ", "\x00", "\u3000",
        "٣", "ß",
    ]
)  # fmt: skip
DIGITAL_LINK_PARTS = st.sampled_from(
    ["01", "00", "gtin", "10", "lot", "17", "21", "3103", "09501101020917", "9501101020917",
     "106141411234567897", "190230", "A%2FB", "%ZZ", "", "?", "&", "=", "#", "[", "exp"]
)  # fmt: skip
DIGITAL_LINKS = st.lists(st.one_of(DIGITAL_LINK_PARTS, st.text(max_size=3))).map(
    lambda parts: "https://id.example/" + "/".join(parts)
)
SCAN_TEXT = st.one_of(
    st.text(),
    DIGITAL_LINKS,
    st.lists(
        st.one_of(FRAGMENTS, st.text(max_size=4), st.from_regex(r"[0-9]{1,20}", fullmatch=True))
    ).map("".join),
)
ANY_PATTERN = TrackingPattern("Any", re.compile(r".{6,}", re.DOTALL), upu_s10_check_ok)


@settings(max_examples=400, deadline=None)
@given(
    raw=SCAN_TEXT,
    expect_tracking=st.booleans(),
    gs_separator=st.sampled_from([None, "|", "~", "", "ab"]),
)
def test_any_text_gives_a_typed_scan(
    raw: str, expect_tracking: bool, gs_separator: str | None
) -> None:
    registry = Registry({raw.strip(): Resolved("sku", 1)} if len(raw) % 2 else {})
    scan = parse_scan(
        raw,
        tracking_patterns=(UPS, POST, ANY_PATTERN),
        lookup_code=registry,
        expect_tracking=expect_tracking,
        gs_separator=gs_separator,
    )
    assert isinstance(scan, Scan)
    assert scan.raw == raw
    assert isinstance(scan.kind, ScanKind)
    assert scan.valid == (scan.error is None)
    assert scan.gtin is None or (len(scan.gtin) == 14 and scan.gtin.isdigit())
    document = scan_to_json(scan)
    assert json.loads(json.dumps(document)) == document


@given(raw=SCAN_TEXT)
def test_without_database_and_patterns_any_text_gives_a_scan(raw: str) -> None:
    scan = parse_scan(raw)
    assert scan.kind is not ScanKind.TRACKING
    assert scan.resolves is None


# --- GTIN check digits -------------------------------------------------------------------------


@st.composite
def valid_gtins(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([8, 12, 13, 14]))
    return with_check_digit(draw(st.from_regex(rf"[0-9]{{{length - 1}}}", fullmatch=True)))


@given(code=valid_gtins(), aim=st.sampled_from(["", "]E4", "]I1", "]C0"]), blanks=st.booleans())
def test_valid_gtins_parse_as_products_with_14_digits(code: str, aim: str, blanks: bool) -> None:
    raw = f" {aim}{code}\r\n" if blanks else aim + code
    scan = parse_scan(raw)
    assert scan.kind is ScanKind.PRODUCT
    assert scan.valid
    assert scan.gtin == code.zfill(14)
    assert scan.symbology == (aim or None)


@given(code=valid_gtins(), wrong=st.integers(1, 9))
def test_a_corrupted_check_digit_never_parses_as_a_valid_product(code: str, wrong: int) -> None:
    corrupted = code[:-1] + str((int(code[-1]) + wrong) % 10)
    scan = parse_scan(corrupted)
    if scan.valid:
        # Only 8 digits have a second reading: the corrupted EAN-8 may be a true UPC-E.
        assert len(code) == 8
        assert scan.gtin == Upc.parse(corrupted).as_gtin_14()
        assert scan.gtin != code.zfill(14)
    else:
        assert scan.kind is ScanKind.PRODUCT
        assert scan.error == check_digit_wrong()


@given(digits=st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_eight_digits_are_ean_8_else_upc_e(digits: str) -> None:
    scan = parse_scan(digits)
    if gs1_check_digit_ok(digits):
        expected: str | None = digits.zfill(14)
    else:
        try:
            expected = Upc.parse(digits).as_gtin_14()
        except Exception:
            expected = None
    assert scan.valid == (expected is not None)
    assert scan.gtin == expected


def test_upc_e_is_expanded_to_upc_a() -> None:
    assert parse_scan("04252614").gtin == "00042100005264"


def test_after_the_upc_identifier_eight_digits_are_read_as_upc_e_first() -> None:
    both = "01000009"  # a valid EAN-8 and a valid UPC-E (UPC-A 010000000009)
    assert parse_scan(both).gtin == "00000001000009"
    assert parse_scan("]E4" + both).gtin == "00000001000009"
    assert parse_scan("]E0" + both).gtin == "00010000000009"


def test_only_ascii_digits_are_digits() -> None:
    arabic_indic = EAN_13.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert parse_scan(arabic_indic).kind is ScanKind.UNKNOWN


def test_the_plain_ean_13_path_does_not_load_biip() -> None:
    script = (
        "import sys\n"
        "from warehouse_tui.domain.barcodes import parse_scan\n"
        f"assert parse_scan('{EAN_13}').valid\n"
        f"assert parse_scan(']E0{EAN_13}').valid\n"
        "assert 'biip' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# --- a: trimming and AIM identifiers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "symbology", "kind"),
    [
        (f"  {EAN_13}\r\n", None, ScanKind.PRODUCT),
        (f"\t]E0{EAN_13}\n", "]E0", ScanKind.PRODUCT),
        ("]E496385074", "]E4", ScanKind.PRODUCT),
        ("]C0LOC-A03-12-2\r", "]C0", ScanKind.LOCATION),
        ("]d20109501101020917", "]d2", ScanKind.GS1),
        ("]Q30109501101020917", "]Q3", ScanKind.GS1),
        ("]e00109501101020917", "]e0", ScanKind.GS1),
        ("\u3000OP-0007\u3000", None, ScanKind.BADGE),
    ],
)
def test_blanks_are_trimmed_and_the_aim_identifier_noted(
    raw: str, symbology: str | None, kind: ScanKind
) -> None:
    scan = parse_scan(raw)
    assert (scan.kind, scan.valid, scan.symbology, scan.raw) == (kind, True, symbology, raw)


@pytest.mark.parametrize("raw", ["", "  \r\n", "]C1", "]E0 "])
def test_nothing_scanned_is_unknown(raw: str) -> None:
    scan = parse_scan(raw)
    assert scan.kind is ScanKind.UNKNOWN
    assert not scan.valid
    assert scan.error == _("nothing scanned — scan again")


def test_a_lone_bracket_is_not_an_identifier() -> None:
    assert parse_scan("]E").symbology is None


# --- b: our own labels ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "code"),
    [
        ("LOC-A03-12-2", ScanKind.LOCATION, "A03-12-2"),
        ("TOTE-0042", ScanKind.TOTE, "0042"),
        ("WALL-1-07", ScanKind.SLOT, "1-07"),
        ("ORD-10023", ScanKind.ORDER, "10023"),
        ("PCL-5531", ScanKind.PARCEL, "5531"),
        ("BOX-M2", ScanKind.BOX, "M2"),
        ("OP-0007", ScanKind.BADGE, "0007"),
        ("loc-a03-12-2", ScanKind.LOCATION, "A03-12-2"),  # caps lock on a keyboard wedge
        ("box-xl-2", ScanKind.BOX, "XL-2"),
        ("Tote-0042", ScanKind.TOTE, "0042"),
    ],
)
def test_our_own_labels(raw: str, kind: ScanKind, code: str) -> None:
    scan = parse_scan(raw)
    assert (scan.kind, scan.valid, scan.code, scan.error) == (kind, True, code, None)


def test_location_and_slot_parts() -> None:
    location = parse_scan("LOC-B10-07-4")
    assert (location.zone, location.aisle, location.bay, location.level) == ("B", 10, 7, 4)
    slot = parse_scan("WALL-12-03")
    assert (slot.wall, slot.slot) == (12, 3)


@pytest.mark.parametrize(
    ("raw", "kind", "example"),
    [
        ("LOC-XYZ", ScanKind.LOCATION, "LOC-A03-12-2"),
        ("LOC-A3-12-2", ScanKind.LOCATION, "LOC-A03-12-2"),
        ("LOC-A03-12-22", ScanKind.LOCATION, "LOC-A03-12-2"),
        ("LOC-", ScanKind.LOCATION, "LOC-A03-12-2"),
        ("TOTE-A1", ScanKind.TOTE, "TOTE-0042"),
        ("WALL-1-7", ScanKind.SLOT, "WALL-1-07"),
        ("ORD-12a", ScanKind.ORDER, "ORD-10023"),
        ("PCL-", ScanKind.PARCEL, "PCL-5531"),
        ("BOX-M2!", ScanKind.BOX, "BOX-M2"),
        ("OP-٣", ScanKind.BADGE, "OP-0007"),
        ("OP-7\x1d", ScanKind.BADGE, "OP-0007"),
        ("BOX-ß", ScanKind.BOX, "BOX-M2"),
    ],
)
def test_a_malformed_own_label_is_that_kind_and_invalid(
    raw: str, kind: ScanKind, example: str
) -> None:
    scan = parse_scan(raw)
    assert (scan.kind, scan.valid) == (kind, False)
    assert scan.error is not None
    assert example in scan.error
    assert scan.code is None


def test_own_labels_come_before_patterns_and_the_database() -> None:
    registry = Registry({"LOC-A03-12-2": Resolved("location", 5)})
    pattern = TrackingPattern("Greedy", re.compile(r".+"), None)
    scan = parse_scan(
        "LOC-A03-12-2", tracking_patterns=[pattern], lookup_code=registry, expect_tracking=True
    )
    assert scan.kind is ScanKind.LOCATION
    assert scan.resolves == Resolved("location", 5)
    assert registry.asked == ["LOC-A03-12-2"]


def test_a_malformed_own_label_is_not_looked_up() -> None:
    registry = Registry({"LOC-XYZ": Resolved("sku", 1)})
    assert not parse_scan("LOC-XYZ", lookup_code=registry).valid
    assert registry.asked == []


# --- c: GS1 Digital Link -------------------------------------------------------------------


def test_a_digital_link_is_gs1() -> None:
    scan = parse_scan("https://example.com/shop/01/09501101020917/10/ABC123/21/XYZ?17=190508")
    assert (scan.kind, scan.valid) == (ScanKind.GS1, True)
    assert (scan.gtin, scan.batch, scan.serial) == ("09501101020917", "ABC123", "XYZ")
    assert scan.expiry == dt.date(2019, 5, 8)


def test_a_digital_link_with_a_wrong_check_digit_is_invalid_gs1() -> None:
    scan = parse_scan("https://id.gs1.org/01/09501101020918")
    assert (scan.kind, scan.valid, scan.error) == (ScanKind.GS1, False, check_digit_wrong())


def test_other_web_addresses_are_not_digital_links() -> None:
    assert parse_scan("https://example.com/about").kind is ScanKind.UNKNOWN
    registry = Registry({"https://example.com/p/17": Resolved("sku", 3)})
    scan = parse_scan("https://example.com/p/17", lookup_code=registry)
    assert (scan.kind, scan.resolves) == (ScanKind.PRODUCT, Resolved("sku", 3))


def test_a_digital_link_comes_before_tracking_patterns() -> None:
    url = TrackingPattern("Url", re.compile(r"https://.*"), None)
    uri = "https://id.gs1.org/01/09501101020917"
    assert parse_scan(uri, tracking_patterns=[url], expect_tracking=True).kind is ScanKind.GS1


# --- d: digits with a check digit ----------------------------------------------------------


def test_a_valid_ean_matching_a_tracking_pattern_is_a_product() -> None:
    scan = parse_scan(EAN_13, tracking_patterns=[THIRTEEN_DIGITS])
    assert (scan.kind, scan.gtin) == (ScanKind.PRODUCT, "0" + EAN_13)


def test_a_screen_expecting_tracking_tries_the_patterns_first() -> None:
    scan = parse_scan(EAN_13, tracking_patterns=[THIRTEEN_DIGITS], expect_tracking=True)
    assert (scan.kind, scan.carrier, scan.code) == (ScanKind.TRACKING, "Digits", EAN_13)


def test_a_valid_ean_registered_as_another_code_is_still_the_gtin() -> None:
    registry = Registry({EAN_13: Resolved("sku", 9), "0" + EAN_13: Resolved("sku", 4)})
    scan = parse_scan(EAN_13, lookup_code=registry)
    assert (scan.kind, scan.gtin, scan.resolves) == (
        ScanKind.PRODUCT,
        "0" + EAN_13,
        Resolved("sku", 4),
    )
    assert registry.asked == ["0" + EAN_13]


def test_a_wrong_check_digit_falls_through_to_tracking() -> None:
    scan = parse_scan(EAN_13_WRONG, tracking_patterns=[THIRTEEN_DIGITS])
    assert (scan.kind, scan.valid, scan.code) == (ScanKind.TRACKING, True, EAN_13_WRONG)


def test_a_wrong_check_digit_falls_through_to_the_database() -> None:
    registry = Registry({EAN_13_WRONG: Resolved("sku", 7, quantity=12)})
    scan = parse_scan(EAN_13_WRONG, lookup_code=registry)
    assert (scan.kind, scan.valid, scan.code) == (ScanKind.PRODUCT, True, EAN_13_WRONG)
    assert scan.gtin is None
    assert scan.resolves == Resolved("sku", 7, quantity=12)


def test_a_wrong_check_digit_taken_by_nothing_is_invalid() -> None:
    registry = Registry({})
    scan = parse_scan(EAN_13_WRONG, tracking_patterns=[UPS], lookup_code=registry)
    assert (scan.kind, scan.valid, scan.error) == (ScanKind.PRODUCT, False, check_digit_wrong())
    assert registry.asked == [EAN_13_WRONG]


def test_after_a_gs1_identifier_digits_are_an_element_string() -> None:
    batch_only = "10123456789002"  # also a valid GTIN-14, but ]C1 data always starts with an AI
    assert gs1_check_digit_ok(batch_only)
    scan = parse_scan("]C1" + batch_only)
    assert (scan.kind, scan.batch, scan.gtin) == (ScanKind.GS1, "123456789002", None)
    assert parse_scan("]I1" + batch_only).kind is ScanKind.PRODUCT


# --- e: element strings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gs_separator"),
    [
        ("0109501101020917" + "10ABC123\x1d21XYZ", None),
        ("0109501101020917" + "10ABC123|21XYZ", "|"),
        ("0109501101020917" + "10ABC123~21XYZ", "~"),
        ("\x1d0109501101020917" + "10ABC123\x1d21XYZ", None),
        ("]C10109501101020917" + "10ABC123\x1d21XYZ\x1d", None),
        ("(01)09501101020917(10)ABC123(21)XYZ", None),
    ],
)
def test_element_strings_with_any_fnc1_stand_in(raw: str, gs_separator: str | None) -> None:
    scan = parse_scan(raw, gs_separator=gs_separator)
    assert (scan.kind, scan.valid) == (ScanKind.GS1, True)
    assert (scan.gtin, scan.batch, scan.serial) == ("09501101020917", "ABC123", "XYZ")


def test_an_unmarked_element_string_must_start_with_an_identity_ai_and_parse_whole() -> None:
    assert parse_scan("0109501101020917" + "17190508").kind is ScanKind.GS1
    # "10045-RED" would parse as AI 10 (batch), but unmarked it is somebody's internal code
    registry = Registry({"10045-RED": Resolved("sku", 2)})
    assert parse_scan("10045-RED").kind is ScanKind.UNKNOWN
    assert parse_scan("10045-RED", lookup_code=registry).resolves == Resolved("sku", 2)
    assert parse_scan("0109501101020917" + "99").kind is ScanKind.UNKNOWN


def test_a_bad_element_string_falls_through_to_the_database() -> None:
    raw = "]C10109501101020918"
    registry = Registry({"0109501101020918": Resolved("sku", 8)})
    assert parse_scan(raw, lookup_code=registry).resolves == Resolved("sku", 8)
    scan = parse_scan(raw)
    assert (scan.kind, scan.error) == (ScanKind.GS1, check_digit_wrong())


def test_an_unreadable_marked_element_string_is_invalid_gs1() -> None:
    scan = parse_scan("]C1ABC")
    assert (scan.kind, scan.valid, scan.error) == (
        ScanKind.GS1,
        False,
        _("GS1 barcode could not be read"),
    )


# --- f and g: tracking numbers and the database ------------------------------------------------


def test_tracking_numbers_by_carrier_pattern() -> None:
    scan = parse_scan("1Z999AA10123456784", tracking_patterns=[POST, UPS])
    assert (scan.kind, scan.valid, scan.carrier, scan.code) == (
        ScanKind.TRACKING,
        True,
        "UPS",
        "1Z999AA10123456784",
    )


def test_the_first_capture_group_is_the_tracking_number() -> None:
    impb = TrackingPattern("USPS", re.compile(r"420\d{5}\x1d?(9\d{21})"), gs1_check_digit_ok)
    number = "9400111899223100000000"
    registry = Registry({number: Resolved("parcel", 31)})
    scan = parse_scan(
        "42012345\x1d" + number,
        tracking_patterns=[impb],
        lookup_code=registry,
        expect_tracking=True,
    )
    assert (scan.kind, scan.carrier, scan.code) == (ScanKind.TRACKING, "USPS", number)
    assert scan.resolves == Resolved("parcel", 31)


def test_a_tracking_check_digit_failure_tries_the_next_pattern_then_the_database() -> None:
    wrong = "RR123456784CN"
    lenient = TrackingPattern("Lenient", re.compile(r"RR\d{9}CN"), None)
    assert parse_scan(wrong, tracking_patterns=[POST, lenient]).carrier == "Lenient"
    registry = Registry({wrong: Resolved("sku", 6)})
    assert parse_scan(wrong, tracking_patterns=[POST], lookup_code=registry).kind is (
        ScanKind.PRODUCT
    )
    scan = parse_scan(wrong, tracking_patterns=[POST])
    assert (scan.kind, scan.valid, scan.error) == (ScanKind.TRACKING, False, check_digit_wrong())


def test_the_first_failure_is_the_one_reported() -> None:
    wrong_thirteen = TrackingPattern("Checked", re.compile(r"\d{13}"), mod7_check_ok)
    assert not mod7_check_ok(EAN_13_WRONG)
    usual = parse_scan(EAN_13_WRONG, tracking_patterns=[wrong_thirteen])
    assert (usual.kind, usual.valid) == (ScanKind.PRODUCT, False)
    loading = parse_scan(EAN_13_WRONG, tracking_patterns=[wrong_thirteen], expect_tracking=True)
    assert (loading.kind, loading.valid) == (ScanKind.TRACKING, False)


def test_unknown_codes() -> None:
    registry = Registry({})
    scan = parse_scan("SUPPLIER-77", lookup_code=registry)
    assert (scan.kind, scan.valid, scan.error) == (ScanKind.UNKNOWN, False, _("unknown barcode"))
    assert registry.asked == ["SUPPLIER-77"]
    assert parse_scan("SUPPLIER-77").kind is ScanKind.UNKNOWN


def test_a_registered_code_is_a_product() -> None:
    registry = Registry({"SKU-RED-M": Resolved("sku", 12)})
    scan = parse_scan("]C0SKU-RED-M\n", lookup_code=registry)
    assert (scan.kind, scan.valid, scan.code, scan.symbology) == (
        ScanKind.PRODUCT,
        True,
        "SKU-RED-M",
        "]C0",
    )
    assert registry.asked == ["SKU-RED-M"]


def test_gs1_scans_resolve_by_gtin_else_sscc() -> None:
    registry = Registry(
        {"09501101020917": Resolved("sku", 1), "106141411234567897": Resolved("pallet", 2)}
    )
    assert parse_scan("]C10109501101020917", lookup_code=registry).resolves == Resolved("sku", 1)
    by_sscc = parse_scan("]C100106141411234567897", lookup_code=registry)
    assert by_sscc.resolves == Resolved("pallet", 2)


# --- check-digit helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (upu_s10_check_ok, "RR123456785CN", "RR123456784CN"),
        (upu_s10_check_ok, "RR000000005CN", "RR000000000CN"),  # 11 - 0 = 11 is written 5
        (upu_s10_check_ok, "RR000000080CN", "RR000000081CN"),  # 11 - 56 mod 11 = 10 is 0
        (ups_1z_check_ok, "1Z999AA10123456784", "1Z999AA10123456785"),
        (mod7_check_ok, "1234567891", "1234567892"),
        (gs1_check_digit_ok, "9400111899223100000000", "9400111899223100000001"),
    ],
)
def test_check_digit_helpers(check: Callable[[str], bool], good: str, bad: str) -> None:
    assert check(good)
    assert not check(bad)


@pytest.mark.parametrize(
    "garbage", ["", "1", "RR12345678CN", "1Z", "abc", "٣٣", "1Z999AA1012345678X"]
)
def test_check_digit_helpers_refuse_garbage(garbage: str) -> None:
    assert not any(check(garbage) for check in TRACKING_CHECKS.values())


# --- JSON --------------------------------------------------------------------------------------


def test_json_of_a_valid_gs1_scan() -> None:
    registry = Registry({"09501101020917": Resolved("sku", 42, quantity=12)})
    raw = "]C10109501101020917" + "17190508" + "3103000195" + "3712\x1d" + "10ABC123\x1d21XYZ"
    document = scan_to_json(parse_scan(raw, lookup_code=registry))
    assert document == {
        "raw": raw,
        "kind": "gs1",
        "valid": True,
        "error": None,
        "symbology": "]C1",
        "gtin": "09501101020917",
        "batch": "ABC123",
        "serial": "XYZ",
        "expiry": "2019-05-08",
        "net_weight_kg": 0.195,
        "count": 12,
        "resolves": {"type": "sku", "id": 42},
    }
    assert list(document)[:4] == ["raw", "kind", "valid", "error"]
    assert json.dumps(document, ensure_ascii=False).startswith('{"raw": "]C1')


def test_json_of_an_invalid_scan_keeps_error_and_drops_the_rest() -> None:
    assert scan_to_json(parse_scan(EAN_13_WRONG)) == {
        "raw": EAN_13_WRONG,
        "kind": "product",
        "valid": False,
        "error": check_digit_wrong(),
    }


def test_json_keys_follow_the_contract_order() -> None:
    raw = "]C100106141411234567897" + "0209501101020917" + "11190101" + "15190301" + "3725\x1d"
    raw += "4001234\x1d" + "42012345"
    document = scan_to_json(parse_scan(raw))
    assert list(document) == [
        "raw", "kind", "valid", "error", "symbology", "gtin", "sscc", "best_before",
        "production_date", "count", "order_number", "ship_to_postcode",
    ]  # fmt: skip
    assert document["best_before"] == "2019-03-01"
    assert document["production_date"] == "2019-01-01"


def test_a_scan_is_immutable() -> None:
    scan = parse_scan(EAN_13)
    with pytest.raises(AttributeError):
        scan.gtin = "x"  # type: ignore[misc]
    assert scan == Scan(raw=EAN_13, kind=ScanKind.PRODUCT, valid=True, gtin="0" + EAN_13)
    assert scan.net_weight_kg is None
    assert Decimal("0.195") == parse_scan("]C10109501101020917" + "3103000195").net_weight_kg
