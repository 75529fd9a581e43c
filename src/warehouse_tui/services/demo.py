"""The demo warehouse: a whole floor's worth of data, the same for the same seed and day.

Everything is drawn from one `random.Random(seed)`; the only clock is `today` (the warehouse's
local date), so stock receipts, expiries, ship-by times and import times are relative to it.
Master data goes in with bulk inserts; orders come in as JSON Lines records through the import
service and are then audited, exactly as a shop's orders would be.

Tracking-number pools hold the serial part only: a number is `prefix + serial (zero-padded to
width) + check digit (when the carrier has a check scheme) + suffix`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, insert, literal, select, text, update
from sqlmodel import Session, SQLModel

from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.i18n import _
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.importing import ImportKind, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Carrier,
    CarrierService,
    Device,
    Location,
    Operator,
    Order,
    OrderLine,
    Role,
    Shop,
    Sku,
    Station,
    Stock,
    StockMove,
    Tote,
    TrackingPool,
    WallSlot,
)

Progress = Callable[[str], None]

TIMEZONE = "Europe/Berlin"

# --- the floor -------------------------------------------------------------------------------
# 12 aisles of 32 bays (16 facing pairs) × 4 levels, split by one middle cross-aisle into a front
# and a back block of 8 bay pairs each. Positions are bay centres, metres from the front.
AISLES = 12
BAYS = 32
LEVELS = 4
BAY_PITCH_M = 1.5
FRONT_BLOCK_START_M = 1.0
BACK_BLOCK_START_M = 16.0
CROSS_AISLE_M = 14.5
AISLE_LENGTH_M = 29.0
PAIRS_PER_BLOCK = BAYS // 4
LAYOUT_SPEC: dict[str, Any] = {
    "aisles": AISLES,
    "aisle_length": AISLE_LENGTH_M,
    "aisle_spacing": 3.0,
    "depot_aisle": 0,
    "cross_aisles": [CROSS_AISLE_M],
}


def zone_of_aisle(aisle: int) -> str:
    """A: fast movers nearest the depot, B: the middle aisles, C: bulky goods at the far end."""
    if aisle < 6:
        return "A"
    return "B" if aisle < 10 else "C"


def bay_position(bay: int) -> tuple[int, float]:
    """(block, position_m) of a bay: odd and even bays face each other across the aisle."""
    pair = (bay - 1) // 2
    if pair < PAIRS_PER_BLOCK:
        return 0, FRONT_BLOCK_START_M + (pair + 0.5) * BAY_PITCH_M
    return 1, BACK_BLOCK_START_M + (pair - PAIRS_PER_BLOCK + 0.5) * BAY_PITCH_M


def location_code(aisle: int, bay: int, level: int) -> str:
    return f"LOC-{zone_of_aisle(aisle)}{aisle + 1:02d}-{bay:02d}-{level}"


def location_rows() -> list[dict[str, Any]]:
    rows = []
    for aisle in range(AISLES):
        for bay in range(1, BAYS + 1):
            block, position = bay_position(bay)
            for level in range(1, LEVELS + 1):
                rows.append(
                    {
                        "code": location_code(aisle, bay, level),
                        "zone": zone_of_aisle(aisle),
                        "block": block,
                        "aisle": aisle,
                        "position_m": position,
                        "bay": bay,
                        "level": level,
                        "pickable": True,
                    }
                )
    return rows


# --- barcodes ----------------------------------------------------------------------------------


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


CASE_INDICATOR = {6: 1, 12: 2, 24: 3}


# --- the catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Brand:
    name: str
    company_prefix: str  # a GS1 company prefix of 7 digits; 5 digits are left for items


BRANDS = (
    Brand("Lindenhof", "4012345"),
    Brand("Nordlicht", "4023456"),
    Brand("Bergfeld", "4034567"),
    Brand("Kiefer", "4045678"),
    Brand("Hanami", "4056789"),
    Brand("Mira", "4260123"),
    Brand("青山 Qingshan", "6901234"),
    Brand("Lotus Lane", "6923456"),
)


@dataclass(frozen=True)
class Base:
    name: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    serial: bool = False


@dataclass(frozen=True)
class Category:
    prefix: str
    quota: int
    bases: tuple[Base, ...]
    variants: tuple[str, ...]
    batch: bool = False
    typed_qty: bool = False
    case_count: int | None = None  # units in a case, for the SKUs that have a case barcode
    shelf_life_days: int = 0


COLOURS = ("black", "white", "navy", "red", "olive", "grey", "sand", "sky blue")
SIZES = ("S", "M", "L", "XL")

CATEGORIES = (
    Category(
        "AP",
        500,
        (
            Base("Cotton T-shirt", 180, 300, 250, 20),
            Base("Hoodie", 620, 350, 300, 70),
            Base("Linen shirt", 260, 320, 260, 30),
            Base("Wool socks", 90, 200, 100, 30),
            Base("Rain jacket", 540, 380, 300, 60),
            Base("丝绸围巾 Silk scarf", 70, 250, 180, 15),
        ),
        tuple(f"{colour} {size}" for colour in COLOURS for size in SIZES),
    ),
    Category(
        "HK",
        350,
        (
            Base("Ceramic mug 350 ml", 380, 120, 100, 110),
            Base("Glass teapot 1 l", 720, 200, 160, 170),
            Base("Bamboo cutting board", 900, 400, 260, 20),
            Base("Enamel pot 2 l", 1400, 260, 220, 160),
            Base("青花瓷茶杯 Porcelain tea cup", 150, 90, 90, 70),
            Base("竹筷 10 pairs of chopsticks", 120, 250, 60, 30),
            Base("Linen tea towel", 90, 220, 160, 15),
        ),
        (*COLOURS, "set of 2", "set of 4"),
    ),
    Category(
        "EL",
        200,
        (
            Base("USB-C charger 65 W", 160, 70, 70, 35, serial=True),
            Base("Bluetooth earbuds", 120, 90, 70, 40, serial=True),
            Base("Power bank 10000 mAh", 260, 150, 75, 20, serial=True),
            Base("Smart plug", 110, 80, 60, 60),
            Base("Wireless mouse", 140, 130, 80, 45),
            Base("蓝牙音箱 Bluetooth speaker", 480, 180, 80, 80, serial=True),
            Base("USB-C cable 1 m", 45, 120, 80, 20),
        ),
        ("black", "white", "graphite", "mint"),
    ),
    Category(
        "BE",
        300,
        (
            Base("Face cream 50 ml", 120, 70, 70, 60),
            Base("Hand lotion 100 ml", 140, 160, 50, 35),
            Base("Sunscreen SPF50 75 ml", 110, 150, 45, 30),
            Base("Lip balm", 15, 80, 20, 20),
            Base("Shampoo 250 ml", 300, 190, 65, 45),
            Base("玫瑰精油 Rose oil 30 ml", 90, 110, 40, 40),
        ),
        ("rose", "lavender", "unscented", "green tea", "citrus", "sandalwood", "aloe", "honey"),
        batch=True,
        case_count=6,
        shelf_life_days=720,
    ),
    Category(
        "FD",
        250,
        (
            Base("Jasmine green tea 100 g", 130, 120, 80, 80),
            Base("龙井绿茶 Longjing tea 100 g", 140, 120, 80, 80),
            Base("普洱茶饼 Pu-erh cake 357 g", 400, 200, 200, 30),
            Base("Dark chocolate 85% 100 g", 110, 160, 80, 10),
            Base("Roasted almonds 200 g", 220, 180, 120, 40),
            Base("Forest honey 500 g", 690, 90, 90, 110),
            Base("枸杞 Goji berries 250 g", 270, 200, 140, 40),
        ),
        ("", "gift tin", "refill pack", "organic", "family size"),
        batch=True,
        case_count=12,
        shelf_life_days=365,
    ),
    Category(
        "ST",
        300,
        (
            Base("Gel pen 0.5 mm", 12, 145, 12, 12),
            Base("Pencil HB", 6, 175, 8, 8),
            Base("Sticky notes 76×76 mm", 60, 76, 76, 20),
            Base("A5 notebook dotted", 230, 210, 148, 12),
            Base("Eraser", 20, 60, 20, 12),
            Base("毛笔 Calligraphy brush", 25, 230, 12, 12),
        ),
        (*COLOURS, "assorted"),
        typed_qty=True,
        case_count=24,
    ),
    Category(
        "TY",
        200,
        (
            Base("Wooden puzzle 100 pcs", 350, 250, 200, 50),
            Base("Building blocks 250 pcs", 900, 380, 260, 90),
            Base("熊猫公仔 Plush panda", 260, 300, 200, 150),
            Base("Kite", 300, 800, 120, 60),
            Base("Yo-yo", 60, 60, 60, 40),
        ),
        ("classic", "rainbow", "mini", "deluxe", "travel"),
    ),
    Category(
        "BK",
        150,
        (
            Base("Cookbook: Dumplings", 680, 250, 190, 25),
            Base("Travel guide: Berlin", 420, 200, 130, 20),
            Base("汉语入门 Chinese for beginners", 520, 240, 170, 18),
            Base("Birdwatching field guide", 610, 215, 135, 30),
        ),
        ("paperback", "hardcover", "2nd edition", "gift edition", "large print"),
    ),
    Category(
        "TL",
        150,
        (
            Base("Wood screws 4×40 mm (100)", 480, 110, 70, 50),
            Base("Wall plugs 6 mm (50)", 90, 110, 70, 30),
            Base("Cable ties 200 mm (100)", 130, 220, 60, 20),
            Base("Hex key set", 210, 120, 60, 25),
            Base("LED bulb E27 9 W", 60, 110, 65, 65),
        ),
        ("zinc", "stainless", "black", "value pack", "pro"),
        typed_qty=True,
        case_count=12,
    ),
)


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


# --- people, boxes, carriers, shops, stations ----------------------------------------------------


@dataclass(frozen=True)
class DemoOperator:
    badge: str
    name: str
    role: Role
    language: str
    pin: str


OPERATORS = (
    DemoOperator("OP-0001", "Anna Becker", Role.PICKER, "en", "1001"),
    DemoOperator("OP-0002", "李娜 Li Na", Role.PICKER, "zh_CN", "1002"),
    DemoOperator("OP-0003", "Jonas Wolf", Role.PICKER, "en", "1003"),
    DemoOperator("OP-0004", "王伟 Wang Wei", Role.PICKER, "zh_CN", "1004"),
    DemoOperator("OP-0005", "Marta Nowak", Role.PACKER, "en", "2005"),
    DemoOperator("OP-0006", "张敏 Zhang Min", Role.PACKER, "zh_CN", "2006"),
    DemoOperator("OP-0007", "Lukas Braun", Role.PACKER, "en", "2007"),
    DemoOperator("OP-0008", "Sofia Romano", Role.SUPERVISOR, "en", "3008"),
    DemoOperator("OP-0009", "陈静 Chen Jing", Role.SUPERVISOR, "zh_CN", "3009"),
    DemoOperator("OP-0010", "Admin", Role.ADMIN, "en", "9010"),
)

# code, name, inner length × width × height (mm), tare (g), max weight (g)
BOX_TYPES = (
    ("BOX-E1", "Padded envelope C5", 230, 160, 30, 25, 1000),
    ("BOX-S1", "Small box", 200, 150, 100, 110, 5000),
    ("BOX-S2", "Small box, tall", 200, 150, 200, 150, 5000),
    ("BOX-M1", "Medium box", 300, 220, 150, 240, 15000),
    ("BOX-M2", "Medium box, tall", 300, 220, 250, 300, 15000),
    ("BOX-L1", "Large box", 400, 300, 250, 450, 25000),
    ("BOX-L2", "Large box, tall", 400, 300, 400, 560, 30000),
    ("BOX-XL", "Extra large box", 600, 400, 400, 900, 31500),
)


@dataclass(frozen=True)
class DemoService:
    code: str
    name: str
    cutoff_local: str


@dataclass(frozen=True)
class DemoCarrier:
    code: str
    name: str
    tracking_pattern: str
    check_scheme: str
    services: tuple[DemoService, ...]
    pool_prefix: str
    pool_suffix: str
    pool_width: int
    pool_start: int


CARRIERS = (
    DemoCarrier(
        "DHL",
        "DHL Paket",
        r"JJD\d{18}",
        "",
        (
            DemoService("PAKET", "DHL Paket", "17:30"),
            DemoService("PAKET-INT", "DHL Paket International", "16:00"),
        ),
        "JJD0034043466",
        "",
        8,
        10_000_000,
    ),
    DemoCarrier(
        "UPS",
        "UPS",
        r"1Z[0-9A-Z]{15}\d",
        "ups_1z",
        (
            DemoService("STD", "UPS Standard", "18:00"),
            DemoService("EXP", "UPS Express Saver", "16:30"),
        ),
        "1Z4W8E6701",
        "",
        7,
        3_400_000,
    ),
    DemoCarrier(
        "DHLX",
        "DHL Express",
        r"\d{10}",
        "mod7",
        (DemoService("EXP-WW", "DHL Express Worldwide", "15:30"),),
        "",
        "",
        9,
        347_100_000,
    ),
    DemoCarrier(
        "DPI",
        "Deutsche Post International",
        r"[A-Z]{2}\d{9}DE",
        "upu_s10",
        (DemoService("WARENPOST", "Warenpost International", "14:00"),),
        "LX",
        "DE",
        8,
        51_200_000,
    ),
    DemoCarrier(
        "SF",
        "SF Express",
        r"SF\d{13}",
        "",
        (DemoService("SF-INT", "SF International Express", "13:00"),),
        "SF14023",
        "",
        8,
        10_000,
    ),
)
POOL_SIZE = 20_000

# code, name, how it reaches us, when the shop hears of a shipment
SHOPS = (
    ("WEB", "Lotus & Linden web shop", "file", "load"),
    ("MKT", "Lotus & Linden marketplace store", "file", "label"),
)

LABEL_FILES = "labels"


@dataclass(frozen=True)
class DemoDevice:
    kind: str  # scanner | scale | printer
    driver: str
    port: str = ""


WEDGE = DemoDevice("scanner", "wedge")

# name, kind, put wall, devices
STATIONS: tuple[tuple[str, str, int | None, tuple[DemoDevice, ...]], ...] = (
    ("HH-1", "handheld", None, (WEDGE,)),
    ("HH-2", "handheld", None, (WEDGE,)),
    (
        "PACK-1",
        "pack",
        None,
        (
            WEDGE,
            DemoDevice("scale", "mt-sics", "sim:mt-sics"),
            DemoDevice("printer", "zpl", f"file:{LABEL_FILES}/PACK-1.zpl"),
        ),
    ),
    (
        "PACK-2",
        "pack",
        None,
        (
            WEDGE,
            DemoDevice("scale", "sma", "sim:sma"),
            DemoDevice("printer", "zpl", "sim:zpl"),
        ),
    ),
    ("WALL-1", "put-wall", 1, (WEDGE,)),
    ("WALL-2", "put-wall", 2, (WEDGE,)),
    (
        "LOAD-1",
        "load",
        None,
        (WEDGE, DemoDevice("printer", "zpl", f"file:{LABEL_FILES}/LOAD-1.zpl")),
    ),
    ("RET-1", "returns", None, (WEDGE,)),
    (
        "SUP-1",
        "supervisor",
        None,
        (WEDGE, DemoDevice("printer", "zpl", f"file:{LABEL_FILES}/SUP-1.zpl")),
    ),
)

TOTES = 300
WALLS = 2
SLOTS_PER_WALL = 24


# --- buyers and their addresses ----------------------------------------------------------------

# fmt: off
FIRST_NAMES = (
    "Lena", "Paul", "Mia", "Felix", "Emma", "Leon", "Hannah", "Noah", "Sophie", "Elias",
    "Clara", "Jan", "Lea", "Tim", "Marie", "David", "Laura", "Max", "Julia", "Tom",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz",
)
CHINESE_NAMES = (
    "王芳", "李强", "张伟", "刘洋", "陈晨", "杨丽", "黄磊", "赵敏", "周杰", "吴静", "徐涛", "孙悦",
)
DE_STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße",
    "Goethestraße", "Bergstraße", "Am Markt", "Rosenweg", "Friedrichstraße",
)
# fmt: on
DE_CITIES = (
    ("Berlin", 10115),
    ("Hamburg", 20095),
    ("München", 80331),
    ("Köln", 50667),
    ("Frankfurt am Main", 60311),
    ("Leipzig", 4109),
    ("Dresden", 1067),
    ("Stuttgart", 70173),
    ("Düsseldorf", 40213),
    ("Hannover", 30159),
    ("Nürnberg", 90402),
    ("Bremen", 28195),
)
# city, street, postcode, country
EU_ADDRESSES = (
    ("Wien", "Mariahilfer Straße", "1060", "AT"),
    ("Graz", "Herrengasse", "8010", "AT"),
    ("Amsterdam", "Prinsengracht", "1016 GV", "NL"),
    ("Paris", "Rue de Rivoli", "75001", "FR"),
    ("Lyon", "Rue de la République", "69002", "FR"),
    ("Milano", "Via Torino", "20123", "IT"),
    ("Warszawa", "ul. Marszałkowska", "00-626", "PL"),
    ("København", "Strøget", "1160", "DK"),
)
US_ADDRESSES = (
    ("New York", "NY", "Broadway", "10012"),
    ("San Francisco", "CA", "Market Street", "94103"),
    ("Seattle", "WA", "Pine Street", "98101"),
)
# city, region, district + road, postcode
CN_ADDRESSES = (
    ("上海市", "上海", "浦东新区世纪大道", "200120"),
    ("北京市", "北京", "朝阳区建国路", "100022"),
    ("广州市", "广东省", "天河区天河路", "510620"),
    ("深圳市", "广东省", "南山区科技园南路", "518057"),
    ("杭州市", "浙江省", "西湖区文三路", "310012"),
    ("成都市", "四川省", "武侯区人民南路", "610041"),
)

# country group → ((carrier, service, weight), …)
CARRIER_MIX = {
    "DE": (("DHL", "PAKET", 70), ("UPS", "STD", 20), ("UPS", "EXP", 10)),
    "EU": (("DHL", "PAKET-INT", 50), ("UPS", "STD", 30), ("DPI", "WARENPOST", 20)),
    "CN": (("SF", "SF-INT", 50), ("DPI", "WARENPOST", 30), ("DHLX", "EXP-WW", 20)),
    "US": (("UPS", "EXP", 50), ("DHLX", "EXP-WW", 50)),
}
EXPRESS_SERVICES = frozenset({"EXP", "EXP-WW"})

BUYER_TAGS = (("vip", 0.05), ("gift", 0.04), ("fragile", 0.03), ("no-invoice", 0.03))
GIFT_NOTES = (
    "Gift wrap, card: Happy birthday!",
    "Gift wrap, card: Alles Gute zum Geburtstag!",
    "礼品包装，贺卡：生日快乐！",
    "Gift wrap, no prices inside.",
)
PACK_NOTES = (
    "Please add the spare buttons.",
    "Bubble wrap around the glass items, please.",
    "Bitte ohne Werbematerial.",
    "请勿放入发票。",
    "Leave the parcel with the neighbour at no. 12 if absent.",
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
        city, postcode = rng.choice(DE_CITIES)
        return {
            "name": name,
            "address1": f"{rng.choice(DE_STREETS)} {rng.randint(1, 180)}",
            "city": city,
            "postcode": f"{postcode + rng.randint(0, 60):05d}",
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


# --- orders --------------------------------------------------------------------------------------

OPEN_ORDERS = 1_200
MERGE_PAIRS = 40  # buyers with two open orders to the same address
CANCELLED_AT_SHOP = 8
DISCONTINUED_SKUS = ("AP-99017", "HK-99042")  # ordered, not in the catalogue: the audit holds
NO_POSTCODE = 1  # orders the shop sent without a postcode: the audit holds them too
SHORT_SKUS = 8  # SKUs with too little stock: the audit holds some of their orders
SHORT_DEMAND = (4, 12)  # units ordered of the SKUs that may be short
LINES_PER_ORDER = (1, 2, 3, 4, 5, 6, 8)
LINES_WEIGHTS = (55, 20, 11, 6, 4, 2, 2)


@dataclass(frozen=True)
class DemoOrders:
    records: list[dict[str, Any]]  # the first version of every order, in import order
    cancellations: list[dict[str, Any]]  # newer versions cancelling a few of them at the shop
    imported_at: dict[tuple[str, str], datetime]  # (shop, shop order id) → when it came in
    demand: Counter[str]  # units per SKU code over the orders that stay open


def local_time(day: date, hh_mm: str) -> datetime:
    """`hh_mm` on `day` in the warehouse's time zone, as a UTC datetime."""
    hours, minutes = (int(part) for part in hh_mm.split(":"))
    moment = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(TIMEZONE))
    return moment.astimezone(UTC)


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


