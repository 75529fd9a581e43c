"""The goods-in files, one JSON object per line: expected returns (`returns import`) and
expected supplier deliveries (`receipts import`). Pure parsing: each line becomes a record or
one message naming what is wrong with it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ReturnLineRecord:
    sku: str
    qty: int
    reason: str


@dataclass(frozen=True)
class ReturnRecord:
    shop: str
    shop_order_id: str
    rma: str
    lines: tuple[ReturnLineRecord, ...]


@dataclass(frozen=True)
class ReceiptLineRecord:
    sku: str
    qty: int
    batch: str
    expiry: date | None


@dataclass(frozen=True)
class ReceiptRecord:
    supplier: str
    reference: str
    lines: tuple[ReceiptLineRecord, ...]


class FileProblem(ValueError):
    """What is wrong with one line (the caller adds the line number)."""


def _object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise FileProblem("not a JSON object") from None
    if not isinstance(value, dict):
        raise FileProblem("not a JSON object")
    return value


def _text(value: dict[str, Any], key: str, *, required: bool = True) -> str:
    found = value.get(key, "")
    if isinstance(found, int) and not isinstance(found, bool):
        found = str(found)
    if not isinstance(found, str):
        raise FileProblem(f"{key} must be text")
    if required and not found.strip():
        raise FileProblem(f"{key} is missing")
    return found.strip()


def _qty(value: dict[str, Any]) -> int:
    qty = value.get("qty")
    if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= 100_000:
        raise FileProblem("qty must be a whole number from 1 to 100000")
    return qty


def _lines(value: dict[str, Any]) -> list[dict[str, Any]]:
    lines = value.get("lines")
    if not isinstance(lines, list) or not lines:
        raise FileProblem("lines must be a non-empty list")
    if not all(isinstance(line, dict) for line in lines):
        raise FileProblem("each line must be a JSON object")
    return lines


def parse_return(text: str) -> ReturnRecord:
    value = _object(text)
    lines = tuple(
        ReturnLineRecord(_text(line, "sku"), _qty(line), _text(line, "reason", required=False))
        for line in _lines(value)
    )
    return ReturnRecord(
        _text(value, "shop"),
        _text(value, "shop_order_id"),
        _text(value, "rma", required=False),
        lines,
    )


def _expiry(line: dict[str, Any]) -> date | None:
    text = _text(line, "expiry", required=False)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FileProblem("expiry must be a date, YYYY-MM-DD") from None


def parse_receipt(text: str) -> ReceiptRecord:
    value = _object(text)
    lines = tuple(
        ReceiptLineRecord(
            _text(line, "sku"),
            _qty(line),
            _text(line, "batch", required=False),
            _expiry(line),
        )
        for line in _lines(value)
    )
    return ReceiptRecord(_text(value, "supplier"), _text(value, "reference"), lines)
