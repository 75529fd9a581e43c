"""PINs are stored salted and hashed, and checked in constant time."""

from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse_tui.domain.pins import hash_pin, pin_matches


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=8), st.text(min_size=1, max_size=8))
def test_only_the_right_pin_matches(pin: str, other: str) -> None:
    stored = hash_pin(pin)
    assert stored.startswith("scrypt$") and stored != pin
    assert pin_matches(pin, stored)
    assert pin_matches(other, stored) == (other == pin)


def test_garbage_hashes_never_match() -> None:
    for stored in ("", "plain", "scrypt$zz$00", "md5$00$00", "a$b$c$d"):
        assert not pin_matches("1234", stored)


def test_same_pin_different_salt() -> None:
    assert hash_pin("1234") != hash_pin("1234")
