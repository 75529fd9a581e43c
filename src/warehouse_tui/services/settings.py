"""Warehouse-wide settings, kept as JSON values in the `setting` table (the DB is the truth)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from warehouse_tui.domain.layout import Layout
from warehouse_tui.i18n import _
from warehouse_tui.store.models import Setting

DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    # The floor's geometry for routing: aisle index and position_m of every Location refer to it.
    "layout": {
        "aisles": 12,
        "aisle_length": 60.0,
        "aisle_spacing": 3.0,
        "depot_aisle": 0,
        "cross_aisles": [30.0],
    },
    "weight_tolerance_g": 30,
    "weight_tolerance_pct": 3.0,
    "duplicate_scan_window_ms": 200,
    "cart_totes": 12,
    "cart_volume_l": 240.0,
    "claim_lease_s": 300,
    # Share of a box's inner volume items may fill when the pack station suggests a box.
    "box_fill_factor": 0.8,
    # What an accepted and a refused scan sound and look like on every screen: terminal bells
    # rung, and the message's colour as #rrggbb ("" = the theme's success and error colours).
    "feedback": {"ok_bells": 1, "fail_bells": 3, "ok_colour": "", "fail_colour": ""},
    # A typed field (PIN, quantity, weight) takes what ends in Enter as a scan when it reads as
    # one of our codes or a GTIN, or when at least `min_length` keys came no more than
    # `max_key_interval_ms` apart: a scanner types faster than any person.
    "wedge_burst": {"min_length": 8, "max_key_interval_ms": 35},
}
MAX_BELLS = 9
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def get_setting(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return json.loads(row.value) if row is not None else DEFAULTS[key]


def setting_refusal(key: str, value: Any) -> str:
    """Why `value` may not be stored as `key` (it must have the default's shape), or ""."""
    if key not in DEFAULTS:
        return _("Unknown setting {key}: one of {keys}").format(
            key=key, keys=", ".join(sorted(DEFAULTS))
        )
    return _shape_refusal(key, DEFAULTS[key], value)


def _shape_refusal(name: str, default: Any, value: Any) -> str:
    if isinstance(default, dict):
        if not isinstance(value, dict) or set(value) != set(default):
            return _("{name} needs exactly the keys {keys}").format(
                name=name, keys=", ".join(default)
            )
        for key, item in value.items():
            refusal = _shape_refusal(f"{name}.{key}", default[key], item)
            if refusal:
                return refusal
        return ""
    if isinstance(default, bool) or isinstance(value, bool):
        wrong = type(value) is not type(default)
    elif isinstance(default, float):
        wrong = not isinstance(value, int | float) or value < 0
    else:
        wrong = type(value) is not type(default) or (isinstance(value, int) and value < 0)
    if wrong:
        return _("{name} must be like {example}").format(
            name=name, example=json.dumps(default, ensure_ascii=False)
        )
    return _value_refusal(name, value)


def _value_refusal(name: str, value: Any) -> str:
    """Rules beyond the shape, for the settings that have them."""
    if name.endswith("_bells") and value > MAX_BELLS:
        return _("{name}: at most {most} bells").format(name=name, most=MAX_BELLS)
    if name.endswith("_colour") and value and not _HEX_COLOUR.fullmatch(value):
        return _("{name}: a colour is written #rrggbb, or empty for the theme's").format(
            name=name
        )
    if name == "timezone":
        try:
            ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            return _("Unknown time zone {zone}").format(zone=value)
    return ""


def set_setting(session: Session, key: str, value: Any) -> None:
    encoded = json.dumps(value, ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded


@dataclass(frozen=True)
class Feedback:
    ok_bells: int = DEFAULTS["feedback"]["ok_bells"]
    fail_bells: int = DEFAULTS["feedback"]["fail_bells"]
    ok_colour: str = ""
    fail_colour: str = ""


def feedback_style(session: Session) -> Feedback:
    return Feedback(**get_setting(session, "feedback"))


@dataclass(frozen=True)
class WedgeBurst:
    min_length: int
    max_key_interval_ms: int


def wedge_burst(session: Session) -> WedgeBurst:
    return WedgeBurst(**get_setting(session, "wedge_burst"))


def warehouse_layout(session: Session) -> Layout:
    spec = get_setting(session, "layout")
    return Layout(
        aisles=spec["aisles"],
        aisle_length=spec["aisle_length"],
        aisle_spacing=spec["aisle_spacing"],
        depot_aisle=spec["depot_aisle"],
        cross_aisles=tuple(spec["cross_aisles"]),
    )
