"""The demo warehouse: a whole floor's worth of data, the same for the same seed and day.

Everything is drawn from one `random.Random(seed)`; the only clock is `today` (the warehouse's
local date), so stock receipts, expiries, ship-by times and import times are relative to it.

Not a service: nothing on the floor calls it. The fixed tables (`tables`: floor, products,
people, carriers) are apart from the generators that draw from them in a fixed order
(`catalogue`, then `orders`, then `stock`), and `seed` writes the result through the store and
the import and audit services, as a shop's data would come in. The command line calls it; no
service, store or domain module may import it (an import-linter layer in pyproject.toml).
"""

from warehouse_tui.demo.seed import counts, holds_data, recreate, seed_demo
from warehouse_tui.demo.tables.carriers import SHOPS
from warehouse_tui.demo.tables.floor import TIMEZONE

SHOP_CODES = tuple(code for code, _name, _kind, _announce in SHOPS)

__all__ = ["SHOP_CODES", "TIMEZONE", "counts", "holds_data", "recreate", "seed_demo"]
