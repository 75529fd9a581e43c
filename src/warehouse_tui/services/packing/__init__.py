"""The pack station: start a pack, verify every item by scan, box, instructions, weigh, label.

One module per step of the packer, in the order the floor does them:

- `results`: what the services answer (`PackResult`, `ScanResult`, `PackView`) and the journal
  actions they write;
- `group`: the orders packed together (a buyer's merge group) and the intercept rules that
  stop them;
- `step`: the one shape of a step — one write transaction, journaled with its outcome;
- `start`: start or resume a pack, open the next parcel;
- `verify`: count each scanned item — the hot path, on prepared statements;
- `undo`: take the last count back, read from the journal's effect columns;
- `finish`: the box, the pack instructions, the weight;
- `close`: close the parcel and print its label, reprint it;
- `view`: what the pack screen shows.

Screens, commands and tests use the names below: ``from warehouse_tui.services import
packing`` then ``packing.verify_scan(...)``.
"""

from warehouse_tui.services.packing.close import close_parcel, reprint_label
from warehouse_tui.services.packing.finish import (
    choose_box,
    confirm_instructions,
    expected_weight,
    record_weight,
    suggest_box,
    typed_weight,
    weight_tolerance,
)
from warehouse_tui.services.packing.group import TAG_INSTRUCTIONS
from warehouse_tui.services.packing.results import (
    BOX,
    CLOSE,
    COUNT_ACTIONS,
    INSTRUCTIONS,
    NEW_PARCEL,
    PREPRINTED,
    REPRINT,
    REVERIFY,
    SCAN,
    START,
    TYPED_QTY,
    TYPED_WEIGHT,
    UNDO,
    WEIGH,
    LineView,
    PackResult,
    PackView,
    ScanResult,
)
from warehouse_tui.services.packing.start import new_parcel, open_parcel_at_station, start_pack
from warehouse_tui.services.packing.undo import undo_last_scan
from warehouse_tui.services.packing.verify import enter_quantity, verify_scan
from warehouse_tui.services.packing.view import pack_view

__all__ = [
    "BOX",
    "CLOSE",
    "COUNT_ACTIONS",
    "INSTRUCTIONS",
    "NEW_PARCEL",
    "PREPRINTED",
    "REPRINT",
    "REVERIFY",
    "SCAN",
    "START",
    "TAG_INSTRUCTIONS",
    "TYPED_QTY",
    "TYPED_WEIGHT",
    "UNDO",
    "WEIGH",
    "LineView",
    "PackResult",
    "PackView",
    "ScanResult",
    "choose_box",
    "close_parcel",
    "confirm_instructions",
    "enter_quantity",
    "expected_weight",
    "new_parcel",
    "open_parcel_at_station",
    "pack_view",
    "record_weight",
    "reprint_label",
    "start_pack",
    "suggest_box",
    "typed_weight",
    "undo_last_scan",
    "verify_scan",
    "weight_tolerance",
]
