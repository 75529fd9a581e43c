"""A desk screen's data, read again when another terminal commits rather than on a fast timer.

A thread of the screen's own waits on the database's change signal (services/board.py
`watch_changes`, store/changes.py) and asks for a read on the service thread at each wake, so a
commit anywhere shows within a second and a still floor costs nothing. One read runs at a time:
a change that arrives during a read asks for one more after it, so the last commit is never
missed. What only the clock changes (a pick list going quiet, how long an exception has waited)
is read again every `every` seconds as well.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from warehouse_tui.screens.base import FloorScreen

T = TypeVar("T")

WATCH_S = 0.25
"""How long the watching thread blocks before it looks whether the screen has closed."""


class FloorWatch(Generic[T]):
    """`show(read())` now, after every commit elsewhere, on `load()`, and every `every` s."""

    def __init__(
        self,
        screen: FloorScreen,
        read: Callable[[], T],
        show: Callable[[T], None],
        *,
        every: float | None = None,
    ) -> None:
        self._screen = screen
        self._read = read
        self._show = show
        self._every = every
        self._stop = threading.Event()
        # Both flags live on the UI thread.
        self._reading = False
        self._again = False

    def start(self) -> None:
        """The first read, the watching thread and the clock's timer (call from on_mount)."""
        self.load()
        threading.Thread(target=self._watch, name="floor-watch", daemon=True).start()
        if self._every is not None:
            self._screen.set_interval(self._every, self.load)

    def stop(self) -> None:
        """End the watching thread (call from on_unmount)."""
        self._stop.set()

    def load(self) -> None:
        """Read now (after the read in progress, if there is one)."""
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        self._screen.call_service(self._read, then=self._shown)

    def _shown(self, value: T) -> None:
        self._reading = False
        if not self._screen.is_mounted:
            return
        if self._again:
            self.load()
        self._show(value)

    def _watch(self) -> None:
        """On its own thread: wait for commits; each wakes one read."""
        from warehouse_tui.services.board import watch_changes

        watcher = watch_changes(self._screen.store)
        try:
            while not self._stop.is_set():
                if watcher.wait(WATCH_S) and not self._stop.is_set():
                    self._screen.app.call_from_thread(self.load)
        except RuntimeError:  # the app stopped under us
            pass
        finally:
            watcher.close()
