"""The journal: who did what, where, accepted or refused — always in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from warehouse_tui.store.models import Journal


@dataclass(frozen=True)
class Actor:
    """Who acts, from which station and screen; every service takes one."""

    operator_id: int | None
    station: str = ""
    screen: str = ""


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
) -> None:
    session.add(
        Journal(
            station=actor.station,
            operator_id=actor.operator_id,
            authorised_by=authorised_by,
            screen=actor.screen,
            task_ref=task_ref,
            order_id=order_id,
            raw=raw,
            action=action,
            accepted=accepted,
            reason=reason,
        )
    )
