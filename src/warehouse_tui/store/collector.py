"""The cyclic garbage collector, paused while bulk work builds many small objects.

An import, or a pulled page of a shop's orders, is thousands to millions of small dicts, lists
and tuples, from the text parsed to the rows written. None of them is in a reference cycle, so
reference counting frees each as soon as it is dropped; the cyclic collector would only scan
them again and again while they are alive, and a full pass (over everything the process holds)
landing in the middle costs more than a page itself, about a third of a large import. Both
imports (services/importing) and sync (sync/runner.py) use this: it sits in store/, a layer
both may import.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the work in the block; it is back on (if it was) when
    the block ends. Drop what the work built before then (return from the function that holds
    it): the first pass after would otherwise go through all of it once more."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
