"""Log-in security on both databases: random badges, a typed badge asks for the PIN, wrong PINs
lock the operator for a time that grows, supervisors approve with badge and PIN, and several
processes guessing at once still lock at the limit."""

from __future__ import annotations

import multiprocessing
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from tests.conftest import drop_pg_schema, make_pg_store
from warehouse_tui.services.auth import (
    LoginRefusal,
    OperatorView,
    add_operator,
    login_with_badge,
    login_with_pin,
    operators,
    reissue_badge,
    supervisor_approval,
    unlock_operator,
)
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import change_setting, set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Journal, Operator, Role, as_utc, utcnow

ADMIN = Actor(None, "DESK", "cli")
STATION = "PACK-1"


def added(store: Store, name: str, role: Role, pin: str) -> OperatorView:
    view, refusal = add_operator(store, ADMIN, name, role, pin)
    assert view is not None, refusal
    return view


def wrong_pins(store: Store, operator_id: int, times: int) -> list[LoginRefusal | None]:
    return [login_with_pin(store, STATION, operator_id, "0000").refusal for _ in range(times)]


def test_badges_are_random_and_not_the_operator_id(store: Store) -> None:
    made = [added(store, f"Picker {n}", Role.PICKER, "1234") for n in range(20)]
    badges = {view.badge for view in made}
    assert len(badges) == 20
    assert all(re.fullmatch(r"OP-\d{10}", badge) for badge in badges)
    assert all(view.badge != f"OP-{view.id:04d}" for view in made)
    new, _reason = reissue_badge(store, ADMIN, made[0].id)
    assert new is not None and new != made[0].badge
    old = login_with_badge(store, STATION, made[0].badge, scanned=True)
    assert old.refusal is LoginRefusal.UNKNOWN
    assert login_with_badge(store, STATION, new, scanned=True).accepted


def test_a_typed_badge_asks_for_the_pin_and_a_scanned_one_does_not(store: Store) -> None:
    ana = added(store, "Ana", Role.PICKER, "1234")
    typed = login_with_badge(store, STATION, ana.badge, scanned=False)
    assert typed.refusal is LoginRefusal.NEEDS_PIN and not typed.accepted
    assert login_with_badge(store, STATION, ana.badge, scanned=False, pin="1234").accepted
    assert login_with_badge(store, STATION, ana.badge, scanned=True).accepted
    with store.write() as session:
        set_setting(session, "login", {"pin_always": True, "attempts": 5, "first_lock_s": 60})
    scanned = login_with_badge(store, STATION, ana.badge, scanned=True)
    assert scanned.refusal is LoginRefusal.NEEDS_PIN
    wrong = login_with_badge(store, STATION, ana.badge, scanned=True, pin="9999")
    assert wrong.refusal is LoginRefusal.UNKNOWN


def test_five_wrong_pins_lock_for_a_time_that_doubles(store: Store) -> None:
    ana = added(store, "Ana", Role.PICKER, "1234")
    assert wrong_pins(store, ana.id, 5) == [LoginRefusal.UNKNOWN] * 5
    locked = login_with_pin(store, STATION, ana.id, "1234")
    assert locked.refusal is LoginRefusal.LOCKED
    assert "a supervisor can unlock you" in locked.reason
    with store.read() as session:
        first_lock = session.get(Operator, ana.id)
    assert first_lock is not None and first_lock.locked_until is not None
    first_until = as_utc(first_lock.locked_until)
    assert first_until is not None
    assert timedelta(seconds=55) < first_until - utcnow() <= timedelta(seconds=60)

    with store.write() as session:  # the lock runs out; five more wrong PINs lock for twice as long
        operator = session.get(Operator, ana.id)
        assert operator is not None
        operator.locked_until = utcnow() - timedelta(seconds=1)
    wrong_pins(store, ana.id, 5)
    with store.read() as session:
        second_lock = session.get(Operator, ana.id)
        locks = session.exec(select(Journal).where(Journal.action == "operator.locked")).all()
    assert second_lock is not None
    second_until = as_utc(second_lock.locked_until)
    assert second_until is not None
    assert timedelta(seconds=115) < second_until - utcnow() <= timedelta(seconds=120)
    assert [row.reason for row in locks] == [
        "5 wrong PINs in a row: locked for 60 s",
        "5 wrong PINs in a row: locked for 120 s",
    ]
    assert next(view for view, until in operators(store) if until is not None).id == ana.id


def test_a_good_pin_clears_the_count_and_a_supervisor_unlocks(store: Store) -> None:
    ana = added(store, "Ana", Role.PICKER, "1234")
    wrong_pins(store, ana.id, 4)
    assert login_with_pin(store, STATION, ana.id, "1234").accepted
    assert wrong_pins(store, ana.id, 4) == [LoginRefusal.UNKNOWN] * 4  # counted from zero again
    assert login_with_pin(store, STATION, ana.id, "1234").accepted
    wrong_pins(store, ana.id, 5)
    assert login_with_pin(store, STATION, ana.id, "1234").refusal is LoginRefusal.LOCKED
    assert unlock_operator(store, ADMIN, ana.id) == ""
    assert login_with_pin(store, STATION, ana.id, "1234").accepted
    assert unlock_operator(store, ADMIN, 999) == "No operator 999"