CUTOFFS = {
    (carrier.code, service.code): service.cutoff_local
    for carrier in CARRIERS
    for service in carrier.services
}


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


# --- stock ---------------------------------------------------------------------------------------

GOLDEN_LEVELS = (2, 1, 3, 4)  # the levels a picker reaches best, best first
RESERVE_LEVELS = (3, 4)
PICK_FACE_UNITS = 24  # above this, part of a SKU's stock sits in a reserve location


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


# --- writing it ----------------------------------------------------------------------------------


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


def _ids(session: Session, code_column: Any, id_column: Any) -> dict[str, int]:
    return {code: row_id for code, row_id in session.execute(select(code_column, id_column))}


def _seed_settings(session: Session) -> None:
    set_setting(session, "timezone", TIMEZONE)
    set_setting(session, "layout", LAYOUT_SPEC)


def _seed_catalogue(session: Session, skus: list[DemoSku]) -> dict[str, int]:
    _insert(
        session,
        Sku,
        [
            {
                "code": sku.code,
                "name": sku.name,
                "weight_g": sku.weight_g,
                "length_mm": sku.length_mm,
                "width_mm": sku.width_mm,
                "height_mm": sku.height_mm,
                "serial_tracked": sku.serial_tracked,
                "batch_tracked": sku.batch_tracked,
                "typed_qty_allowed": sku.typed_qty_allowed,
            }
            for sku in skus
        ],
    )
    sku_ids = _ids(session, Sku.code, Sku.id)
    _insert(
        session,
        Barcode,
        [
            {"code": code, "sku_id": sku_ids[sku.code], "quantity": quantity}
            for sku in skus
            for code, quantity in sku.barcodes
        ],
    )
    return sku_ids


