"""Waves: pick the ready orders a rule asks for, allocate their stock, plan the pick lists, release.

Selection (`candidates`, `plan`). Candidates are `ready` orders, chosen and sorted in SQL a page
at a time; orders merged into one shipment (same merge group) are one unit: all of them join a
wave together or none does, and none does while one of them is still new or held. Units are
taken most urgent first — earliest deadline (the order's ship-by, else today's cut-off of its
carrier service in the warehouse's time zone), then highest priority, then first imported — and
a unit that would break a limit (orders, lines, picks) or cannot be allocated in full is passed
over for the next one.

Allocation (`domain.allocation`). Each line takes stock from as few locations as possible; among
equally few, the earliest expiry first, then the oldest receipt. A location's free stock is
on hand − allocated. `max_picks` counts allocations (one order line at one location).

Pick lists (`plan`). Units are grouped into carts with `domain.batching` (Clarke–Wright savings)
and each cart is routed with the `best` method (`plan_carts`). Pick-by-order: a cart carries one
tote per order and has a stop per allocation, in route order, naming its order. Batch: a cart of
orders as big as a put wall (its slots, else `cart_totes`) picks each location's total once
(stops name no order); the put wall sorts the items into slots afterwards.

Totes are bound when a picker claims a pick-by-order task, not at release: the picker scans an
empty tote from the cart for each order (Tote.order_id, Tote.task_id, PickStop.tote_id are set
then). Physical totes are reused all day, so no tote is reserved for work nobody has claimed.

Release (`release`) audits, plans in a read transaction and writes the plan in one short write
transaction of compare-and-set writes, so that no station waits long for it and two supervisors
releasing at once never over-allocate nor put an order in two waves. A preview also compares
the planned walk with S-shape routes and with picking order by order (`compare_walks`).
Pause, resume and cancel (`control`) act on a released wave.
"""

from warehouse_tui.domain.allocation import Allocator, Lot, choose_lots
from warehouse_tui.services.waves.control import WaveResult, cancel_wave, pause_wave, resume_wave
from warehouse_tui.services.waves.plan import (
    SAVINGS_CHUNK,
    Cart,
    Comparison,
    PlannedCart,
    PlannedPick,
    PlannedStop,
    WavePlan,
    compare_walks,
    plan_carts,
    plan_wave,
    preview_wave,
    savings_chunks,
)
from warehouse_tui.services.waves.release import RELEASE_ATTEMPTS, release_wave
from warehouse_tui.services.waves.rules import WaveRules

__all__ = [
    "RELEASE_ATTEMPTS",
    "SAVINGS_CHUNK",
    "Allocator",
    "Cart",
    "Comparison",
    "Lot",
    "PlannedCart",
    "PlannedPick",
    "PlannedStop",
    "WavePlan",
    "WaveResult",
    "WaveRules",
    "cancel_wave",
    "choose_lots",
    "compare_walks",
    "pause_wave",
    "plan_carts",
    "plan_wave",
    "preview_wave",
    "release_wave",
    "resume_wave",
    "savings_chunks",
]
