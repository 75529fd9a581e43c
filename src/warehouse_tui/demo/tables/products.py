"""What the demo shop sells: brands with their GS1 company prefixes, and product categories.

A category lists its base products and variants; the catalogue generator draws SKUs from their
combinations (`demo.catalogue`). Tracking, typed quantities, case sizes and shelf life are set
per category, so the demo has each kind of SKU the floor must handle.
"""

from __future__ import annotations

from dataclasses import dataclass

CASE_INDICATOR = {6: 1, 12: 2, 24: 3}


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