def _seed_stock(
    session: Session, lots: list[DemoLot], sku_ids: dict[str, int], location_ids: dict[str, int]
) -> None:
    _insert(
        session,
        Stock,
        [
            {
                "location_id": location_ids[lot.location],
                "sku_id": sku_ids[lot.sku],
                "batch": lot.batch,
                "expiry": lot.expiry,
                "received_at": lot.received_at,
                "on_hand": lot.quantity,
                "allocated": 0,
            }
            for lot in lots
        ],
    )
    _insert(
        session,
        StockMove,
        [
            {
                "at": lot.received_at,
                "sku_id": sku_ids[lot.sku],
                "location_id": location_ids[lot.location],
                "batch": lot.batch,
                "delta": lot.quantity,
                "reason": "receive",
                "ref": f"PO-{lot.received_at:%y%m%d}",
            }
            for lot in lots
        ],
    )


def _seed_operators(session: Session) -> int:
    """The operators, in badge order (so on an empty database OP-0001 has ID 1); returns the
    admin's ID."""
    _insert(
        session,
        Operator,
        [
            {
                "badge": operator.badge,
                "name": operator.name,
                "pin_hash": hash_pin(operator.pin),
                "role": operator.role.value,
                "language": operator.language,
                "active": True,
            }
            for operator in OPERATORS
        ],
    )
    admin = next(operator for operator in OPERATORS if operator.role is Role.ADMIN)
    return session.execute(select(Operator.id).where(Operator.badge == admin.badge)).scalar_one()


