"""The demo's open orders, shaped like a shop's day, as the JSON Lines records a shop sends.

Mostly single-line orders with Pareto popularity, some buyers with two orders to one address
(the audit merges them), a few with a discontinued SKU or no postcode (the audit holds them),
and a few cancelled by the shop after they came in. Only `today` and the caller's
`random.Random` decide them.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from warehouse_tui.demo.catalogue import DemoSku
from warehouse_tui.demo.tables.carriers import CARRIER_MIX, CUTOFFS, EXPRESS_SERVICES
from warehouse_tui.demo.tables.floor import local_time
from warehouse_tui.demo.tables.people import (
    BUYER_TAGS,
    CHINESE_NAMES,
    CN_ADDRESSES,
    DE_CITIES,
    DE_STREETS,
    EU_ADDRESSES,
    FIRST_NAMES,
    GIFT_NOTES,
    LAST_NAMES,
    PACK_NOTES,
    US_ADDRESSES,
)


@dataclass(frozen=True)
class Buyer:
    shop: str
    id: str
    name: str
    tags: tuple[str, ...]
    ship_to: dict[str, str]
    region: str  # DE | EU | CN | US, which decides the carriers


def _ship_to(rng: random.Random, region: str, name: str) -> dict[str, str]:
    if region == "DE":
        city, first_postcode = rng.choice(DE_CITIES)
        return {
            "name": name,
            "address1": f"{rng.choice(DE_STREETS)} {rng.randint(1, 180)}",
            "city": city,
            "postcode": f"{first_postcode + rng.randint(0, 60):05d}",
            "country": "DE",
        }
    if region == "EU":
        city, street, postcode, country = rng.choice(EU_ADDRESSES)
        return {
            "name": name,
            "address1": f"{street} {rng.randint(1, 120)}",
            "city": city,
            "postcode": postcode,
            "country": country,
        }
    if region == "US":
        city, state, street, postcode = rng.choice(US_ADDRESSES)
        return {
            "name": name,
            "address1": f"{rng.randint(10, 2400)} {street}",
            "city": city,
            "region": state,
            "postcode": postcode,
            "country": "US",
        }
    city, province, road, postcode = rng.choice(CN_ADDRESSES)
    return {
        "name": name,
        "address1": f"{road}{rng.randint(1, 999)}号",
        "address2": f"{rng.randint(1, 30)}栋{rng.randint(1, 28)}{rng.randint(1, 4):02d}室",
        "city": city,
        "region": province,
        "postcode": postcode,
        "country": "CN",
        "phone": f"+86 13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
    }


def _buyer(rng: random.Random, number: int) -> Buyer:
    shop = "WEB" if rng.random() < 0.65 else "MKT"
    region = rng.choices(("DE", "EU", "CN", "US"), weights=(70, 15, 10, 5))[0]
    if region == "CN":
        name = rng.choice(CHINESE_NAMES)
    else:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    tags = tuple(tag for tag, share in BUYER_TAGS if rng.random() < share)
    buyer_id = f"C{100_000 + number}" if shop == "WEB" else f"mkt-{number * 7919 % 1_000_003:07d}"
    return Buyer(shop, buyer_id, name, tags, _ship_to(rng, region, name), region)


OPEN_ORDERS = 1_200
MERGE_PAIRS = 40  # buyers with two open orders to the same address
CANCELLED_AT_SHOP = 8
DISCONTINUED_SKUS = ("AP-99017", "HK-99042")  # ordered, not in the catalogue: the audit holds
NO_POSTCODE = 1  # orders the shop sent without a postcode: the audit holds them too
LINES_PER_ORDER = (1, 2, 3, 4, 5, 6, 8)
LINES_WEIGHTS = (55, 20, 11, 6, 4, 2, 2)


@dataclass(frozen=True)
class DemoOrders:
    records: list[dict[str, Any]]  # the first version of every order, in import order
    cancellations: list[dict[str, Any]]  # newer versions cancelling a few of them at the shop
    imported_at: dict[tuple[str, str], datetime]  # (shop, shop order id) → when it came in
    demand: Counter[str]  # units per SKU code over the orders that stay open


def popularity_weights(count: int) -> list[float]:
    """Zipf weights (s = 1): the top fifth of the SKUs takes about 80% of the order lines."""
    return [1.0 / (rank + 1) for rank in range(count)]


def _lines(rng: random.Random, ranked: list[DemoSku], cumulative: list[float]) -> list[DemoSku]:
    wanted = rng.choices(LINES_PER_ORDER, weights=LINES_WEIGHTS)[0]
    chosen: dict[str, DemoSku] = {}
    while len(chosen) < wanted:
        sku = rng.choices(ranked, cum_weights=cumulative)[0]
        chosen.setdefault(sku.code, sku)
    return list(chosen.values())


def _quantity(rng: random.Random, sku: DemoSku) -> int:
    if sku.serial_tracked:
        return 1 if rng.random() < 0.9 else 2
    if sku.typed_qty_allowed and rng.random() < 0.3:
        return rng.choice((5, 10, 20))
    return rng.choices((1, 2, 3, 4), weights=(80, 13, 5, 2))[0]


def _ship_by(rng: random.Random, today: date, cutoff: str) -> tuple[datetime, bool]:
    """Today's cut-off mostly, tomorrow's for some, yesterday's (overdue) for a few."""
    offset = rng.choices((0, 1, -1), weights=(75, 22, 3))[0]
    return local_time(today + timedelta(days=offset), cutoff), offset < 0


