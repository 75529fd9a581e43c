"""Logging in and supervisor approval: a badge, a PIN, or both. Every try is journaled.

A badge scanned by a scanner (keystrokes at scanner speed, as the screen measured them) logs in
on its own, unless the `login` setting's `pin_always` asks for the PIN too; a badge typed by hand
always asks for the PIN, since anyone can type what is printed on a badge. Badges carry a random
part (`new_badge`), so knowing an operator's id tells nothing about their badge.

Wrong PINs count against the operator they name: after `login.attempts` in a row the operator is
locked for `login.first_lock_s`, doubled for each further lock in a row, and journaled; a good PIN
clears the count. A locked operator is told until when, and a supervisor can unlock them at
once (`warehouse-tui operator unlock ID`). The count is kept with the row locked (`FOR UPDATE`
on PostgreSQL; SQLite's write transactions are serial already), so two terminals guessing
together still lock at the limit.

A supervisor's approval on a station (a typed weight, an override) takes the supervisor's badge
and PIN there, counted and locked like a log-in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.pins import hash_pin, pin_matches
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.roles import ADMINS, SUPERVISORS, role_refusal
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Operator, Role, as_utc, utcnow

BADGE_DIGITS = 10
REMOTE_STATION = "web:"
"""A station named `web:<peer address>` is a browser session (`warehouse-tui serve`): a badge
string alone is not enough over a network, so it always takes the PIN, and only supervisors and
admins log in there. The journal's station names the peer."""
_LONGEST_LOCK_S = 24 * 3600


@dataclass(frozen=True)
class OperatorView:
    id: int
    badge: str
    name: str
    role: Role
    language: str


class LoginRefusal(StrEnum):
    UNKNOWN = "unknown"  # no such badge or id, or the PIN is wrong
    NEEDS_PIN = "needs-pin"  # a typed badge, or the setting asks for a PIN always
    LOCKED = "locked"
    INACTIVE = "inactive"
    NOT_SUPERVISOR = "not-supervisor"
    OWN_APPROVAL = "own-approval"  # a supervisor approving what they did themselves


@dataclass(frozen=True)
class LoginResult:
    operator: OperatorView | None
    reason: str = ""
    refusal: LoginRefusal | None = None

    @property
    def accepted(self) -> bool:
        return self.operator is not None


def new_badge() -> str:
    """A badge no one can work out from anything else: OP- and random digits."""
    first = 10 ** (BADGE_DIGITS - 1)
    return format_label(ScanKind.BADGE, first + secrets.randbelow(9 * first))


def login_with_badge(
    store: Store, station: str, badge: str, *, scanned: bool, pin: str | None = None
) -> LoginResult:
    """Log in by badge: alone when a scanner read it (and the setting allows), else with `pin`."""
    with store.write() as session:
        operator = _by_badge(session, badge)
        needs_pin = (
            not scanned
            or get_setting(session, "login")["pin_always"]
            or station.startswith(REMOTE_STATION)
        )
        if operator is not None and pin is None and needs_pin:
            actor = Actor(operator.id, station, "login")
            reason = _("Now type your PIN")
            return _refused(session, actor, LoginRefusal.NEEDS_PIN, reason, raw=badge)
        result = _remote_checked(
            session, station, _checked(session, station, operator, pin, raw=badge), badge
        )
        if result.operator is not None:
            record(session, Actor(result.operator.id, station, "login"), "login", raw=badge)
        return result


def login_with_pin(store: Store, station: str, operator_id: int, pin: str) -> LoginResult:
    with store.write() as session:
        operator = _locked_row(session, col(Operator.id) == operator_id)
        result = _checked(session, station, operator, pin, raw=str(operator_id))
        result = _remote_checked(session, station, result, str(operator_id))
        if result.accepted:
            record(session, Actor(operator_id, station, "login"), "login", raw=str(operator_id))
        return result


