"""The demo's shipping: box types, carriers with their services, cut-offs and tracking pools,
the shops, and which carriers serve which country group.

Tracking-number pools hold the serial part only: a number is `prefix + serial (zero-padded to
width) + check digit (when the carrier has a check scheme) + suffix`.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# country group → ((carrier, service, weight), …)
CARRIER_MIX = {
    "DE": (("DHL", "PAKET", 70), ("UPS", "STD", 20), ("UPS", "EXP", 10)),
    "EU": (("DHL", "PAKET-INT", 50), ("UPS", "STD", 30), ("DPI", "WARENPOST", 20)),
    "CN": (("SF", "SF-INT", 50), ("DPI", "WARENPOST", 30), ("DHLX", "EXP-WW", 20)),
    "US": (("UPS", "EXP", 50), ("DHLX", "EXP-WW", 50)),
}
EXPRESS_SERVICES = frozenset({"EXP", "EXP-WW"})


CUTOFFS = {
    (carrier.code, service.code): service.cutoff_local
    for carrier in CARRIERS
    for service in carrier.services
}
