"""Picking on a handheld: claim a pick list, walk its stops, scan location → item → tote.

The step a picker is at lives in the database, so a terminal that drops its session comes back
at the same stop and the same step:

- a pick-by-order list whose orders have no tote yet first asks for one empty tote per order,
  bound in route order (the floor scans empty totes onto the cart; `totes`);
- PickTask.current_stop is the seq of the stop the picker is at;
- PickStop.status is the step at that stop: "open" (scan the location), "at-location" (scan the
  items; PickStop.picked counts the units scanned so far), "to-tote" (all units in hand: scan the
  order's tote), then "done" or "short".

The modules follow the picker: `claims` (who holds a list, and the one frame every action on a
held list runs in), `scan` (the steps at a stop), `shorts` (fewer on the shelf than asked),
`progress` (what a confirmed stop changes: stock, allocations, order and wave states) and
`views` (what the handheld shows). Callers use the names below.
"""

from warehouse_tui.services.picking.claims import (
    claim_next_task,
    heartbeat,
    held_task,
    pause_task,
    release_claim,
    release_stale_claims,
    resume_task,
)
from warehouse_tui.services.picking.progress import (
    advance,
    order_fully_picked,
    stop_allocations,
    unsorted_units,
    update_wave_progress,
)
from warehouse_tui.services.picking.results import (
    ActionResult,
    ReleasedClaims,
    ScanOutcome,
    ShortOutcome,
)
from warehouse_tui.services.picking.scan import enter_quantity, scan_at_stop
from warehouse_tui.services.picking.shorts import short_pick
from warehouse_tui.services.picking.totes import TOTE_BUSY_ORDER_STATES
from warehouse_tui.services.picking.views import (
    FINISHED_STOPS,
    HELD_TASK,
    Expect,
    StopState,
    StopView,
    TaskView,
    current_stop,
    order_ref,
    task_view,
)

__all__ = [
    "FINISHED_STOPS",
    "HELD_TASK",
    "TOTE_BUSY_ORDER_STATES",
    "ActionResult",
    "Expect",
    "ReleasedClaims",
    "ScanOutcome",
    "ShortOutcome",
    "StopState",
    "StopView",
    "TaskView",
    "advance",
    "claim_next_task",
    "current_stop",
    "enter_quantity",
    "heartbeat",
    "held_task",
    "order_fully_picked",
    "order_ref",
    "pause_task",
    "release_claim",
    "release_stale_claims",
    "resume_task",
    "scan_at_stop",
    "short_pick",
    "stop_allocations",
    "task_view",
    "unsorted_units",
    "update_wave_progress",
]
