"""Helpers for driving the real app in tests: an app factory and a few seeded operators."""

from __future__ import annotations

from typing import TypeVar

from textual.pilot import Pilot
from textual.screen import Screen

from warehouse_tui.app import WarehouseApp
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Operator

S = TypeVar("S", bound=Screen)  # type: ignore[type-arg]

OPERATORS = [
    # (id, badge, name, role, language, PIN)
    (1, "OP-0001", "Ana Picker", "picker", "en", "1111"),
    (2, "OP-0002", "Ben Packer", "packer", "en", "2222"),
    (3, "OP-0003", "Cleo Supervisor", "supervisor", "en", "3333"),
    (4, "OP-0004", "Dev Admin", "admin", "en", "4444"),
    (5, "OP-0005", "王芳", "picker", "zh_CN", "5555"),
]


def add_operators(store: Store) -> None:
    with store.write() as session:
        for op_id, badge, name, role, language, pin in OPERATORS:
            session.add(
                Operator(
                    id=op_id,
                    badge=badge,
                    name=name,
                    role=role,
                    language=language,
                    pin_hash=hash_pin(pin),
                )
            )


def make_test_app(store: Store, station: str = "TEST-1") -> WarehouseApp:
    """The real app on a test database."""
    return WarehouseApp(str(store.url), station, store=store)


async def scan(pilot: Pilot, code: str) -> None:
    """A keyboard-wedge scan: the code's keys, then Enter."""
    await pilot.press(*code, "enter")
    await wait_idle(pilot)


async def wait_idle(pilot: Pilot) -> None:
    """Let service workers finish and their results reach the screen."""
    await pilot.app.workers.wait_for_complete()
    await pilot.app.services_done()  # type: ignore[attr-defined]
    await pilot.pause()


async def log_in(pilot: Pilot, badge: str) -> None:
    await wait_idle(pilot)
    await scan(pilot, badge)


async def open_screen(pilot: Pilot, badge: str, screen: S) -> S:
    """Log in by badge and open `screen` over the home screen, its first reads done."""
    await log_in(pilot, badge)
    await pilot.app.push_screen(screen)
    await wait_idle(pilot)
    return screen
