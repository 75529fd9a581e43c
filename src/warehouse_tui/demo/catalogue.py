"""The demo catalogue: SKUs drawn from the product tables, each with a valid EAN-13.

Some SKUs get a case GTIN-14 (a scan that counts a case) or a second supplier's EAN. Every
number is drawn from the caller's `random.Random`, in a fixed order, so the same seed gives the
same catalogue.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from warehouse_tui.demo.tables.products import (
    BRANDS,
    CASE_INDICATOR,
    CATEGORIES,
    Base,
    Brand,
    Category,
)


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for `body` (weights 3, 1, 3 … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ean13(body12: str) -> str:
    return body12 + gs1_check_digit(body12)


def case_gtin14(ean: str, indicator: int) -> str:
    """The GTIN-14 of a case of the item `ean`: indicator digit, the item's first 12 digits,
    a new check digit."""
    body = f"{indicator}{ean[:12]}"
    return body + gs1_check_digit(body)


def as_gtin14(code: str) -> str:
    """What the scan parser reports (and so what lookups receive) for any GTIN: 14 digits."""
    return code.zfill(14)


@dataclass(frozen=True)
class DemoSku:
    code: str
    name: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    serial_tracked: bool
    batch_tracked: bool
    typed_qty_allowed: bool
    shelf_life_days: int
    barcodes: tuple[tuple[str, int], ...]  # (14-digit GTIN, units one scan counts)


def _jitter(rng: random.Random, value: int, spread: float = 0.15) -> int:
    return max(1, round(value * rng.uniform(1 - spread, 1 + spread)))


class EanIssuer:
    """Numbers each brand's items in turn under its GS1 company prefix."""

    def __init__(self) -> None:
        self._issued = Counter[str]()

    def next_ean(self, brand: Brand) -> str:
        self._issued[brand.company_prefix] += 1
        return ean13(f"{brand.company_prefix}{self._issued[brand.company_prefix]:05d}")


def _sku(
    rng: random.Random,
    code: str,
    category: Category,
    combo: tuple[Brand, Base, str],
    eans: EanIssuer,
) -> DemoSku:
    brand, base, variant = combo
    ean = eans.next_ean(brand)
    barcodes = [(as_gtin14(ean), 1)]
    if category.case_count and rng.random() < 0.4:
        count = category.case_count
        barcodes.append((case_gtin14(ean, CASE_INDICATOR[count]), count))
    if rng.random() < 0.05:  # relabelled by a second supplier
        barcodes.append((as_gtin14(eans.next_ean(brand)), 1))
    return DemoSku(
        code=code,
        name=" ".join(part for part in (brand.name, base.name, variant) if part),
        weight_g=_jitter(rng, base.weight_g),
        length_mm=_jitter(rng, base.length_mm, 0.05),
        width_mm=_jitter(rng, base.width_mm, 0.05),
        height_mm=_jitter(rng, base.height_mm, 0.05),
        serial_tracked=base.serial and rng.random() < 0.8,
        batch_tracked=category.batch,
        typed_qty_allowed=category.typed_qty,
        shelf_life_days=category.shelf_life_days,
        barcodes=tuple(barcodes),
    )


def build_catalogue(rng: random.Random) -> list[DemoSku]:
    """At least 2,000 SKUs: brand × product × variant, each with a valid EAN-13, some with a
    case GTIN-14 or a second EAN."""
    eans = EanIssuer()
    skus = []
    for category in CATEGORIES:
        combos = [
            (brand, base, variant)
            for brand in BRANDS
            for base in category.bases
            for variant in category.variants
        ]
        chosen = sorted(rng.sample(range(len(combos)), min(category.quota, len(combos))))
        for number, index in enumerate(chosen, start=1):
            code = f"{category.prefix}-{number:05d}"
            skus.append(_sku(rng, code, category, combos[index], eans))
    return skus
