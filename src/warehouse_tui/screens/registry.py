"""The floor screens the home menu offers, by role. A screen module registers itself here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen

# Menu order: each role's daily screen comes first (a picker's picking, a packer's pack station).
SCREEN_MODULES = (
    "picking",
    "putwall",
    "tasks",
    "pack",
    "load",
    "waves",
    "board",
    "kpi",
    "exceptions",
    "returns",
    "receive",
    "returns_report",
)


@dataclass(frozen=True)
class ScreenEntry:
    key: str
    title: str  # marked with N_, translated when shown
    roles: frozenset[str]
    factory: Callable[[], Screen[Any]]


_entries: dict[str, ScreenEntry] = {}


def register_screen(
    key: str, title: str, roles: set[str], factory: Callable[[], Screen[Any]]
) -> None:
    _entries[key] = ScreenEntry(key, title, frozenset(roles), factory)


def screens_for(role: str) -> list[ScreenEntry]:
    for module in SCREEN_MODULES:
        importlib.import_module(f"warehouse_tui.screens.{module}")
    # The menu follows SCREEN_MODULES, whatever order the modules happened to be imported in.
    entries = sorted(_entries.values(), key=lambda e: SCREEN_MODULES.index(e.key))
    return [e for e in entries if role in e.roles or role == "admin"]
