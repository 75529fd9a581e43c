"""Helpers for driving the real app in tests: an app factory and a few seeded operators."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen

from warehouse_tui.app import WarehouseApp
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Operator

S = TypeVar("S", bound=Screen)  # type: ignore[type-arg]

OPERATORS = [
    # (id, badge, name, role, language, PIN)
    (1, "OP-1000000001", "Ana Picker", "picker", "en", "1111"),
    (2, "OP-1000000002", "Ben Packer", "packer", "en", "2222"),
    (3, "OP-1000000003", "Cleo Supervisor", "supervisor", "en", "3333"),
    (4, "OP-1000000004", "Dev Admin", "admin", "en", "4444"),
    (5, "OP-1000000005", "王芳", "picker", "zh_CN", "5555"),
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
    """A keyboard-wedge scan: the code's keys at scanner speed (all sent before any is
    handled, as a scanner's burst arrives), then Enter."""
    await pilot.pause()  # a screen being switched to takes the burst whole
    driver = pilot.app._driver
    assert driver is not None
    for key in (*code, "enter"):
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        event = events.Key(name, "\r" if key == "enter" else key)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await wait_idle(pilot)


async def type_keys(pilot: Pilot, text: str) -> None:
    """Keys typed by a person, one after another (slower than any scanner), then Enter."""
    await pilot.press(*text, "enter")
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
