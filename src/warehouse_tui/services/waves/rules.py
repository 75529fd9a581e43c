"""The rules a supervisor gives a wave: which orders, how many, picked how.

Checked when made, so a command line or a screen that builds one with a bad value is told at
once, in the operator's language, before any transaction starts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import time
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.store.models import Strategy


@dataclass(frozen=True)
class WaveRules:
    strategy: str = Strategy.PICK_BY_ORDER
    carrier: str | None = None
    shop: str | None = None
    single_item: bool | None = None
    """True: only shipments of one unit; False: only the others; None: both."""
    zone: str | None = None
    """Pick only from locations of this zone (orders it cannot fill wait)."""
    min_priority: int | None = None
    max_orders: int | None = None
    max_lines: int | None = None
    max_picks: int | None = None
    due_by: str | None = None
    """Local HH:MM today: only shipments due by then (ship-by, else their service's cut-off)."""

    def __post_init__(self) -> None:
        if self.strategy not in tuple(Strategy):
            raise ValueError(
                _("unknown strategy {strategy!r}; use pick-by-order or batch").format(
                    strategy=self.strategy
                )
            )
        for name in ("max_orders", "max_lines", "max_picks"):
            limit = getattr(self, name)
            if limit is not None and limit < 1:
                raise ValueError(_("{name} must be at least 1").format(name=name))
        if self.due_by is not None and local_time(self.due_by) is None:
            raise ValueError(
                _("due-by is a local time written HH:MM, not {value!r}").format(value=self.due_by)
            )

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    def as_text(self) -> str:
        """The rules as the journal's raw text: `key=value` pairs of those set."""
        return " ".join(f"{key}={value}" for key, value in self.as_dict().items())


def local_time(text: str) -> time | None:
    """A local HH:MM, or None if it does not read as one."""
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return time(hour, minute)
    except ValueError:
        return None


def plan_lines(summary: dict[str, Any]) -> list[str]:
    """A preview's or a release's summary (`WavePlan.summary`) as the lines a supervisor reads,
    on the command line and on the wave desk alike."""
    walk = summary["walk_m"]
    lines = [
        _("{orders} orders, {lines} lines, {picks} picks on {batches} pick lists").format(**summary)
    ]
    if "pick_by_order" not in walk:  # a release: only a preview compares walks
        return [*lines, _("walk: {best} m planned").format(best=walk["best"])]
    lines.append(
        _("walk: {best} m planned, {s_shape} m by S-shape, {alone} m order by order").format(
            best=walk["best"], s_shape=walk["s_shape"], alone=walk["pick_by_order"]
        )
    )
    if walk["pick_by_order"] > 0:
        saved = 1 - walk["best"] / walk["pick_by_order"]
        lines.append(_("{saved:.0%} less walking than picking order by order").format(saved=saved))
    return lines
