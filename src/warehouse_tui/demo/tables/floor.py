"""The demo floor: its time zone, geometry, locations, stations, totes and put walls.

12 aisles of 32 bays (16 facing pairs) × 4 levels, split by one middle cross-aisle into a front
and a back block of 8 bay pairs each. Positions are bay centres, metres from the front. The
benchmarks walk this same floor, so they import it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from warehouse_tui.domain.barcodes import ScanKind, format_label

TIMEZONE = "Europe/Berlin"
# The demo's simulated scales: a few grams off the true weight, and one parcel in 15 far off,
# so the weight check is seen refusing.
SIM_SCALE = {"error_g": 8, "wrong_one_in": 15}
# The demo shop's sender and return address, printed on every shipping label.
RETURN_ADDRESS = {
    "name": "Teehaus Demo GmbH",
    "address": "Lagerweg 4",
    "postcode": "14974",
    "city": "Ludwigsfelde",
    "country": "DE",
}

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
    return format_label(ScanKind.LOCATION, zone_of_aisle(aisle), aisle + 1, bay, level)


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


# --- stations and their devices, totes, put walls -------------------------------------------

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


# --- the clock --------------------------------------------------------------------------------


def local_time(day: date, hh_mm: str) -> datetime:
    """`hh_mm` on `day` in the warehouse's time zone, as a UTC datetime."""
    hours, minutes = (int(part) for part in hh_mm.split(":"))
    moment = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(TIMEZONE))
    return moment.astimezone(UTC)
