"""Picking on a handheld: the current stop big, what to scan next, refusals in red.

Everything shown comes from the services' views of the database: the screen keeps only the id
of the pick list it shows, so a terminal that restarts comes back at the same stop and step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.number_prompt import NumberPrompt

if TYPE_CHECKING:
    from warehouse_tui.services.auth import Approval
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.picking import StopView, TaskView
    from warehouse_tui.store.engine import Store

HEARTBEAT_S = 60.0


def _claim_and_show(store: Store, actor: Actor) -> tuple[TaskView | None, StopView | None]:
    """Claim (or get back) a pick list, and its current stop."""
    from warehouse_tui.services.picking import claim_next_task, current_stop

    task = claim_next_task(store, actor)
    return task, current_stop(store, task.task_id) if task is not None else None


def _held_stop(store: Store, actor: Actor) -> tuple[int, StopView | None] | None:
    from warehouse_tui.services.picking import current_stop, held_task

    task = held_task(store, actor)
    return (task.task_id, current_stop(store, task.task_id)) if task is not None else None


class PickingScreen(FloorScreen):
    CSS_PATH = "picking.tcss"
    AUTO_FOCUS = None
    TITLE_TEXT = N_("Picking")
    HELP: ClassVar[str] = N_(
        "F2 takes the next pick list (or gives yours back).\n\n"
        "For each order scan an empty tote onto the cart. Then at every stop: scan the "
        "location, scan each item (a case barcode counts its whole case), and on pick-by-order "
        "scan the order's tote.\n\n"
        "F3 pauses or resumes. F4 reports a short: type how many are really there; another "
        "location is offered or the supervisor is told. F5 types a quantity where the item "
        "allows it, after one of it is scanned; an item that will not scan needs a supervisor, "
        "who scans a badge and types a PIN here. Esc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "claim", _("Claim")),
        Binding("f3", "pause", _("Pause")),
        Binding("f4", "short", _("Short")),
        Binding("f5", "quantity", _("Qty")),
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.task_id: int | None = None
        self.stop: StopView | None = None
        self._unscanned_qty: int | None = None  # a typed quantity waiting for a supervisor

    def compose(self) -> ComposeResult:
        with Vertical(id="picking"):
            yield Caption(id="progress")
            yield Caption(_("Press F2 to claim a pick list"), id="where")
            yield Caption(id="what")
            yield Caption(id="how-many")
            yield Caption(id="prompt")
            yield FeedbackLine(id="feedback")
            yield Static(_("F2 claim F3 pause F4 short F5 qty"), classes="keys")

    def on_mount(self) -> None:
        actor = self.actor
        self.call_service(lambda: _held_stop(self.store, actor), then=self._show_held)
        self.set_interval(HEARTBEAT_S, self._heartbeat)

    def _show_held(self, held: tuple[int, StopView | None] | None) -> None:
        if held is not None:
            self.task_id, stop = held
            self._show(stop)

    # --- actions --------------------------------------------------------------------------

    def action_claim(self) -> None:
        actor = self.actor
        self.call_service(lambda: _claim_and_show(self.store, actor), then=self._claimed)

    def _claimed(self, result: tuple[TaskView | None, StopView | None]) -> None:
        task, stop = result
        if task is None:
            self.feedback(False, _("No pick list is waiting"))
            return
        self.task_id = task.task_id
        self.feedback(True, _("Pick list {task} claimed").format(task=Ref.PICK.of(task.task_id)))
        self._show(stop)

    def handle_scan(self, code: str) -> None:
        if self.task_id is None:
            self.refuse_scan(code, _("Press F2 to claim a pick list first"))
            return
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan
        from warehouse_tui.services.picking import scan_at_stop

        if self._unscanned_qty is not None and parse_scan(code).kind is ScanKind.BADGE:
            self._approve_quantity(code, self._unscanned_qty)
            return
        self._unscanned_qty = None
        actor, task_id, at = self.actor, self.task_id, self.scanned_at
        self.call_service(
            lambda: scan_at_stop(self.store, actor, task_id, code, at), then=self._outcome
        )

    def action_pause(self) -> None:
        if self.task_id is None:
            return
        from warehouse_tui.services.picking import current_stop, pause_task, resume_task

        actor, task_id = self.actor, self.task_id
        service = resume_task if self.stop is not None and self.stop.paused else pause_task

        def toggle() -> tuple[Any, StopView | None]:
            return service(self.store, actor, task_id), current_stop(self.store, task_id)

        self.call_service(toggle, then=self._toggled)

    def _toggled(self, result: tuple[Any, StopView | None]) -> None:
        action, stop = result
        self.feedback(action.accepted, action.message or action.reason)
        self._show(stop)

    def action_short(self) -> None:
        if self.stop is None:
            return
        question = _("How many {sku} are really at {location}?").format(
            sku=self.stop.sku_code, location=self.stop.location_code
        )
        self.app.push_screen(NumberPrompt.whole(question), self._short_counted)

    def _short_counted(self, found: int | None) -> None:
        if found is None or self.task_id is None:
            return
        from warehouse_tui.services.picking import short_pick

        actor, task_id = self.actor, self.task_id
        self.call_service(lambda: short_pick(self.store, actor, task_id, found), then=self._outcome)

    def action_quantity(self) -> None:
        if self.stop is None:
            return
        if not self.stop.typed_qty_allowed:
            self.feedback(
                False, _("{sku} must be scanned item by item").format(sku=self.stop.sku_code)
            )
            return
        question = _("How many {sku}? (up to {n})").format(
            sku=self.stop.sku_code, n=self.stop.remaining
        )
        self.app.push_screen(NumberPrompt.whole(question), self._quantity_typed)

    def _quantity_typed(self, qty: int | None) -> None:
        if qty is None or self.task_id is None:
            return
        from warehouse_tui.services.picking import enter_quantity
        from warehouse_tui.services.results import Refusal

        actor, task_id = self.actor, self.task_id

        def typed(outcome: Any) -> None:
            if outcome.refusal is Refusal.APPROVAL:
                self._unscanned_qty = qty  # the next badge scanned approves it
            self._outcome(outcome)

        self.call_service(lambda: enter_quantity(self.store, actor, task_id, qty), then=typed)

    def _approve_quantity(self, badge: str, qty: int) -> None:
        """A supervisor's badge for the typed quantity waiting: their PIN, then the count."""
        from warehouse_tui.services.picking import enter_quantity

        self._unscanned_qty = None
        actor, task_id = self.actor, self.task_id
        assert task_id is not None

        def approved(approval: Approval) -> None:
            self.call_service(
                lambda: enter_quantity(self.store, actor, task_id, qty, approval),
                then=self._outcome,
            )

        dropped = _("No PIN typed: the typed quantity is dropped")
        self.with_supervisor_pin(badge, dropped, approved)

    def action_back(self) -> None:
        self.app.pop_screen()

    def _heartbeat(self) -> None:
        if self.task_id is None or self.stop is None or self.stop.paused:
            return
        from warehouse_tui.services.picking import heartbeat

        actor, task_id = self.actor, self.task_id
        self.call_service(lambda: heartbeat(self.store, actor, task_id), then=self._beat)

    def _beat(self, result: Any) -> None:
        if not result.accepted:
            self.task_id = None
            self.feedback(False, result.reason)
            self._show(None)

    # --- showing --------------------------------------------------------------------------

    def _outcome(self, outcome: Any) -> None:
        """A ScanOutcome or ShortOutcome: the message, then where the picker is now."""
        if not outcome.accepted:
            self.feedback(False, outcome.reason)
            if outcome.stop is not None:
                self._show(outcome.stop)
            return
        self.feedback(True, outcome.message)
        self._show(outcome.stop)

    def _show(self, stop: StopView | None) -> None:
        self.stop = stop
        progress, where, what, how_many, prompt = (
            self.query_one(f"#{name}", Caption)
            for name in ("progress", "where", "what", "how-many", "prompt")
        )
        if stop is None:
            progress.text = ""
            where.text = _("Pick list complete") if self.task_id else ""
            what.text = ""
            how_many.text = ""
            prompt.text = _("Press F2 for the next pick list")
            self.task_id = None
            return
        progress.text = _("{task} · stop {n}/{m}").format(
            task=Ref.PICK.of(stop.task_id), n=min(stop.done + 1, stop.total), m=stop.total
        )
        from warehouse_tui.services.picking import Expect

        if stop.expect == Expect.EMPTY_TOTE:
            where.text = _("Empty tote → {order}").format(order=stop.bind_order_ref)
            what.text = _("Tote {n} of {m} onto the cart").format(
                n=stop.totes_bound + 1, m=stop.totes_needed
            )
            how_many.text = ""
        else:
            where.text = stop.location_code
            what.text = f"{stop.sku_code} {stop.sku_name}"
            tote = f" → {stop.tote_code}" if stop.tote_code else ""
            how_many.text = _("Qty {picked}/{qty}").format(picked=stop.picked, qty=stop.qty) + tote
        prompt.text = _("PAUSED — F3 resumes") if stop.paused else _(PROMPTS[stop.expect])


PROMPTS = {
    "empty-tote": N_("Scan an empty tote"),
    "location": N_("Scan the location"),
    "item": N_("Scan the item"),
    "tote": N_("Scan the tote"),
}


register_screen("picking", N_("Picking"), {"picker", "supervisor"}, PickingScreen)
