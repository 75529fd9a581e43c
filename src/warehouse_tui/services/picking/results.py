"""What the picking services give back to a screen: accepted or not, why, and where to go next.

Every result has `accepted` and `reason` (the refusal, in the operator's language), which is all
the journaling frame in `claims.on_held_task` needs to read from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse_tui.services.picking.views import StopView
from warehouse_tui.services.results import ServiceResult


@dataclass(frozen=True)
class ActionResult(ServiceResult):
    message: str = ""


@dataclass(frozen=True)
class ReleasedClaims(ServiceResult):
    task_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScanOutcome(ServiceResult):
    message: str = ""
    stop: StopView | None = None  # where the picker is now; None once the list is done
    task_done: bool = False


@dataclass(frozen=True)
class ShortOutcome(ServiceResult):
    message: str = ""
    moved_to: tuple[str, ...] = ()  # locations added to the route for the missing units
    unrecovered: int = 0  # units no location could give: recorded as a shortage
    stop: StopView | None = None
