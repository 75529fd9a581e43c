"""The supervisor's exceptions desk (80x24 and larger): everything that will not finish by
itself, oldest first, read again every few seconds; act on the chosen one by key.

F2 steps through the kinds (all, short, held, …). Each item's actions sit on fixed keys (F3
re-allocate … F10 settle or void), and the line under the list says which apply to it; F7
cancel asks for the same key again, F10 asks why. Enter shows the item's history (its journal
rows). Scanning an ORD- label holds that order (asking why); scanning a LOC- label asks for a
count there. Reasons come from shops and operators: they are shown as text, never as markup.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import N_, _
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.floor_watch import FloorWatch
from warehouse_tui.screens.registry import register_screen
from warehouse_tui.widgets.caption import Caption
from warehouse_tui.widgets.feedback_line import FeedbackLine
from warehouse_tui.widgets.scan_input import ScanAwareInput
from warehouse_tui.widgets.scan_modal import ScanModal

if TYPE_CHECKING:
    from warehouse_tui.services.exceptions import ExceptionItem, HistoryRow

AGE_S = 30.0  # read again this often for the ages shown, when nothing commits
CONFIRM_S = 5.0  # a second press of the cancel key within this time confirms
# The key of each action (services.exceptions.Action values); settle and void never meet, nor
# do release and scrap, nor re-allocate and receive.
ACTION_KEYS = {
    "reallocate": "f3",
    "receive": "f3",
    "wait": "f4",
    "ship-short": "f5",
    "cancel-line": "f6",
    "cancel": "f7",
    "release": "f8",
    "scrap": "f8",
    "restock": "f9",
    "close": "f10",
    "void": "f10",
}
NEEDS_REASON = ("close", "void", "scrap", "receive")


def age(since: datetime, now: datetime) -> str:
    """How long an item has waited, in the largest unit that fits (never a clock time)."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    if minutes < 48 * 60:
        return _("{n} h").format(n=minutes // 60)
    return _("{n} d").format(n=minutes // (24 * 60))


class ReasonPrompt(ScanModal[str]):
    """Why: a line of text, Enter to give it, Esc to cancel."""

    DEFAULT_CSS = """
    ReasonPrompt {
        align: center middle;
    }
    ReasonPrompt > #reason-prompt {
        width: 90%;
        max-width: 70;
        height: auto;
        border: ascii $accent;
        background: $panel;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-prompt"):
            yield Static(self._question, markup=False)
            yield ScanAwareInput(id="reason")
            yield Static(_("Enter confirm · Esc cancel"), classes="hint")

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HistoryScreen(ScanModal[None]):
    """One item's journal rows, oldest first."""

    DEFAULT_CSS = """
    HistoryScreen {
        align: center middle;
    }
    HistoryScreen > #history {
        width: 100%;
        height: 90%;
        border: ascii $accent;
        background: $panel;
    }
    HistoryScreen #history-rows {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar = [Binding("escape,enter", "dismiss", _("Close"))]

    def __init__(self, title: str, rows: list[HistoryRow]) -> None:
        super().__init__()
        self._title = title
        self._rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static(self._title, markup=False)
            yield DataTable(id="history-rows", cursor_type="row", zebra_stripes=True)
            yield Static(_("Esc closes"), classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("When (UTC)"), _("Who"), _("Action"), "", _("Why / scanned"))
        for row in self._rows:
            table.add_row(
                row.at.strftime("%m-%d %H:%M"),
                Text(row.who),
                Text(row.action),
                "✓" if row.accepted else "✗",
                Text(row.reason or row.raw),
            )
        if not self._rows:
            table.add_row("", "", Text(_("Nothing journaled")), "", "")
        table.move_cursor(row=max(table.row_count - 1, 0))


class ExceptionsScreen(FloorScreen):
    CSS_PATH = "exceptions.tcss"
    AUTO_FOCUS = "#queue"
    TITLE_TEXT = N_("Exceptions")
    HELP: ClassVar[str] = N_(
        "Everything on the floor that will not finish by itself, oldest first: short or stuck "
        "orders, held orders, intercepted orders and their goods to put back, counts, units set "
        "aside at a put wall, a pack station or receiving, labelled parcels not on a truck. F2 "
        "shows one kind at a time.\n\n"
        "The line under the list names what may be done with the chosen item, each on its key: "
        "F3 re-allocate from other stock (or record a set-aside unit's serial as received, "
        "for stock from before serials were received; asks why), F4 wait (back to ready, "
        "picked units put back), F5 ship short (the shop is told what did not ship), F6 "
        "cancel the short lines, F7 twice cancel the order, F8 release a held order (audited "
        "again) or scrap a set-aside unit (asks why), F9 confirm goods or a set-aside unit "
        "are back on the shelf, F10 settle a set-aside item or void a parcel (asks why).\n\n"
        "Enter shows the item's history. Scan an ORD- label to hold that order (you are asked "
        "why), a LOC- label to have it counted.\n\nEsc goes back."
    )
    BINDINGS: ClassVar = [
        Binding("f2", "next_kind", _("Kind")),
        *[
            Binding(key, f"act('{action}')", show=False)
            for action, key in ACTION_KEYS.items()
            if action not in ("void", "scrap", "receive")
        ],
        Binding("escape", "back", _("Back")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ExceptionItem] = []
        self.kind = ""
        self._cancel_armed: tuple[str, float] | None = None
        self._watch = FloorWatch(self, self._read, self._show, every=AGE_S)

    def compose(self) -> ComposeResult:
        with Vertical(id="desk"):
            yield Caption(id="heading")
            yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            yield Caption(id="detail")
            yield Caption(id="actions")
            yield FeedbackLine(id="feedback")
            yield Static(
                _("F2 kind · Enter history · scan ORD- to hold, LOC- to count · Esc back"),
                classes="keys",
            )

    def on_mount(self) -> None:
        self.query_one("#queue", DataTable).add_columns(
            _("Waiting"), _("Kind"), _("About"), _("Why")
        )
        self._watch.start()

    def on_unmount(self) -> None:
        self._watch.stop()

    # --- reading ---------------------------------------------------------------------------

    def _read(self) -> list[ExceptionItem]:
        from warehouse_tui.services.exceptions import Kind, list_exceptions

        return list_exceptions(self.store, Kind(self.kind) if self.kind else None)

    def _show(self, items: list[ExceptionItem]) -> None:
        from warehouse_tui.services.exceptions import KIND_NAMES
        from warehouse_tui.store.models import utcnow

        self.items = items
        now = utcnow()
        table = self.query_one("#queue", DataTable)
        keep = self._chosen_id()
        table.clear()
        for item in items:
            table.add_row(
                age(item.since, now),
                _(KIND_NAMES[item.kind]),
                item.ref,
                Text(item.reason),
                key=item.id,
            )
        ids = [item.id for item in items]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        kind_name = _(KIND_NAMES[self.kind]) if self.kind else _("all kinds")  # type: ignore[index]
        self.query_one("#heading", Caption).text = _("Exceptions · {kind} · {n}").format(
            kind=kind_name, n=len(items)
        )
        self._show_chosen()

    def _chosen(self) -> ExceptionItem | None:
        table = self.query_one("#queue", DataTable)
        if not self.items or table.cursor_row < 0:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    def _chosen_id(self) -> str | None:
        table = self.query_one("#queue", DataTable)
        if not table.row_count or table.cursor_row < 0:
            return None
        return str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)

    @on(DataTable.RowHighlighted, "#queue")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_chosen()

    def _show_chosen(self) -> None:
        from warehouse_tui.services.exceptions import ACTION_NAMES

        item = self._chosen()
        detail = self.query_one("#detail", Caption)
        actions = self.query_one("#actions", Caption)
        if item is None:
            detail.text = _("Nothing waits: the floor is clear") if not self.items else ""
            actions.text = ""
            return
        detail.text = Text(f"{item.ref}: {item.reason}")
        actions.text = " · ".join(
            f"{ACTION_KEYS[action].upper()} {_(ACTION_NAMES[action])}" for action in item.actions
        )

    # --- acting ----------------------------------------------------------------------------

    def action_next_kind(self) -> None:
        """All kinds, then each kind in turn."""
        from warehouse_tui.services.exceptions import Kind

        kinds = ["", *(kind.value for kind in Kind)]
        self.kind = kinds[(kinds.index(self.kind) + 1) % len(kinds)]
        self._reload_now()

    def action_act(self, action: str) -> None:
        item = self._chosen()
        if item is None:
            self.feedback(False, _("No exception chosen"))
            return
        chosen = next((a for a in item.actions if ACTION_KEYS[a] == ACTION_KEYS[action]), None)
        if chosen is None:
            self.feedback(False, _("That key does nothing for {ref}").format(ref=item.ref))
            return
        if chosen == "cancel" and not self._confirmed(item.id):
            self.feedback(False, _("Cancel {ref}? Press F7 again").format(ref=item.ref))
            return
        if chosen in NEEDS_REASON:
            self.app.push_screen(
                ReasonPrompt(_("Why? ({ref})").format(ref=item.ref)),
                lambda reason: self._act(item.id, chosen, reason) if reason else None,
            )
            return
        self._act(item.id, chosen, "")

    def _confirmed(self, item_id: str) -> bool:
        armed, self._cancel_armed = self._cancel_armed, None
        if armed is not None and armed[0] == item_id and time.monotonic() - armed[1] <= CONFIRM_S:
            return True
        self._cancel_armed = (item_id, time.monotonic())
        return False

    def _act(self, item_id: str, action: str, reason: str) -> None:
        from warehouse_tui.services.exceptions import act

        actor = self.actor
        self.call_service(lambda: act(self.store, actor, item_id, action, reason), then=self._acted)

    def _acted(self, result: Any) -> None:
        if result.accepted:
            self.feedback(True, result.message or _("Done"))
        else:
            self.feedback(False, result.reason)
        self._reload_now()

    @on(DataTable.RowSelected, "#queue")
    def _history(self, _event: DataTable.RowSelected) -> None:
        from warehouse_tui.services.exceptions import history

        item = self._chosen()
        if item is None:
            return
        title = f"{item.ref} · {item.id}"

        def show(rows: list[HistoryRow]) -> None:
            self.app.push_screen(HistoryScreen(title, rows))

        self.call_service(lambda: history(self.store, item.id), then=show)

    # --- scans: hold an order, count a location ---------------------------------------------

    def handle_scan(self, code: str) -> None:
        from warehouse_tui.domain.barcodes import ScanKind, parse_scan

        kind = parse_scan(code).kind
        if kind is ScanKind.ORDER:
            self.journal_scan(code, accepted=True, reason="hold: asking why")
            self.app.push_screen(
                ReasonPrompt(_("Hold {order}: why?").format(order=code)),
                lambda reason: self._hold(code, reason) if reason else None,
            )
        elif kind is ScanKind.LOCATION:
            from warehouse_tui.services.counts import request_counts

            actor = self.actor
            self.call_service(
                lambda: request_counts(self.store, actor, [code]), then=self._count_asked
            )
        else:
            self.refuse_scan(code, _("Scan an ORD- label to hold it, a LOC- label to count it"))

    def _hold(self, code: str, reason: str) -> None:
        from warehouse_tui.services.holds import hold_order

        actor = self.actor
        self.call_service(lambda: hold_order(self.store, actor, code, reason), then=self._held)

    def _held(self, result: Any) -> None:
        if result.accepted:
            self.feedback(
                True,
                _("{order} is held").format(order=format_label(ScanKind.ORDER, result.order_id)),
            )
        else:
            self.feedback(False, result.reason)
        self._reload_now()

    def _count_asked(self, result: Any) -> None:
        self.feedback(result.accepted, _("Count asked for") if result.accepted else result.reason)
        self._reload_now()

    def _reload_now(self) -> None:
        self._watch.load()

    def action_back(self) -> None:
        self.app.pop_screen()


register_screen("exceptions", N_("Exceptions"), {"supervisor"}, ExceptionsScreen)
