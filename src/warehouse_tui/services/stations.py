"""Stations and their devices: which scanner, scale and printer this bench or handheld uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Device, Station


@dataclass(frozen=True)
class DeviceView:
    kind: str  # scanner | scale | printer
    driver: str
    port: str
    settings: dict[str, Any] = field(default_factory=dict)


def station_devices(store: Store, station: str) -> list[DeviceView]:
    with store.read() as session:
        rows = session.exec(
            select(Device)
            .join(Station, col(Station.id) == col(Device.station_id))
            .where(col(Station.name) == station)
        ).all()
        return [DeviceView(d.kind, d.driver, d.port, dict(d.settings)) for d in rows]