def _seed_stations(session: Session) -> None:
    _insert(
        session,
        Station,
        [{"name": name, "kind": kind, "wall": wall} for name, kind, wall, _ in STATIONS],
    )
    station_ids = _ids(session, Station.name, Station.id)
    _insert(
        session,
        Device,
        [
            {
                "station_id": station_ids[name],
                "kind": device.kind,
                "driver": device.driver,
                "port": device.port,
                "settings": {},
            }
            for name, _kind, _wall, devices in STATIONS
            for device in devices
        ],
    )
    _insert(session, Tote, [{"code": f"TOTE-{n:04d}"} for n in range(1, TOTES + 1)])
    _insert(
        session,
        WallSlot,
        [
            {"code": f"WALL-{wall}-{slot:02d}", "wall": wall, "slot": slot, "status": "free"}
            for wall in range(1, WALLS + 1)
            for slot in range(1, SLOTS_PER_WALL + 1)
        ],
    )


def _seed_shipping(session: Session) -> None:
    _insert(
        session,
        BoxType,
        [
            {
                "code": code,
                "name": name,
                "length_mm": length,
                "width_mm": width,
                "height_mm": height,
                "tare_g": tare,
                "max_weight_g": max_weight,
            }
            for code, name, length, width, height, tare, max_weight in BOX_TYPES
        ],
    )
    _insert(
        session,
        Carrier,
        [
            {
                "code": carrier.code,
                "name": carrier.name,
                "tracking_pattern": carrier.tracking_pattern,
                "check_scheme": carrier.check_scheme,
            }
            for carrier in CARRIERS
        ],
    )
    carrier_ids = _ids(session, Carrier.code, Carrier.id)
    _insert(
        session,
        CarrierService,
        [
            {
                "carrier_id": carrier_ids[carrier.code],
                "code": service.code,
                "name": service.name,
                "cutoff_local": service.cutoff_local,
            }
            for carrier in CARRIERS
            for service in carrier.services
        ],
    )
    _insert(
        session,
        TrackingPool,
        [
            {
                "carrier_id": carrier_ids[carrier.code],
                "prefix": carrier.pool_prefix,
                "suffix": carrier.pool_suffix,
                "next_number": carrier.pool_start,
                "last_number": carrier.pool_start + POOL_SIZE - 1,
                "width": carrier.pool_width,
            }
            for carrier in CARRIERS
        ],
    )
    _insert(
        session,
        Shop,
        [
            {"code": code, "name": name, "kind": kind, "announce_at": announce, "settings": {}}
            for code, name, kind, announce in SHOPS
        ],
    )


