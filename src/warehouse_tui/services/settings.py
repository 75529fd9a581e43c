"""Warehouse-wide settings, kept as JSON values in the `setting` table (the DB is the truth)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from warehouse_tui.domain.layout import Layout
from warehouse_tui.domain.wedge import WedgeBurst
from warehouse_tui.i18n import _
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Setting

if TYPE_CHECKING:
    from warehouse_tui.services.journal import Actor

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
    "wedge_burst": asdict(WedgeBurst()),
    # Log-in: a scanned badge alone logs in unless `pin_always`; `attempts` wrong PINs in a row
    # lock the operator for `first_lock_s`, doubled for each further lock in a row.
    "login": {"pin_always": False, "attempts": 5, "first_lock_s": 60},
    # Attempts at delivering an outbox event to the shop before it is dead (sync.outbox).
    "outbox_max_attempts": 8,
    # A count that differs from the books by more units than this is counted again by another
    # operator before stock is adjusted.
    "count_recount_over": 2,
    # A labelled parcel not on a truck after this many minutes is an exception.
    "unloaded_after_min": 120,
    # The floor's shifts for the operator KPIs (services/kpi.py): local HH:MM; a shift whose
    # end is before its start runs past midnight.
    "shifts": [
        {"name": "early", "start": "06:00", "end": "14:00"},
        {"name": "late", "start": "14:00", "end": "22:00"},
        {"name": "night", "start": "22:00", "end": "06:00"},
    ],
    # A lot must have at least this many days before its expiry left on the order's ship date.
    "lot_min_days_left": 0,
    # The demo's simulated scales: a parcel weighs its true weight give or take `error_g`, and
    # one parcel in `wrong_one_in` (0: none) is far off, so the weight check is seen at work.
    "sim_scale": {"error_g": 0, "wrong_one_in": 0},
    # Sender and return address printed at the foot of every shipping label.
    "return_address": {"name": "", "address": "", "postcode": "", "city": "", "country": ""},
}
# The range each number must lie in: values outside break the floor (a claim lease of 0 s makes
# every picker's list look abandoned; a 5 s double-trigger window refuses real repeat scans).
LIMITS: dict[str, tuple[float, float]] = {
    "layout.aisles": (1, 1000),
    "layout.aisle_length": (1, 10_000),
    "layout.aisle_spacing": (0.5, 100),
    "layout.depot_aisle": (0, 999),
    "weight_tolerance_g": (0, 5000),
    "weight_tolerance_pct": (0, 50),
    "duplicate_scan_window_ms": (0, 2000),
    "cart_totes": (1, 100),
    "cart_volume_l": (1, 5000),
    "claim_lease_s": (30, 86_400),
    "box_fill_factor": (0.1, 1.0),
    "feedback.ok_bells": (0, 9),
    "feedback.fail_bells": (0, 9),
    "wedge_burst.min_length": (4, 64),
    "wedge_burst.max_key_interval_ms": (5, 200),
    "login.attempts": (3, 20),
    "login.first_lock_s": (10, 3600),
    "outbox_max_attempts": (1, 100),
    "count_recount_over": (0, 100_000),
    "lot_min_days_left": (0, 3650),
    "unloaded_after_min": (0, 10_080),
    "sim_scale.error_g": (0, 1000),
    "sim_scale.wrong_one_in": (0, 10_000),
}
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


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
        return _value_refusal(name, value)
    if isinstance(default, list) and default and isinstance(value, list):
        refusals = (_shape_refusal(f"{name}[]", default[0], item) for item in value)
        return next((refusal for refusal in refusals if refusal), "")
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
    if name in LIMITS and not LIMITS[name][0] <= value <= LIMITS[name][1]:
        low, high = LIMITS[name]
        return _("{name} must be between {low} and {high}").format(name=name, low=low, high=high)
    if name == "layout":
        try:
            Layout(**{**value, "cross_aisles": tuple(value["cross_aisles"])})
        except ValueError as error:
            return _("layout: {problem}").format(problem=error)
    if name.endswith("_colour") and value and not _HEX_COLOUR.fullmatch(value):
        return _("{name}: a colour is written #rrggbb, or empty for the theme's").format(name=name)
    if name in ("shifts[].start", "shifts[].end") and not _HH_MM.fullmatch(value):
        return _("{name}: a local time is written HH:MM, like 06:00").format(name=name)
    if name == "timezone":
        try:
            ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            return _("Unknown time zone {zone}").format(zone=value)
    return ""


def all_settings(store: Store) -> dict[str, Any]:
    """Every setting with its value (the default where none was stored)."""
    with store.read() as session:
        return {key: get_setting(session, key) for key in DEFAULTS}


def change_setting(store: Store, actor: Actor, key: str, value: Any) -> str:
    """Store one setting and journal the change; a value of the wrong shape or range is refused
    (the reason returned) and changes nothing."""
    from warehouse_tui.services.journal import record  # the journal reads settings itself
    from warehouse_tui.services.roles import SUPERVISORS, role_refusal

    refusal = setting_refusal(key, value)
    if refusal:
        return refusal
    with store.write() as session:
        refusal = role_refusal(session, actor, SUPERVISORS)
        if refusal:
            record(session, actor, "setting.set", accepted=False, reason=refusal, raw=key)
            return refusal
        set_setting(session, key, value)
        record(session, actor, "setting.set", raw=f"{key}={json.dumps(value, ensure_ascii=False)}")
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
    ok_bells: int
    fail_bells: int
    ok_colour: str
    fail_colour: str


def feedback_style(session: Session) -> Feedback:
    return Feedback(**_over_defaults(session, "feedback"))


def wedge_burst(session: Session) -> WedgeBurst:
    return WedgeBurst(**_over_defaults(session, "wedge_burst"))


@dataclass(frozen=True)
class SimScale:
    error_g: int
    wrong_one_in: int


def sim_scale(store: Store) -> SimScale:
    """The `sim_scale` setting, for a station whose scale is a simulated twin."""
    with store.read() as session:
        return SimScale(**_over_defaults(session, "sim_scale"))


def _over_defaults(session: Session, key: str) -> dict[str, Any]:
    """A grouped setting as stored, over its defaults: a row written by hand with a key
    missing or one too many still gives a whole, known set."""
    stored = get_setting(session, key)
    return {name: stored.get(name, value) for name, value in DEFAULTS[key].items()}


def warehouse_layout(session: Session) -> Layout:
    spec = get_setting(session, "layout")
    return Layout(
        aisles=spec["aisles"],
        aisle_length=spec["aisle_length"],
        aisle_spacing=spec["aisle_spacing"],
        depot_aisle=spec["depot_aisle"],
        cross_aisles=tuple(spec["cross_aisles"]),
    )
