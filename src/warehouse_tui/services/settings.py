"""Warehouse-wide settings, kept as JSON values in the `setting` table (the DB is the truth)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from warehouse_tui.domain.layout import Layout
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
}


def get_setting(session: Session, key: str) -> Any:
    row = session.get(Setting, key)
    return json.loads(row.value) if row is not None else DEFAULTS[key]


def set_setting(session: Session, key: str, value: Any) -> None:
    encoded = json.dumps(value, ensure_ascii=False)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded


def warehouse_layout(session: Session) -> Layout:
    spec = get_setting(session, "layout")
    return Layout(
        aisles=spec["aisles"],
        aisle_length=spec["aisle_length"],
        aisle_spacing=spec["aisle_spacing"],
        depot_aisle=spec["depot_aisle"],
        cross_aisles=tuple(spec["cross_aisles"]),
    )