def _remote_checked(session: Session, station: str, result: LoginResult, raw: str) -> LoginResult:
    """A good log-in from a browser is refused unless the operator supervises (REMOTE_STATION)."""
    if result.operator is None or not station.startswith(REMOTE_STATION):
        return result
    if result.operator.role in SUPERVISORS:
        return result
    reason = _("Only supervisors and admins log in from a browser: use a floor terminal")
    actor = Actor(result.operator.id, station, "login")
    return _refused(session, actor, LoginRefusal.NOT_SUPERVISOR, reason, raw=raw)


@dataclass(frozen=True)
class Approval:
    """A supervisor's badge scanned and PIN typed on a station, to let a step through."""

    badge: str
    pin: str


def supervisor_approval(
    session: Session, actor: Actor, badge: str, pin: str, *, own_decision: bool = False
) -> tuple[Operator | None, str]:
    """The supervisor (or admin) whose badge and PIN were given on this station, or None and why
    not. Runs in the caller's transaction, so the approval and what it approves commit together;
    a wrong PIN counts towards the supervisor's lock like a log-in. Approval takes a second
    person: a supervisor working a station needs another supervisor to approve their own work,
    unless what is approved is a supervisor's own decision (`own_decision`, a merge split at the
    desk), where the badge and PIN only confirm who decided."""
    operator = _by_badge(session, badge)
    result = _checked(session, actor.station, operator, pin, raw=badge)
    if not result.accepted:
        return None, result.reason
    assert operator is not None
    if operator.role not in SUPERVISORS:
        reason = _("{name} is not a supervisor: a supervisor's badge and PIN are needed").format(
            name=operator.name
        )
        _refused(session, actor, LoginRefusal.NOT_SUPERVISOR, reason, raw=badge)
        return None, reason
    if operator.id == actor.operator_id and not own_decision:
        reason = _(
            "{name} cannot approve their own work: another supervisor's badge and PIN"
        ).format(name=operator.name)
        _refused(session, actor, LoginRefusal.OWN_APPROVAL, reason, raw=badge)
        return None, reason
    return operator, ""


def unlock_operator(store: Store, actor: Actor, operator_id: int) -> str:
    """Lift an operator's PIN lock at once (a supervisor's or admin's call); the reason it was
    refused, or ""."""
    with store.write() as session:
        refusal = role_refusal(session, actor, SUPERVISORS)
        if refusal:
            record(session, actor, "operator.unlock", accepted=False, reason=refusal)
            return refusal
        operator = session.get(Operator, operator_id)
        if operator is None:
            return _("No operator {id}").format(id=operator_id)
        operator.failed_pins, operator.lockouts, operator.locked_until = 0, 0, None
        record(session, actor, "operator.unlock", raw=str(operator_id))
    return ""


def _by_badge(session: Session, badge: str) -> Operator | None:
    return _locked_row(session, col(Operator.badge) == badge.strip().upper())


def _locked_row(session: Session, condition: ColumnElement[bool]) -> Operator | None:
    """The operator row, locked until the transaction ends, so wrong PINs count one by one."""
    # NO KEY UPDATE: journal rows naming this operator (KEY SHARE by their foreign key) go on.
    return session.exec(select(Operator).where(condition).with_for_update(key_share=True)).first()


def _checked(
    session: Session, station: str, operator: Operator | None, pin: str | None, *, raw: str
) -> LoginResult:
    """Whether `pin` (None: a scanned badge that needs none) lets `operator` in; counts and
    locks on a wrong PIN and journals every refusal."""
    actor = Actor(operator.id if operator else None, station, "login")
    if operator is None:
        return _refused(session, actor, LoginRefusal.UNKNOWN, _unknown(), raw=raw)
    now = utcnow()
    locked_until = as_utc(operator.locked_until)
    if locked_until is not None and locked_until > now:
        reason = _("Locked after wrong PINs until {time} UTC — a supervisor can unlock you").format(
            time=locked_until.strftime("%H:%M:%S")
        )
        return _refused(session, actor, LoginRefusal.LOCKED, reason, raw=raw)
    if pin is not None and not pin_matches(pin, operator.pin_hash):
        _count_wrong_pin(session, actor, operator, now)
        return _refused(session, actor, LoginRefusal.UNKNOWN, _unknown(), raw=raw)
    if not operator.active:
        reason = _("This operator is not active — ask a supervisor")
        return _refused(session, actor, LoginRefusal.INACTIVE, reason, raw=raw)
    if pin is not None and (operator.failed_pins or operator.lockouts):
        session.execute(
            update(Operator)
            .where(col(Operator.id) == operator.id)
            .values(failed_pins=0, lockouts=0, locked_until=None)
        )
    assert operator.id is not None
    view = OperatorView(
        operator.id, operator.badge, operator.name, operator.role, operator.language
    )
    return LoginResult(view)


