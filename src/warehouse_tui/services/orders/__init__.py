"""Orders by hand: find one, show it, cancel it, and the intercept that stops a released order.

A cancellation or a newer version that arrives after release (released, picked or packed) is an
intercept (ARCHITECTURE.md, States): the order is flagged `intercepted` so the pack station refuses
it, the newer version (or the cancellation) waits in `Order.pending`, the stock it still had
reserved goes back, its open pick stops are cancelled, and everything already picked becomes
put-back work (services/putback.py) — one task per lot it came from and place it waits. When
the last of those tasks is done (by scan on a handheld, or confirmed at the desk), the waiting
version is applied: the order is `new` again with the new lines (the audit takes it from
there), or `cancelled`, and its tote and slot are free.

Stock bookkeeping assumed from the schema: picking moves units out of a location (on_hand and
allocated both drop, StockMove "pick"), so `Allocation.qty - Allocation.picked` is what is still
reserved and `Allocation.picked` is what putting back returns (StockMove "restock").

Modules: `versions` (a shop's version of an order and writing it), `show` (finding and
showing), `cancel` (cancel and intercept), `giveback` (reserved stock given back), `restock`
(put-back work settled and the waiting version applied), `parcels` (voids and leaving a merged
shipment).
"""

from __future__ import annotations

from warehouse_tui.services.orders.cancel import (
    AFTER_RELEASE,
    BEFORE_RELEASE,
    FINAL,
    OrderResult,
    cancel_before_release,
    cancel_order,
    intercept,
)
from warehouse_tui.services.orders.giveback import (
    FINISHED_STOPS,
    cancel_open_stops,
    drop_allocations,
    give_back_unpicked,
    release_allocations,
)
from warehouse_tui.services.orders.parcels import (
    VoidResult,
    free_totes_and_slots,
    leave_merge_group,
    merge_group_name,
    parcels_of,
    void_parcel,
    void_parcels_of,
)
from warehouse_tui.services.orders.restock import (
    RESTOCK,
    RestockResult,
    apply_pending,
    complete_restock,
    open_restock_tasks,
    restock_order,
    settle_put_back,
)
from warehouse_tui.services.orders.show import (
    find_order,
    intercept_reason,
    order_summary,
    status_counts,
)
from warehouse_tui.services.orders.versions import (
    LINES,
    NewLine,
    OrderVersion,
    newest_version,
    replace_versions,
)
from warehouse_tui.store.order_view import LARGEST_ID

__all__ = [
    "AFTER_RELEASE",
    "BEFORE_RELEASE",
    "FINAL",
    "FINISHED_STOPS",
    "LARGEST_ID",
    "LINES",
    "RESTOCK",
    "NewLine",
    "OrderResult",
    "OrderVersion",
    "RestockResult",
    "VoidResult",
    "apply_pending",
    "cancel_before_release",
    "cancel_open_stops",
    "cancel_order",
    "complete_restock",
    "drop_allocations",
    "find_order",
    "free_totes_and_slots",
    "give_back_unpicked",
    "intercept",
    "intercept_reason",
    "leave_merge_group",
    "merge_group_name",
    "newest_version",
    "open_restock_tasks",
    "order_summary",
    "parcels_of",
    "release_allocations",
    "replace_versions",
    "restock_order",
    "settle_put_back",
    "status_counts",
    "void_parcel",
    "void_parcels_of",
]
