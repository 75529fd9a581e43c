"""`format_label` writes our own labels in the one form `parse_scan` reads back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.domain.barcodes import ScanKind, format_label, parse_scan

IDS = st.integers(min_value=1, max_value=10**12 - 1)


@given(IDS)
def test_ids_round_trip_through_the_parser(number: int) -> None:
    for kind in (ScanKind.ORDER, ScanKind.PARCEL, ScanKind.TOTE, ScanKind.BADGE):
        scan = parse_scan(format_label(kind, number))
        assert scan.valid and scan.kind is kind and int(scan.code or "") == number


@given(
    st.sampled_from("ABCXZ"),
    st.integers(1, 99),
    st.integers(1, 99),
    st.integers(1, 9),
)
def test_locations_round_trip(zone: str, aisle: int, bay: int, level: int) -> None:
    scan = parse_scan(format_label(ScanKind.LOCATION, zone, aisle, bay, level))
    assert (scan.valid, scan.zone, scan.aisle, scan.bay, scan.level) == (
        True,
        zone,
        aisle,
        bay,
        level,
    )


def test_the_forms_the_design_names() -> None:
    assert format_label(ScanKind.LOCATION, "A", 3, 12, 2) == "LOC-A03-12-2"
    assert format_label(ScanKind.TOTE, 42) == "TOTE-0042"
    assert format_label(ScanKind.SLOT, 1, 7) == "WALL-1-07"
    assert format_label(ScanKind.ORDER, 10023) == "ORD-10023"
    assert format_label(ScanKind.PARCEL, 5531) == "PCL-5531"
    assert format_label(ScanKind.BOX, "M2") == "BOX-M2"
    assert format_label(ScanKind.BADGE, 7) == "OP-0007"


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        (ScanKind.ORDER, (-1,)),
        (ScanKind.ORDER, (10**13,)),
        (ScanKind.LOCATION, ("A", 3)),
        (ScanKind.LOCATION, ("AA", 3, 12, 2)),
        (ScanKind.SLOT, (1, 100)),
        (ScanKind.BOX, ("m 2",)),
        (ScanKind.PRODUCT, ("4006381333931",)),
    ],
)
def test_parts_that_make_no_valid_label_are_refused(
    kind: ScanKind, parts: tuple[int | str, ...]
) -> None:
    with pytest.raises(ValueError):
        format_label(kind, *parts)
