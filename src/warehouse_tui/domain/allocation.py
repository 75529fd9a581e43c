"""Which stock a wave takes: each order line from as few lots as possible, then first expiry first.

A lot is one stock row: one SKU at one location, with its batch's expiry and its receipt time.
Its free quantity is on hand − allocated; the wave planner reads that once and allocates in
memory, so a whole wave is chosen without a write, and only the release writes (with
compare-and-set, in `services.waves`).

The rule for one line, in order:

1. never more than is free: a line that the lots cannot fill in full takes nothing;
2. the fewest lots that can fill it (a picker walks to fewer places; a lot is one location);
3. among equally few, earliest expiry first (FEFO; a lot without expiry comes last), then the
   oldest receipt (FIFO), then the lower stock id, so the choice is the same on every run.

Nothing here does I/O: plain dataclasses and functions, property-tested.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from warehouse_tui.domain.layout import PickPoint

_LAST_EXPIRY = date.max


@dataclass(frozen=True)
class Lot:
    """A stock row the allocator may take from."""

    stock_id: int
    sku_id: int
    expiry: date | None
    received_at: datetime
    point: PickPoint

    def fefo(self) -> tuple[date, datetime, int]:
        return self.expiry or _LAST_EXPIRY, self.received_at, self.stock_id


class Allocator:
    """Free stock in memory, taken line by line and given back if a unit cannot be filled."""

    def __init__(self, lots: Sequence[Lot], free: dict[int, int]) -> None:
        self.free = dict(free)
        by_sku: dict[int, list[Lot]] = defaultdict(list)
        for lot in sorted(lots, key=Lot.fefo):
            by_sku[lot.sku_id].append(lot)
        self.by_sku = dict(by_sku)

    def take(self, sku_id: int, qty: int) -> list[tuple[Lot, int]] | None:
        """Fewest lots, then earliest expiry, then oldest receipt; None if stock is short."""
        lots = [lot for lot in self.by_sku.get(sku_id, ()) if self.free[lot.stock_id] > 0]
        chosen = choose_lots(lots, {lot.stock_id: self.free[lot.stock_id] for lot in lots}, qty)
        if chosen is not None:
            for lot, amount in chosen:
                self.free[lot.stock_id] -= amount
        return chosen

    def give_back(self, taken: Sequence[tuple[int, int]]) -> None:
        """Return (stock id, quantity) pairs taken for a unit that is not going after all."""
        for stock_id, amount in taken:
            self.free[stock_id] += amount


def choose_lots(
    lots: Sequence[Lot], free: dict[int, int], qty: int
) -> list[tuple[Lot, int]] | None:
    """Which lots fill `qty`: as few as can, and among those the earliest-expiring, oldest.

    `lots` come in FEFO order (earliest expiry, then oldest receipt). The fewest lots that can
    fill the line is k (the biggest k free amounts reach qty); then each step takes the first
    lot in FEFO order after which the rest can still be filled by the lots left.
    """
    if sum(free[lot.stock_id] for lot in lots) < qty:
        return None
    slots = _fewest_lots(sorted((free[lot.stock_id] for lot in lots), reverse=True), qty)
    chosen: list[tuple[Lot, int]] = []
    pool = list(lots)
    remaining = qty
    while remaining > 0:
        for index, lot in enumerate(pool):
            amount = min(free[lot.stock_id], remaining)
            rest = sorted(
                (free[other.stock_id] for other in pool if other is not lot), reverse=True
            )
            if remaining - amount <= sum(rest[: slots - 1]):
                chosen.append((lot, amount))
                remaining -= amount
                slots -= 1
                del pool[index]
                break
    return chosen


def _fewest_lots(frees_descending: Sequence[int], qty: int) -> int:
    total = 0
    for count, amount in enumerate(frees_descending, start=1):
        total += amount
        if total >= qty:
            return count
    raise ValueError(qty)
