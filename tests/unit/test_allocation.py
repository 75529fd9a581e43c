"""The allocation rule without a database: never more than free, fewest lots, then FEFO."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse_tui.domain.allocation import Allocator, Lot, choose_lots
from warehouse_tui.domain.layout import PickPoint


def _lot(stock_id: int, expiry: date | None, received: int, sku_id: int = 1) -> Lot:
    return Lot(stock_id, sku_id, expiry, datetime(2026, 1, received, tzinfo=UTC), PickPoint(0, 1.0))


def test_choose_lots_fewest_first_then_expiry_then_received() -> None:
    late, early, none_old, none_new = (
        _lot(1, date(2027, 6, 1), 1),
        _lot(2, date(2027, 1, 1), 2),
        _lot(3, None, 1),
        _lot(4, None, 5),
    )
    lots = sorted([late, early, none_old, none_new], key=Lot.fefo)
    free = {1: 5, 2: 5, 3: 12, 4: 12}

    def pick(qty: int) -> list[tuple[int, int]]:
        chosen = choose_lots(lots, free, qty)
        assert chosen is not None
        return [(lot.stock_id, amount) for lot, amount in chosen]

    assert pick(4) == [(2, 4)]  # earliest expiry that fills it alone
    assert pick(8) == [(3, 8)]  # one lot beats two earlier-expiring ones; oldest receipt
    assert pick(20) == [(3, 12), (4, 8)]  # two lots suffice only with both big ones
    assert pick(27) == [(2, 5), (3, 12), (4, 10)]  # three needed: the earliest expiry first
    assert choose_lots(lots, free, 35) is None


def test_choose_lots_takes_the_least_lots_for_any_quantity() -> None:
    rng = random.Random(7)
    for _ in range(200):
        count = rng.randint(1, 6)
        lots = sorted(
            (_lot(k, date(2027, 1, rng.randint(1, 28)), rng.randint(1, 28)) for k in range(count)),
            key=Lot.fefo,
        )
        free = {lot.stock_id: rng.randint(1, 10) for lot in lots}
        qty = rng.randint(1, sum(free.values()))
        chosen = choose_lots(lots, free, qty)
        assert chosen is not None
        assert sum(amount for _lot_, amount in chosen) == qty
        assert all(0 < amount <= free[lot.stock_id] for lot, amount in chosen)
        fewest = next(n for n in range(1, count + 1) if sum(sorted(free.values())[-n:]) >= qty)
        assert len(chosen) == fewest


# --- properties -----------------------------------------------------------------------------------

_expiries = st.one_of(st.none(), st.dates(date(2027, 1, 1), date(2027, 1, 10)))


@st.composite
def _stock(draw: st.DrawFn) -> tuple[list[Lot], dict[int, int]]:
    """A SKU's lots in FEFO order (expiries and receipts that often tie) and their free units."""
    count = draw(st.integers(1, 7))
    lots = sorted(
        (_lot(k, draw(_expiries), draw(st.integers(1, 4))) for k in range(count)), key=Lot.fefo
    )
    free = {lot.stock_id: draw(st.integers(1, 12)) for lot in lots}
    return lots, free


@settings(max_examples=300, deadline=None)
@given(_stock(), st.integers(1, 90))
def test_never_more_than_free_and_all_or_nothing(
    stock: tuple[list[Lot], dict[int, int]], qty: int
) -> None:
    lots, free = stock
    chosen = choose_lots(lots, free, qty)
    if sum(free.values()) < qty:
        assert chosen is None
        return
    assert chosen is not None
    assert sum(amount for _lot_, amount in chosen) == qty
    assert all(0 < amount <= free[lot.stock_id] for lot, amount in chosen)
    assert len({lot.stock_id for lot, _amount in chosen}) == len(chosen)


@settings(max_examples=300, deadline=None)
@given(_stock(), st.data())
def test_fewest_lots_then_earliest_in_fefo_order(
    stock: tuple[list[Lot], dict[int, int]], data: st.DataObject
) -> None:
    """Of all sets of as few lots as can fill the line, the one that comes first in FEFO order
    (earliest expiry, oldest receipt, lowest id): checked against every subset."""
    lots, free = stock
    qty = data.draw(st.integers(1, sum(free.values())))
    chosen = choose_lots(lots, free, qty)
    assert chosen is not None
    fillers = [
        subset
        for size in range(1, len(lots) + 1)
        for subset in combinations(range(len(lots)), size)
        if sum(free[lots[k].stock_id] for k in subset) >= qty
    ]
    fewest = min(len(subset) for subset in fillers)
    first = min(subset for subset in fillers if len(subset) == fewest)
    assert sorted(lots.index(lot) for lot, _amount in chosen) == list(first)


@settings(max_examples=300, deadline=None)
@given(_stock(), st.data())
def test_every_lot_but_the_last_is_emptied(
    stock: tuple[list[Lot], dict[int, int]], data: st.DataObject
) -> None:
    lots, free = stock
    qty = data.draw(st.integers(1, sum(free.values())))
    chosen = choose_lots(lots, free, qty)
    assert chosen is not None
    assert all(amount == free[lot.stock_id] for lot, amount in chosen[:-1])


def test_a_lot_without_expiry_comes_after_every_expiring_one() -> None:
    undated, dated = _lot(1, None, 1), _lot(2, date(2099, 12, 31), 4)
    assert sorted([undated, dated], key=Lot.fefo) == [dated, undated]
    chosen = choose_lots(sorted([undated, dated], key=Lot.fefo), {1: 5, 2: 5}, 3)
    assert chosen == [(dated, 3)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 3), st.integers(1, 12)), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(1, 3), st.integers(1, 20), st.booleans()), max_size=12),
)
def test_allocator_keeps_free_stock_whole(
    rows: list[tuple[int, int]], requests: list[tuple[int, int, bool]]
) -> None:
    """Lines taken one after another never take more of a lot than it had free; what is given
    back is free again, and a line that cannot be filled takes nothing."""
    lots = [_lot(k, None, 1, sku_id=sku) for k, (sku, _free) in enumerate(rows)]
    start = {k: units for k, (_sku, units) in enumerate(rows)}
    allocator = Allocator(lots, start)
    for sku_id, qty, keep in requests:
        before = dict(allocator.free)
        taken = allocator.take(sku_id, qty)
        if taken is None:
            assert allocator.free == before
            assert sum(before[lot.stock_id] for lot in lots if lot.sku_id == sku_id) < qty
            continue
        assert all(lot.sku_id == sku_id for lot, _amount in taken)
        assert sum(amount for _lot_, amount in taken) == qty
        if not keep:
            allocator.give_back([(lot.stock_id, amount) for lot, amount in taken])
            assert allocator.free == before
        assert all(0 <= units <= start[stock_id] for stock_id, units in allocator.free.items())
