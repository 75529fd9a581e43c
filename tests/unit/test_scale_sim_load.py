"""The demo's simulated load: the true weight within the error, the same parcel the same each
time, and about one parcel in N far enough off for the weight check to refuse it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.devices.scale_sim import simulated_load


@given(
    true_g=st.integers(min_value=1, max_value=60_000),
    parcel_id=st.integers(min_value=1, max_value=2**31 - 1),
    error_g=st.integers(min_value=0, max_value=50),
)
def test_within_the_error_and_repeatable(true_g: int, parcel_id: int, error_g: int) -> None:
    grams = simulated_load(true_g, parcel_id, error_g=error_g, wrong_one_in=0)
    assert abs(grams - true_g) <= error_g or grams == 1
    assert grams == simulated_load(true_g, parcel_id, error_g=error_g, wrong_one_in=0)


def test_one_in_n_is_wrong_beyond_any_default_tolerance() -> None:
    true_g = 660
    loads = [simulated_load(true_g, pid, error_g=8, wrong_one_in=15) for pid in range(1, 3001)]
    wrong = [grams for grams in loads if abs(grams - true_g) > 8]
    assert 150 <= len(wrong) <= 250  # 3000 / 15 = 200
    tolerance = max(30, true_g * 0.03)  # the default weight_tolerance_g / _pct
    assert all(grams - true_g > tolerance for grams in wrong)
    assert len(set(loads)) > 10  # a spread of weights, not one
