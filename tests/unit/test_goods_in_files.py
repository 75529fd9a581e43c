"""The goods-in file parsers: any text is a record or one FileProblem, never another error."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.domain.goods_in_files import FileProblem, parse_receipt, parse_return

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


@given(st.text(max_size=60) | JSON_VALUES.map(json.dumps))
def test_any_line_is_a_record_or_one_problem(text: str) -> None:
    for parse in (parse_return, parse_receipt):
        try:
            parse(text)
        except FileProblem as problem:
            assert str(problem)


def test_a_return_line_reads_its_fields() -> None:
    record = parse_return(
        '{"shop": "WEB", "shop_order_id": 1001, "rma": "R-1", '
        '"lines": [{"sku": "MUG", "qty": 2, "reason": "too big"}]}'
    )
    assert (record.shop, record.shop_order_id, record.rma) == ("WEB", "1001", "R-1")
    assert [(line.sku, line.qty, line.reason) for line in record.lines] == [("MUG", 2, "too big")]


def test_a_receipt_line_reads_batch_and_expiry() -> None:
    record = parse_receipt(
        '{"supplier": "ACME", "reference": "PO-7", '
        '"lines": [{"sku": "TEA", "qty": 24, "batch": "L1", "expiry": "2027-03-01"}]}'
    )
    assert record.lines[0].expiry == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"shop": "WEB", "shop_order_id": "1", "lines": []}', "lines"),
        ('{"shop": "WEB", "shop_order_id": "1", "lines": [{"sku": "A", "qty": 0}]}', "qty"),
        ('{"shop_order_id": "1", "lines": [{"sku": "A", "qty": 1}]}', "shop"),
        ("[1]", "JSON object"),
    ],
)
def test_a_bad_return_line_names_its_problem(text: str, problem: str) -> None:
    with pytest.raises(FileProblem, match=problem):
        parse_return(text)
