"""One step of the packer: one write transaction, journaled with its outcome.

Every step but the item count (verify's hot path) has the same shape: open the write
transaction, do the step, journal what it answered — accepted or refused, with the reason the
packer read — in that same transaction, so a crash loses nothing the screen said was done.
`journaled` is that shape once; `parcel_step` adds what most steps share, the parcel they act
on and its journal reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlmodel import Session

from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.shipping import parcel_label
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Parcel


class Outcome(Protocol):
    @property
    def accepted(self) -> bool: ...

    @property
    def reason(self) -> str: ...


R = TypeVar("R", bound=Outcome)


@dataclass
class Entry:
    """The journal row's references, which a step may fill in as it learns them (the parcel it
    opened, the order a scan named, the supervisor who authorised it)."""

    raw: str = ""
    task_ref: str = ""
    order_id: int | None = None
    authorised_by: int | None = None


def journaled(
    store: Store,
    actor: Actor,
    action: str,
    step: Callable[[Session, Entry], R],
    *,
    raw: str = "",
) -> R:
    """Run `step` in one write transaction and journal its outcome under `action`."""
    with store.write() as session:
        entry = Entry(raw=raw)
        result = step(session, entry)
        record(
            session,
            actor,
            action,
            accepted=result.accepted,
            reason=result.reason,
            raw=entry.raw,
            task_ref=entry.task_ref,
            order_id=entry.order_id,
            authorised_by=entry.authorised_by,
        )
        return result


def parcel_step(
    store: Store,
    actor: Actor,
    action: str,
    parcel_id: int,
    step: Callable[[Session, Parcel | None, Entry], R],
    *,
    raw: str = "",
) -> R:
    """`journaled`, on the parcel `parcel_id` (None if there is no such parcel): the row
    refers to the parcel and to its lead order."""

    def on_parcel(session: Session, entry: Entry) -> R:
        parcel = session.get(Parcel, parcel_id)
        entry.task_ref = parcel_label(parcel_id)
        entry.order_id = parcel.order_id if parcel else None
        return step(session, parcel, entry)

    return journaled(store, actor, action, on_parcel, raw=raw)
