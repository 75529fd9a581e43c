"""The states an order and a wave pass through (ARCHITECTURE.md, States), and why an order is
intercepted: plain values, so a command that only counts or shows them needs no ORM."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from warehouse_tui.i18n import _


class OrderStatus(StrEnum):
    NEW = "new"
    HELD = "held"
    READY = "ready"
    RELEASED = "released"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class WaveStatus(StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    PAUSED = "paused"
    PICKING = "picking"
    SORTING = "sorting"
    DONE = "done"
    CANCELLED = "cancelled"


def intercept_reason(
    intercepted: bool, pending: Mapping[str, Any] | None, shop_version: int
) -> str:
    """Why a released order is stopped at the pack station, in the operator's language; ""
    when it is not intercepted. `pending` is the newer version (or cancellation) waiting."""
    if not intercepted:
        return ""
    if pending is not None and pending.get("cancelled"):
        return _("cancelled at the shop after release")
    version = pending["version"] if pending else shop_version
    return _("changed at the shop after release (version {version})").format(version=version)
