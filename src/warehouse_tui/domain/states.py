"""The states an order and a wave pass through (ARCHITECTURE.md, States), and why an order is
intercepted: plain values, so a command that only counts or shows them needs no ORM."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from warehouse_tui.i18n import _


class OrderStatus(StrEnum):
    IMPORTING = "importing"
    """Written by an import still under way: no screen, wave, count or check sees it until the
    import's last, short transaction gives it its real status (services/importing/staged.py)."""
    NEW = "new"
    HELD = "held"
    READY = "ready"
    RELEASED = "released"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


FLOOR_STATUSES = tuple(status for status in OrderStatus if status is not OrderStatus.IMPORTING)
"""The statuses an order shows to the floor: all but an import's rows not yet complete."""


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