def _count_wrong_pin(session: Session, actor: Actor, operator: Operator, now: datetime) -> None:
    limits = get_setting(session, "login")
    operator.failed_pins += 1
    if operator.failed_pins < limits["attempts"]:
        return
    lock_s = min(limits["first_lock_s"] * 2**operator.lockouts, _LONGEST_LOCK_S)
    operator.failed_pins = 0
    operator.lockouts += 1
    operator.locked_until = now + timedelta(seconds=lock_s)
    record(
        session,
        actor,
        "operator.locked",
        accepted=False,
        reason=_("{n} wrong PINs in a row: locked for {s} s").format(
            n=limits["attempts"], s=lock_s
        ),
    )


def _unknown() -> str:
    return _("Unknown badge or wrong PIN")


def _refused(
    session: Session, actor: Actor, refusal: LoginRefusal, reason: str, *, raw: str
) -> LoginResult:
    record(session, actor, "login", accepted=False, reason=reason, raw=raw)
    return LoginResult(None, reason, refusal)


def add_operator(
    store: Store, actor: Actor, name: str, role: Role, pin: str, language: str = "en"
) -> tuple[OperatorView | None, str]:
    """A new operator with a fresh random badge (the PIN is stored as a salted hash only), or
    None and why not: adding operators is an admin's call."""
    with store.write() as session:
        refusal = role_refusal(session, actor, ADMINS)
        if refusal:
            record(session, actor, "operator.add", accepted=False, reason=refusal, raw=name)
            return None, refusal
        operator = Operator(
            badge=_unused_badge(session),
            name=name,
            pin_hash=hash_pin(pin),
            role=role,
            language=language,
        )
        session.add(operator)
        session.flush()
        assert operator.id is not None
        record(session, actor, "operator.add", raw=f"{operator.id} {role}")
        return OperatorView(operator.id, operator.badge, name, role, language), ""


def reissue_badge(store: Store, actor: Actor, operator_id: int) -> tuple[str | None, str]:
    """A new random badge for a lost or copied one (the old one stops working), or None and why
    not."""
    with store.write() as session:
        refusal = role_refusal(session, actor, ADMINS)
        operator = session.get(Operator, operator_id)
        if not refusal and operator is None:
            refusal = _("No operator {id}").format(id=operator_id)
        if refusal or operator is None:
            record(session, actor, "operator.badge", accepted=False, reason=refusal)
            return None, refusal
        operator.badge = _unused_badge(session)
        record(session, actor, "operator.badge", raw=str(operator_id))
        return operator.badge, ""


def operators(store: Store) -> list[tuple[OperatorView, datetime | None]]:
    """Every operator with the end of their PIN lock (None when not locked)."""
    now = utcnow()
    with store.read() as session:
        rows = session.exec(select(Operator).order_by(col(Operator.id))).all()
    found = []
    for operator in rows:
        assert operator.id is not None
        until = as_utc(operator.locked_until)
        view = OperatorView(
            operator.id, operator.badge, operator.name, operator.role, operator.language
        )
        found.append((view, until if until is not None and until > now else None))
    return found


def _unused_badge(session: Session) -> str:
    while True:
        badge = new_badge()
        if session.exec(select(Operator.id).where(col(Operator.badge) == badge)).first() is None:
            return badge
