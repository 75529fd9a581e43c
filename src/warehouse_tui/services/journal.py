"""The journal: who did what, where, accepted or refused — always in the caller's transaction.

Also the double-trigger guard every scanning service shares: a scanner that fires twice on one
pull sends the same code again within milliseconds, which is one item, not two.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts, from which station and screen; every service takes one. With no operator it is
    the local command line, and `name` is who ran it (services/roles.py)."""

    operator_id: int | None
    station: str = ""
    screen: str = ""
    name: str = ""


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    accepted: bool = True,
    reason: str = "",
    raw: str = "",
    task_ref: str = "",
    order_id: int | None = None,
    authorised_by: int | None = None,
    keyed: bool = False,
) -> None:
    session.add(
        Journal(
            **journal_row(
                actor,
                action,
                accepted=accepted,
                reason=reason,
                raw=raw,
                task_ref=task_ref,
                order_id=order_id,
                authorised_by=authorised_by,
                keyed=keyed,
            )
        )
    )


def journal_row(
    actor: Actor,
    action: str,
    *,
    accepted: bool = True,
    reason: str = "",
    raw: str = "",
    task_ref: str = "",
    order_id: int | None = None,
    authorised_by: int | None = None,
    keyed: bool = False,
    at: datetime | None = None,
) -> dict[str, Any]:
    """A journal row's columns, for `record` and for hot paths that insert it through Core.
    `keyed`: an item count from a code keyed in (a SKU's own code), not a barcode scanned.
    `at` defaults to now; a hot path passes the moment its other rows carry."""
    return {
        "at": utcnow() if at is None else at,
        "station": actor.station,
        "operator_id": actor.operator_id,
        "actor_name": actor.name,
        "authorised_by": authorised_by,
        "screen": actor.screen,
        "task_ref": task_ref,
        "order_id": order_id,
        "raw": raw,
        "action": action,
        "accepted": accepted,
        "reason": reason,
        "keyed": keyed,
    }


def journal_scan(store: Store, actor: Actor, raw: str, *, accepted: bool, reason: str) -> None:
    """A scan a screen settled itself, with no service behind it (a badge where none is taken,
    the put wall or carrier chosen): journaled like every other scan."""
    with store.write() as session:
        record(session, actor, "scan", accepted=accepted, reason=reason, raw=raw)


class DoubleTriggers:
    """The last code each station scanned in each context (a parcel, a pick list, a wall, a
    truck) and when it arrived. Kept in the process: a double trigger reaches one station."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], tuple[str, float]] = {}

    def arrive(
        self, station: str, context: str, code: str, at: float | None = None
    ) -> float | None:
        """Note `code`'s arrival (`at`, on the monotonic clock, when the station took the scan;
        default now); return seconds since the same code last arrived, if it did. Taking the
        time at the station matters: scans queue for the service thread, and a double trigger
        must not drift apart behind a slow transaction."""
        now = time.monotonic() if at is None else at
        with self._lock:
            previous = self._last.get((station, context))
            self._last[(station, context)] = (code, now)
        if previous is None or previous[0] != code:
            return None
        return max(0.0, now - previous[1])


DOUBLE_TRIGGERS = DoubleTriggers()


def double_trigger_refusal(since_same: float | None, window_ms: int) -> str:
    """The refusal for a code repeated inside the window (`duplicate_scan_window_ms`), or ""."""
    if since_same is not None and since_same * 1000 < window_ms:
        return _("Same code twice at once (double trigger): counted once")
    return ""


def refuse_double_trigger(
    session: Session,
    actor: Actor,
    action: str,
    context: str,
    code: str,
    scanned_at: float | None = None,
) -> str:
    """Note the scan's arrival; if it repeats the last code of `context` inside the window,
    journal it as a refused duplicate and return why (else "")."""
    since_same = DOUBLE_TRIGGERS.arrive(actor.station, context, code, scanned_at)
    if since_same is None:
        return ""
    refusal = double_trigger_refusal(since_same, get_setting(session, "duplicate_scan_window_ms"))
    if refusal:
        record(session, actor, action, accepted=False, reason=refusal, raw=code, task_ref=context)
    return refusal
