"""The demo's stock: how many units of each SKU, in which lots, at which locations.

Enough for every open order except a few SKUs kept short (the audit holds their orders); the
most wanted SKUs sit nearest the depot at the easiest levels, overflow in reserve locations,
and batch-tracked SKUs in dated lots, so FEFO allocation has something to choose.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from warehouse_tui.demo.catalogue import DemoSku
from warehouse_tui.demo.tables.floor import LAYOUT_SPEC, local_time
from warehouse_tui.domain.layout import Layout, PickPoint

GOLDEN_LEVELS = (2, 1, 3, 4)  # the levels a picker reaches best, best first
RESERVE_LEVELS = (3, 4)
PICK_FACE_UNITS = 24  # above this, part of a SKU's stock sits in a reserve location
SHORT_SKUS = 8  # SKUs with too little stock: the audit holds some of their orders
SHORT_DEMAND = (4, 12)  # units ordered of the SKUs that may be short


@dataclass(frozen=True)
class DemoLot:
    sku: str
    location: str
    batch: str
    expiry: date | None
    received_at: datetime
    quantity: int


def pick_faces(locations: list[dict[str, Any]]) -> list[str]:
    """Location codes, nearest the depot first and, at one spot, the easiest level first: the
    order in which the most popular SKUs get their pick faces."""
    layout = Layout(**{**LAYOUT_SPEC, "cross_aisles": tuple(LAYOUT_SPEC["cross_aisles"])})

    def walk(location: dict[str, Any]) -> tuple[float, int, str]:
        point = PickPoint(location["aisle"], location["position_m"])
        level_rank = GOLDEN_LEVELS.index(location["level"])
        return layout.distance(layout.depot, point), level_rank, location["code"]

    return [location["code"] for location in sorted(locations, key=walk)]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` units in `parts` positive amounts (fewer parts if there are too few units)."""
    parts = max(1, min(parts, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _received(rng: random.Random, today: date, max_days: int = 150) -> datetime:
    day = today - timedelta(days=rng.randint(3, max_days))
    return local_time(day, f"{rng.randint(7, 15):02d}:{rng.choice((0, 15, 30, 45)):02d}")


def stock_to_hold(rng: random.Random, skus: list[DemoSku], demand: Counter[str]) -> dict[str, int]:
    """Units to keep per SKU: enough for every open order, except a few SKUs ordered a handful
    of times kept short, so the audit has some orders to hold."""
    wanted = sorted(
        code for code, units in demand.items() if SHORT_DEMAND[0] <= units <= SHORT_DEMAND[1]
    )
    short = set(rng.sample(wanted, SHORT_SKUS))
    totals = {}
    for sku in skus:
        need = demand[sku.code]
        if sku.code in short:
            totals[sku.code] = need // 2
        elif need:
            totals[sku.code] = need + need // 3 + rng.randint(4, 30)
        else:
            totals[sku.code] = rng.randint(0, 40)
    return totals


def build_lots(
    rng: random.Random,
    skus: list[DemoSku],
    totals: dict[str, int],
    faces: list[str],
    reserves: list[str],
    today: date,
) -> list[DemoLot]:
    """Each SKU's units in lots: the most wanted SKUs nearest the depot, overflow in a reserve
    location higher up, batch-tracked SKUs in two or three lots with their expiry dates."""
    by_units = sorted(skus, key=lambda sku: (-totals[sku.code], sku.code))
    lots = []
    for rank, sku in enumerate(by_units):
        total = totals[sku.code]
        if total == 0:
            continue
        face = faces[rank * len(faces) // len(by_units)]
        reserve = rng.choice([code for code in rng.sample(reserves, 3) if code != face])
        if sku.batch_tracked:
            amounts = _split(rng, total, rng.randint(2, 3))
            receipts = sorted(_received(rng, today) for _ in amounts)
            for index, (amount, received) in enumerate(zip(amounts, receipts, strict=True)):
                life = sku.shelf_life_days - rng.randint(0, sku.shelf_life_days // 2)
                lots.append(
                    DemoLot(
                        sku.code,
                        face if index == 0 else rng.choice((face, reserve)),
                        f"L{received:%y%m%d}{'ABC'[index]}",
                        received.date() + timedelta(days=life),
                        received,
                        amount,
                    )
                )
            continue
        on_face = total if total <= PICK_FACE_UNITS else rng.randint(PICK_FACE_UNITS, total)
        lots.append(DemoLot(sku.code, face, "", None, _received(rng, today), on_face))
        if total > on_face:
            lots.append(
                DemoLot(sku.code, reserve, "", None, _received(rng, today), total - on_face)
            )
    return lots