def test_a_supervisor_approves_with_badge_and_pin(store: Store) -> None:
    sofia = added(store, "Sofia", Role.SUPERVISOR, "3008")
    marta = added(store, "Marta", Role.PACKER, "2005")
    packer = Actor(marta.id, STATION, "PackScreen")
    with store.write() as session:
        approver, reason = supervisor_approval(session, packer, sofia.badge, "3008")
    assert approver is not None and approver.id == sofia.id and reason == ""
    with store.write() as session:
        approver, reason = supervisor_approval(session, packer, sofia.badge, "0000")
    assert approver is None and reason == "Unknown badge or wrong PIN"
    with store.write() as session:
        approver, reason = supervisor_approval(session, packer, marta.badge, "2005")
    assert approver is None and reason.startswith("Marta is not a supervisor")


def test_a_supervisor_cannot_approve_their_own_work(store: Store) -> None:
    sofia = added(store, "Sofia", Role.SUPERVISOR, "3008")
    ivan = added(store, "Ivan", Role.SUPERVISOR, "4010")
    at_the_station = Actor(sofia.id, STATION, "PackScreen")
    with store.write() as session:
        approver, reason = supervisor_approval(session, at_the_station, sofia.badge, "3008")
    assert approver is None and reason.startswith("Sofia cannot approve their own work")
    with store.write() as session:
        approver, _reason = supervisor_approval(session, at_the_station, ivan.badge, "4010")
    assert approver is not None and approver.id == ivan.id


def _guess(url: str, schema: str | None, operator_id: int, start: Any, out: Any) -> None:
    store = Store(url, schema=schema)
    start.wait()
    refusals = [login_with_pin(store, STATION, operator_id, "0000").refusal for _ in range(3)]
    store.dispose()
    out.put([str(refusal) for refusal in refusals])


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_processes_guessing_at_once_lock_exactly_at_the_limit(backend: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        store, schema = Store(str(tmp_path / "floor.db")), None
    else:
        store, schema = make_pg_store()
    try:
        upgrade(store)
        ana = added(store, "Ana", Role.PICKER, "1234")
        context = multiprocessing.get_context("spawn")
        start, out = context.Event(), context.Queue()
        workers = [
            context.Process(target=_guess, args=(store.url, schema, ana.id, start, out))
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        start.set()
        refusals = [refusal for _ in workers for refusal in out.get(timeout=60)]
        for worker in workers:
            worker.join(10)
        # 12 tries: the first five count and lock, the other seven find the lock
        assert sorted(refusals).count(str(LoginRefusal.UNKNOWN)) == 5
        assert sorted(refusals).count(str(LoginRefusal.LOCKED)) == 7
        with store.read() as session:
            locks = session.exec(select(Journal).where(Journal.action == "operator.locked")).all()
        assert len(locks) == 1
    finally:
        store.dispose()
        if schema:
            drop_pg_schema(schema)


def test_roles_are_checked_in_the_services(store: Store) -> None:
    ana = added(store, "Ana", Role.PICKER, "1234")
    sofia = added(store, "Sofia", Role.SUPERVISOR, "3008")
    picker = Actor(ana.id, "HH-1", "HomeScreen")
    supervisor = Actor(sofia.id, "SUP-1", "WavesScreen")
    wrong_pins(store, ana.id, 5)

    assert unlock_operator(store, picker, ana.id).startswith("Only a supervisor may do this")
    assert change_setting(store, picker, "claim_lease_s", 600).startswith("Only a supervisor")
    view, refusal = add_operator(store, supervisor, "Eve", Role.ADMIN, "1111")
    assert view is None and refusal == "Only an admin may do this"
    badge, refusal = reissue_badge(store, picker, sofia.id)
    assert badge is None and refusal == "Only an admin may do this"
    assert unlock_operator(store, supervisor, ana.id) == ""
    assert change_setting(store, supervisor, "claim_lease_s", 600) == ""

    local = Actor(None, "DESK", "cli", name="night-admin")
    assert change_setting(store, local, "claim_lease_s", 900) == ""
    with store.read() as session:
        rows = session.exec(
            select(Journal).where(Journal.action.in_(("setting.set", "operator.unlock")))  # type: ignore[attr-defined]
        ).all()
    assert [(row.operator_id, row.actor_name, row.accepted) for row in rows] == [
        (ana.id, "", False),
        (ana.id, "", False),
        (sofia.id, "", True),
        (sofia.id, "", True),
        (None, "night-admin", True),
    ]