def _pack_instructions(rng: random.Random, tags: tuple[str, ...]) -> str:
    if "gift" in tags:
        return rng.choice(GIFT_NOTES)
    return rng.choice(PACK_NOTES) if rng.random() < 0.05 else ""


def _shop_order_id(shop: str, number: int, rng: random.Random, today: date) -> str:
    if shop == "WEB":
        return str(200_000 + number * 3 + rng.randint(0, 2))
    return f"{today:%y%m%d}{number:06d}"


def _shipping(rng: random.Random, buyer: Buyer) -> tuple[str, str]:
    """A (carrier, service) for the buyer's country."""
    mix = CARRIER_MIX[buyer.region]
    return rng.choices([(c, s) for c, s, _ in mix], weights=[w for _, _, w in mix])[0]


def _order_record(
    rng: random.Random,
    buyer: Buyer,
    shop_order_id: str,
    lines: list[tuple[str, int]],
    shipping: tuple[str, str],
    today: date,
) -> dict[str, Any]:
    carrier, service = shipping
    ship_by, overdue = _ship_by(rng, today, CUTOFFS[carrier, service])
    priority = (service in EXPRESS_SERVICES) + ("vip" in buyer.tags) + 2 * overdue
    record: dict[str, Any] = {
        "shop": buyer.shop,
        "shop_order_id": shop_order_id,
        "version": 1,
        "buyer": {"id": buyer.id, "name": buyer.name, "tags": list(buyer.tags)},
        "ship_to": dict(buyer.ship_to),
        "carrier": carrier,
        "service": service,
        "priority": priority,
        "ship_by": ship_by.isoformat(),
        "lines": [
            {"shop_line_id": str(index), "sku": code, "qty": qty}
            for index, (code, qty) in enumerate(lines, start=1)
        ],
    }
    instructions = _pack_instructions(rng, buyer.tags)
    if instructions:
        record["pack_instructions"] = instructions
    return record


def cancellation_of(record: dict[str, Any]) -> dict[str, Any]:
    """The shop's next version of `record`: a cancellation."""
    return {
        "shop": record["shop"],
        "shop_order_id": record["shop_order_id"],
        "version": record["version"] + 1,
        "cancelled": True,
    }


def _import_moments(
    rng: random.Random, records: list[dict[str, Any]], today: date
) -> dict[tuple[str, str], datetime]:
    """When each order came in, in record order: from yesterday noon to 07:30 today."""
    start = local_time(today - timedelta(days=1), "12:00")
    window_s = int((local_time(today, "07:30") - start).total_seconds())
    moments = sorted(start + timedelta(seconds=rng.randrange(window_s)) for _ in records)
    return {
        (record["shop"], record["shop_order_id"]): moment
        for record, moment in zip(records, moments, strict=True)
    }


def build_orders(rng: random.Random, skus: list[DemoSku], today: date) -> DemoOrders:
    """Open orders shaped like a shop's day: mostly single-line, Pareto popularity, some buyers
    with two orders to one address, a few with a discontinued SKU or no postcode, and a few
    cancelled by the shop later."""
    ranked = list(skus)
    rng.shuffle(ranked)
    cumulative = list(accumulate(popularity_weights(len(ranked))))

    single_buyers = OPEN_ORDERS + CANCELLED_AT_SHOP - 2 * MERGE_PAIRS
    buyers = [_buyer(rng, number) for number in range(single_buyers + MERGE_PAIRS)]
    slots = buyers + buyers[single_buyers:]  # the last MERGE_PAIRS buyers order twice
    rng.shuffle(slots)
    paired = {buyer.id for buyer in buyers[single_buyers:]}
    alone = [index for index, buyer in enumerate(slots) if buyer.id not in paired]
    special = rng.sample(alone, len(DISCONTINUED_SKUS) + CANCELLED_AT_SHOP + NO_POSTCODE)
    discontinued = dict(zip(special, DISCONTINUED_SKUS, strict=False))
    cancelled = set(special[len(discontinued) :][:CANCELLED_AT_SHOP])
    no_postcode = set(special[len(discontinued) + CANCELLED_AT_SHOP :])

    numbers = Counter[str]()
    shipping: dict[str, tuple[str, str]] = {}  # a buyer's two orders go the same way: merged
    records = []
    for index, buyer in enumerate(slots):
        numbers[buyer.shop] += 1
        shop_order_id = _shop_order_id(buyer.shop, numbers[buyer.shop], rng, today)
        if index in discontinued:
            lines = [(discontinued[index], 1)]
        else:
            lines = [(sku.code, _quantity(rng, sku)) for sku in _lines(rng, ranked, cumulative)]
        way = shipping.setdefault(buyer.id, _shipping(rng, buyer))
        record = _order_record(rng, buyer, shop_order_id, lines, way, today)
        if index in no_postcode:
            record["ship_to"]["postcode"] = ""
        records.append(record)

    demand = Counter[str]()
    for index, record in enumerate(records):
        if index not in cancelled:
            for line in record["lines"]:
                demand[line["sku"]] += line["qty"]
    cancellations = [cancellation_of(records[index]) for index in sorted(cancelled)]
    return DemoOrders(records, cancellations, _import_moments(rng, records, today), demand)