def _import_orders(store: Store, actor: Actor, orders: DemoOrders) -> None:
    """The orders as the shop sent them, then (a second file) its cancellations."""
    for records, source in ((orders.records, "demo-orders"), (orders.cancellations, "demo-cancel")):
        result = import_records(store, ImportKind.ORDERS, records, actor=actor, source=source)
        if not result.accepted:
            raise RuntimeError(f"demo {source} refused by the import: {result.errors[:3]}")


def _set_import_times(store: Store, imported_at: dict[tuple[str, str], datetime]) -> None:
    """Give the orders the times they came in on the demo's day, not the seeding's clock."""
    orders: Table = Order.__table__  # type: ignore[attr-defined]
    with store.write() as session:
        session.execute(
            update(orders)
            .where(orders.c.shop == bindparam("b_shop"))
            .where(orders.c.shop_order_id == bindparam("b_order"))
            .values(imported_at=bindparam("b_at"), updated_at=bindparam("b_at")),
            [
                {"b_shop": shop, "b_order": order_id, "b_at": moment}
                for (shop, order_id), moment in imported_at.items()
            ],
        )


def counts(store: Store) -> dict[str, int]:
    """How many of each thing the database holds, orders by status (`orders_<status>`)."""
    tables: dict[str, type[SQLModel]] = {
        "locations": Location,
        "skus": Sku,
        "barcodes": Barcode,
        "stock_lots": Stock,
        "operators": Operator,
        "stations": Station,
        "devices": Device,
        "box_types": BoxType,
        "carriers": Carrier,
        "carrier_services": CarrierService,
        "shops": Shop,
        "totes": Tote,
        "wall_slots": WallSlot,
        "orders": Order,
        "order_lines": OrderLine,
    }
    with store.read() as session:
        result = {
            name: session.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in tables.items()
        }
        result["merge_groups"] = session.execute(
            select(func.count(Order.merge_group.distinct()))
        ).scalar_one()
        for status, number in session.execute(
            select(Order.status, func.count()).group_by(Order.status).order_by(Order.status)
        ):
            result[f"orders_{status}"] = number
    return result


