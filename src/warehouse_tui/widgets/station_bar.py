"""The line at the top of every floor screen: which station this is, who is logged in, and how
the shop sync stands (events waiting, dead events, the last pull), so a packer sees at a glance
that the shop is being told what shipped — and a supervisor sees when it is not.

Attributes down: the screen sets `station` and `operator`; the app sets `sync` from its poll.
Names are shown as text, never as markup, with what a terminal would act on escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from warehouse_tui.sync.outbox import SyncSummary


class StationBar(Static):
    DEFAULT_CSS = """
    StationBar {
        dock: top;
        width: 100%;
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    StationBar.sync-trouble {
        color: $warning;
    }
    """

    station: reactive[str] = reactive("")
    operator: reactive[str] = reactive("")
    sync: reactive[SyncSummary | None] = reactive(None)

    def render(self) -> Table:
        who = " · ".join(part for part in (self.station, self.operator) if part)
        row = Table.grid(expand=True)
        row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        row.add_column(no_wrap=True)
        row.add_row(Text(on_screen(who)), Text(self._sync_text(), justify="right"))
        return row

    def watch_sync(self, sync: SyncSummary | None) -> None:
        self.set_class(bool(sync and (sync.dead or sync.failing)), "sync-trouble")

    def _sync_text(self) -> str:
        sync = self.sync
        if sync is None:
            return ""
        parts = []
        if sync.waiting:
            parts.append(_("{n} to send").format(n=sync.waiting))
        if sync.dead:
            parts.append(_("{n} failed").format(n=sync.dead))
        if sync.failing:
            parts.append(_("pull failing"))
        if sync.last_pull_at is not None:
            parts.append(_("pulled {time}").format(time=sync.last_pull_at.strftime("%H:%M")))
        return _("shop: {state}").format(state=", ".join(parts) or _("in step"))
