"""What the pack station's services answer, and the names they journal their steps under.

One frozen dataclass per kind of answer: a step on the pack (`PackResult`), one counted or
refused item (`ScanResult`), and the pack as the screen shows it (`PackView` of `LineView`s).
They carry data only, so a screen can render them without a database in sight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from warehouse_tui.services.results import ServiceResult

if TYPE_CHECKING:
    from warehouse_tui.store.models import ParcelStatus

# Journal actions of the pack station.
START = "pack.start"
SCAN = "pack.scan"
TYPED_QTY = "pack.qty"
UNDO = "pack.undo"
REVERIFY = "pack.reverify"
PREPRINTED = "pack.preprinted-label"
NEW_PARCEL = "pack.new_parcel"
BOX = "pack.box"
INSTRUCTIONS = "pack.instructions"
WEIGH = "pack.weigh"
TYPED_WEIGHT = "pack.weigh_typed"
CLOSE = "pack.close"
REPRINT = "pack.reprint"
PRINT = "pack.print"
COUNT_ACTIONS = (SCAN, TYPED_QTY)


@dataclass(frozen=True)
class PackResult(ServiceResult):
    """What a pack action did. `stop` marks the refusal that must not be missed: an order of
    the pack was cancelled or changed after release, so its items go aside for restock.
    `label_printed` is False when a parcel was closed but its label did not print (the result
    is then not accepted: the packer must reprint it)."""

    parcel_id: int | None = None
    stop: bool = False
    order_packed: bool = False
    tracking: str | None = None
    back_to_verify: bool = False
    label_printed: bool = True


@dataclass(frozen=True)
class ScanResult(ServiceResult):
    """One verify scan: `units` counted onto `order_line_id`, or refused with `reason`."""

    order_line_id: int | None = None
    units: int = 0
    packed: int = 0
    expected: int = 0
    stop: bool = False
    duplicate: bool = False


@dataclass(frozen=True)
class LineView:
    order_line_id: int
    order_id: int
    sku_code: str
    name: str
    expected: int
    packed: int
    in_parcel: int


@dataclass(frozen=True)
class PackView:
    parcel_id: int
    status: ParcelStatus
    order_ids: tuple[int, ...]
    shop_orders: tuple[str, ...]
    ship_name: str
    carrier: str
    service: str
    lines: tuple[LineView, ...]
    box_code: str | None
    suggested_box: str | None
    instructions: tuple[str, ...]
    instructions_confirmed: bool
    expected_weight_g: int | None
    weight_g: int | None
    tracking: str | None
    parcel_number: int
    label_due: bool = False
    """Closed, but its label never printed: F10 prints it."""
    stop: str = ""

    @property
    def items_in_parcel(self) -> int:
        return sum(line.in_parcel for line in self.lines)

    @property
    def remaining(self) -> int:
        return sum(line.expected - line.packed for line in self.lines)
