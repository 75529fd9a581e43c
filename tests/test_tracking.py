"""Tracking numbers from the carriers' waybill ranges: check digits, exhaustion, patterns, and
no number given twice across processes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from warehouse_tui.domain.barcodes import (
    TRACKING_CHECKS,
    ScanKind,
    mod7_check_ok,
    parse_scan,
    upu_s10_check_ok,
)
from warehouse_tui.services.tracking import (
    TrackingError,
    TrackingPoolExhausted,
    allocate_tracking,
    format_tracking,
    gs1_mod10_digit,
    mod7_digit,
    tracking_patterns,
    ups_1z_digit,
    upu_s10_digit,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Carrier, TrackingPool


def add_carrier(
    session: Session,
    code: str,
    *,
    pattern: str = "",
    scheme: str = "",
    pools: tuple[tuple[str, int, int, int, str], ...] = (),
) -> Carrier:
    """A carrier with ranges given as (prefix, next, last, width, suffix)."""
    carrier = Carrier(
        code=code, name=f"{code} carrier", tracking_pattern=pattern, check_scheme=scheme
    )
    session.add(carrier)
    session.flush()
    for prefix, first, last, width, suffix in pools:
        session.add(
            TrackingPool(
                carrier_id=carrier.id,
                prefix=prefix,
                next_number=first,
                last_number=last,
                width=width,
                suffix=suffix,
            )
        )
    session.flush()
    return carrier


# --- check digits, from published examples ------------------------------------------------------


def test_check_digits_match_published_numbers() -> None:
    assert upu_s10_digit("12345678") == "5"  # RR123456785CN, the S10 standard's example
    assert ups_1z_digit("999AA1012345678") == "4"  # 1Z999AA10123456784, UPS's sample
    assert gs1_mod10_digit("400638133393") == "1"  # EAN-13 4006381333931
    assert gs1_mod10_digit("10614141123456789") == "7"  # GS1's SSCC 106141411234567897
    assert mod7_digit("123456") == "4"  # 123456 = 7 × 17636 + 4


def test_s10_maps_remainders_ten_and_eleven() -> None:
    assert upu_s10_digit("00000000") == "5"  # weighted sum ≡ 0: 11 - 0 = 11 → 5
    assert upu_s10_digit("00000008") == "0"  # 7 × 8 = 56 ≡ 1: 11 - 1 = 10 → 0
    for serial in ("00000000", "00000008"):
        assert upu_s10_check_ok(f"RR{serial}{upu_s10_digit(serial)}CN")


@given(st.integers(min_value=0, max_value=99_999_999))
def test_s10_numbers_pass_the_parsers_check_and_only_one_digit_does(serial: int) -> None:
    number = format_tracking("LX", serial, 8, "DE", "upu_s10")
    assert upu_s10_check_ok(number)
    wrong = [d for d in "0123456789" if d != number[10]]
    assert not any(upu_s10_check_ok(f"{number[:10]}{d}{number[11:]}") for d in wrong)


@given(
    st.integers(min_value=0, max_value=9_999_999),
    st.sampled_from("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"),
)
def test_ups_numbers_pass_the_parsers_check(number: int, letter: str) -> None:
    tracking = format_tracking(f"1Z4W8E6{letter}01", number, 7, "", "ups_1z")
    assert len(tracking) == 18 and TRACKING_CHECKS["ups_1z"](tracking)


@given(st.integers(min_value=0, max_value=999_999_999))
def test_mod7_and_gs1_numbers_pass_the_parsers_check(number: int) -> None:
    assert mod7_check_ok(format_tracking("", number, 9, "", "mod7"))
    assert TRACKING_CHECKS["gs1_mod10"](format_tracking("9400", number, 17, "", "gs1_mod10"))


def test_a_range_that_cannot_fit_its_scheme_is_an_error() -> None:
    with pytest.raises(TrackingError, match="does not fit"):
        format_tracking("", 1234, 8, "", "upu_s10")  # no letters around the serial
    with pytest.raises(TrackingError, match="does not fit"):
        format_tracking("AB", 1234, 9, "CN", "upu_s10")  # nine digits
    with pytest.raises(TrackingError, match="does not fit"):
        format_tracking("SF", 1234, 8, "", "mod7")
    with pytest.raises(TrackingError, match="does not fit"):
        format_tracking("", 1234, 8, "", "luhn")
    assert format_tracking("JJD00", 42, 6, "X", "") == "JJD00000042X"


# --- allocation ----------------------------------------------------------------------------------


def test_numbers_come_in_order_across_ranges_until_used_up(store: Store) -> None:
    with store.write() as session:
        add_carrier(
            session,
            "DPI",
            scheme="upu_s10",
            pools=(("LX", 5, 6, 8, "DE"), ("LY", 7, 6, 8, "DE"), ("LZ", 90, 91, 8, "DE")),
        )
    taken = []
    for _ in range(4):
        with store.write() as session:
            taken.append(allocate_tracking(session, "DPI"))
    assert [t[:10] for t in taken] == ["LX00000005", "LX00000006", "LZ00000090", "LZ00000091"]
    assert all(upu_s10_check_ok(t) and t.endswith("DE") for t in taken)
    with store.write() as session, pytest.raises(TrackingPoolExhausted, match="used up"):
        allocate_tracking(session, "DPI")
    with store.write() as session, pytest.raises(TrackingError, match="Unknown carrier"):
        allocate_tracking(session, "NOPE")


def test_a_number_taken_in_a_rolled_back_transaction_is_given_again(store: Store) -> None:
    with store.write() as session:
        add_carrier(session, "SF", pools=(("SF", 1, 100, 13, ""),))
    with pytest.raises(RuntimeError), store.write() as session:
        assert allocate_tracking(session, "SF") == "SF0000000000001"
        raise RuntimeError("the label printer failed")
    with store.write() as session:
        assert allocate_tracking(session, "SF") == "SF0000000000001"


# --- patterns ------------------------------------------------------------------------------------


def test_patterns_recognise_the_numbers_the_pools_give(store: Store) -> None:
    with store.write() as session:
        add_carrier(
            session,
            "DPI",
            pattern=r"[A-Z]{2}\d{9}DE",
            scheme="upu_s10",
            pools=(("LX", 51_200_000, 51_299_999, 8, "DE"),),
        )
        add_carrier(session, "BAD", pattern=r"([unclosed")
        add_carrier(session, "NONE")
        number = allocate_tracking(session, "DPI")
        patterns = tracking_patterns(session)

    assert [p.carrier for p in patterns] == ["DPI"]
    scan = parse_scan(number, tracking_patterns=patterns)
    assert scan.kind is ScanKind.TRACKING and scan.valid and scan.carrier == "DPI"
    assert scan.code == number
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    refused = parse_scan(wrong, tracking_patterns=patterns)
    assert not refused.valid and refused.kind is ScanKind.TRACKING
