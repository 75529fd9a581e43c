"""What an import did, and how it reports progress while it does it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from warehouse_tui.services.importing.records import RowError

WRITE_BATCH = 5_000
"""Records per bulk insert, and between progress reports while writing."""


@dataclass
class ImportResult:
    """What an import did. With any error nothing was written and every count is 0."""

    errors: list[RowError] = field(default_factory=list)
    imported: int = 0  # records taken in
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # orders whose version was not newer, or already shipped or cancelled
    cancelled: int = 0  # orders cancelled before release
    intercepted: int = 0  # orders stopped after release

    @property
    def accepted(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        if self.errors:
            return {
                "imported": 0,
                "errors": [{"line": error.line, "reason": error.reason} for error in self.errors],
            }
        return {
            "imported": self.imported,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "cancelled": self.cancelled,
            "intercepted": self.intercepted,
        }


# (stage, done, total): stage is "read" (lines of the file) or "write" (records).
Progress = Callable[[str, int, int], None]


def no_progress(_stage: str, _done: int, _total: int) -> None:
    return None
