"""What a floor screen needs from the app that shows it, as a Protocol the app satisfies.

Screens sit below the app: the app imports them (to show the login and home screens), so they
must not import the app back, not even for type checking. They reach it through this contract:
the database, the station and its devices, the operator, the one service thread, the feedback
sounds and the double-trigger rule. `WarehouseApp` implements it; a test app could too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from warehouse_tui.devices.station import StationDevices
    from warehouse_tui.domain.wedge import WedgeBurst
    from warehouse_tui.services.auth import OperatorView
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.store.engine import Store
    from warehouse_tui.sync.outbox import SyncSummary


class ScreenHost(Protocol):
    station: str  # this bench or handheld's name
    operator: OperatorView | None
    wedge_burst: WedgeBurst | None
    sync_summary: SyncSummary | None  # the shop sync's state, polled by the app

    @property
    def store(self) -> Store:
        """The Store; blocks until it is open, so use it on the service thread."""
        ...

    @property
    def devices(self) -> StationDevices:
        """The station's devices, open; blocks like `store`."""
        ...

    def actor_for(self, screen: str) -> Actor:
        """Who acts, where: the journal's operator, station and screen."""
        ...

    def submit_service(self, work: Callable[[], None]) -> None:
        """Queue `work` on the station's one service thread."""
        ...

    def double_trigger(self, code: str, at: float) -> str:
        """Why this scan is a scanner's double trigger, or ""."""
        ...

    def sound(self, ok: bool) -> None:
        """The success or failure sound."""
        ...

    def logged_in(self, operator: OperatorView) -> None: ...

    def log_out(self, badge: str = "") -> None:
        """Back to the log-in; with `badge`, a typed badge waits there for its PIN."""
        ...
