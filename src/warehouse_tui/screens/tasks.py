"""Tasks on a handheld: put units back on their shelves, count locations — by scan.

Put-back: scan the tote, slot or parcel (or straight away an item that waits on a cart or at a
station), then each item and the location it goes to; the location it came from is suggested,
any other location holding the SKU takes it too. Count: scan the location, then every unit
(F3 types a quantity where the item allows it), then F2 to finish; what the books say is never
shown. Where the operator is lives in the database (services/putback_scan.py, counts.py), so a
restarted terminal shows the same step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.number_prompt import NumberPrompt

if TYPE_CHECKING:
    from warehouse_tui.services.counts import CountResult, CountView
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.putback_scan import PutBackStep
    from warehouse_tui.store.engine import Store


@dataclass(frozen=True)
class _Work:
    """What the screen shows after every action, read in one go."""

    count: CountView | None
    step: PutBackStep
    put_backs: int
    counts: int


def _read_work(store: Store, actor: Actor) -> _Work:
    from warehouse_tui.services.counts import my_count, open_counts
    from warehouse_tui.services.putback import open_put_backs
    from warehouse_tui.services.putback_scan import put_back_step

    return _Work(
        my_count(store, actor),
        put_back_step(store, actor),
        len(open_put_backs(store)),
        len(open_counts(store)),
    )


class TasksScreen(FloorScreen):
    CSS_PATH = "tasks.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Tasks")
    HELP: ClassVar[str] = N_(
        "Put back: scan the tote, slot or parcel holding the units (or an item straight away "
        "when it waits on a cart), then each item, then the location it goes to. The location "
        "it came from is shown; any location holding the same item takes it too.\n\n"
        "Count: scan the location, then every unit there (a case counts its units; F3 types "
        "a quantity where the item allows it), then F2. Count what you see: the screen does "
        "not show the books. A big difference is counted again by someone else.\n\nEsc goes "
        "back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "finish_count", _("Finish count")),
        Binding("f3", "quantity", _("Qty")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.work: _Work | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="tasks"):
            yield Caption(id="waiting")
            yield Caption(id="mode")
            yield Caption(id="what")
            yield Caption(id="prompt")
            yield FeedbackLine(id="feedback")
            yield Static(_("F2 finish count · F3 qty · Esc"), classes="keys")

    def on_mount(self) -> None:
        self._reload()

    def _reload(self) -> None:
        actor = self.actor
        self.call_service(lambda: _read_work(self.store, actor), then=self._show)

    def _show(self, work: _Work) -> None:
        self.work = work
        self._caption("waiting").text = _("To put back: {put_backs} · To count: {counts}").format(
            put_backs=work.put_backs, counts=work.counts
        )
        mode, what, prompt = self._describe(work)
        self._caption("mode").text = mode
        self._caption("what").text = what
        self._caption("prompt").text = prompt

    def _describe(self, work: _Work) -> tuple[str, str, str]:
        count, step = work.count, work.step
        if count is not None:
            mode = _("Counting {location}").format(location=count.location_code)
            if count.recount:
                mode += " · " + _("recount")
            what = _("{units} counted").format(units=count.counted)
            if count.last_sku:
                what += " · " + _("last {sku}").format(sku=count.last_sku)
            return mode, what, _("Scan every unit, then F2")
        if step.holding is not None:
            held = step.holding
            return (
                _("Put back"),
                f"{step.units} × {held.sku_code} {held.sku_name}",
                _("Put it at {location} and scan").format(location=held.suggested or "?"),
            )
        if step.place:
            return (
                _("Put back from {place}").format(place=step.place),
                "",
                _("Scan an item"),
            )
        return _("Put back or count"), "", _("Scan a tote, slot, item or location")

    def _caption(self, name: str) -> Caption:
        return self.query_one(f"#{name}", Caption)

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan
        from warehouse_tui.services.counts import count_scan
        from warehouse_tui.services.putback_scan import put_back_scan

        work, actor, at = self.work, self.actor, self.scanned_at
        counting = work is not None and work.count is not None
        holding = work is not None and work.step.holding is not None
        if counting or (not holding and parse_scan(code).kind == ScanKind.LOCATION):
            self.call_service(lambda: count_scan(self.store, actor, code, at), then=self._counted)
        else:
            self.call_service(
                lambda: put_back_scan(self.store, actor, code, at), then=self._stepped
            )

    def _stepped(self, step: PutBackStep) -> None:
        self.feedback(step.accepted, step.message if step.accepted else step.reason)
        self._reload()

    def _counted(self, result: CountResult) -> None:
        self.feedback(result.accepted, result.message if result.accepted else result.reason)
        self._reload()

    def action_finish_count(self) -> None:
        from warehouse_tui.services.counts import finish_count

        if self.work is None or self.work.count is None:
            self.feedback(False, _("Scan the location to count"))
            return
        actor = self.actor
        self.call_service(lambda: finish_count(self.store, actor), then=self._counted)

    def action_quantity(self) -> None:
        count = self.work.count if self.work is not None else None
        if count is None or not count.typed_qty_allowed:
            self.feedback(False, _("Scan an item that may be counted by quantity first"))
            return
        question = _("How many {sku} more?").format(sku=count.last_sku)
        self.app.push_screen(NumberPrompt.whole(question), self._quantity_typed)

    def _quantity_typed(self, qty: int | None) -> None:
        from warehouse_tui.services.counts import count_quantity

        if qty is None:
            return
        actor = self.actor
        self.call_service(lambda: count_quantity(self.store, actor, qty), then=self._counted)

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("tasks", N_("Tasks"), {"picker", "supervisor"}, TasksScreen)
