"""Logging in: a badge scan, or operator ID + PIN. Both journaled, refusals included."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from warehouse_tui.domain.pins import pin_matches
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Operator, Role


@dataclass(frozen=True)
class OperatorView:
    id: int
    badge: str
    name: str
    role: str
    language: str


@dataclass(frozen=True)
class LoginResult:
    operator: OperatorView | None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.operator is not None


def _view(operator: Operator) -> OperatorView:
    assert operator.id is not None
    return OperatorView(
        operator.id, operator.badge, operator.name, operator.role, operator.language
    )


def login_with_badge(store: Store, station: str, badge: str) -> LoginResult:
    with store.write() as session:
        operator = session.exec(select(Operator).where(Operator.badge == badge.upper())).first()
        return _finish(session, station, operator, raw=badge, pin_ok=True)


def login_with_pin(store: Store, station: str, operator_id: int, pin: str) -> LoginResult:
    with store.write() as session:
        operator = session.get(Operator, operator_id)
        pin_ok = operator is not None and pin_matches(pin, operator.pin_hash)
        return _finish(session, station, operator, raw=str(operator_id), pin_ok=pin_ok)


def _finish(
    session,
    station: str,
    operator: Operator | None,
    *,
    raw: str,  # type: ignore[no-untyped-def]
    pin_ok: bool,
) -> LoginResult:
    actor = Actor(operator.id if operator else None, station, "login")
    if operator is None or not pin_ok:
        reason = _("Unknown badge or wrong PIN")
    elif not operator.active:
        reason = _("This operator is not active — ask a supervisor")
    else:
        record(session, actor, "login", raw=raw)
        return LoginResult(_view(operator))
    record(session, actor, "login", accepted=False, reason=reason, raw=raw)
    return LoginResult(None, reason)


def supervisor_by_badge(session, badge: str) -> Operator | None:  # type: ignore[no-untyped-def]
    """The operator behind a badge scanned to authorise an override, if a supervisor or admin."""
    operator = session.exec(select(Operator).where(Operator.badge == badge.upper())).first()
    if operator is None or not operator.active:
        return None
    return operator if operator.role in (Role.SUPERVISOR, Role.ADMIN) else None