def holds_data(store: Store) -> bool:
    """Whether any table of the schema has a row (the demo seeds empty databases only)."""
    with store.read() as session:
        return any(
            session.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
            for table in SQLModel.metadata.sorted_tables
        )


def wipe(store: Store) -> None:
    """Delete every row of every table of the schema, and restart the row IDs at 1."""
    tables: list[Table] = SQLModel.metadata.sorted_tables
    with store.write() as session:
        if store.is_sqlite:
            # Without AUTOINCREMENT, SQLite numbers rows of an empty table from 1 again.
            for table in reversed(tables):
                session.execute(table.delete())
        else:
            names = ", ".join(f'"{table.name}"' for table in tables)
            session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def seed_demo(
    store: Store, seed: int, today: date, progress: Progress | None = None
) -> dict[str, int]:
    """Fill an empty database with the demo warehouse for `seed` on `today` (the warehouse's
    local date); returns `counts`. The same seed and day give the same data."""
    say = progress or (lambda _message: None)
    rng = random.Random(seed)
    skus = build_catalogue(rng)
    orders = build_orders(rng, skus, today)
    totals = stock_to_hold(rng, skus, orders.demand)
    locations = location_rows()
    reserves = [row["code"] for row in locations if row["level"] in RESERVE_LEVELS]
    lots = build_lots(rng, skus, totals, pick_faces(locations), reserves, today)

    say(_("Laying out the floor, the catalogue and the stock…"))
    with store.write() as session:
        _seed_settings(session)
        _insert(session, Location, locations)
        location_ids = _ids(session, Location.code, Location.id)
        sku_ids = _seed_catalogue(session, skus)
        _seed_stock(session, lots, sku_ids, location_ids)
        admin_id = _seed_operators(session)
        _seed_stations(session)
        _seed_shipping(session)

    actor = Actor(admin_id, screen="demo")
    say(_("Importing {count} orders…").format(count=len(orders.records)))
    _import_orders(store, actor, orders)
    _set_import_times(store, orders.imported_at)
    say(_("Auditing the orders…"))
    audit_orders(store, actor)
    return counts(store)
