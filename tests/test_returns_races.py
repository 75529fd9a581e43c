"""Stations racing on one returned unit, as separate processes on SQLite and PostgreSQL: two
handhelds receiving it, or two supervisors deciding a unit set aside at receiving. One wins,
the other is refused, the ledger moves once, `check` agrees."""

from __future__ import annotations

from sqlmodel import select

from tests.conftest import Db
from tests.support.goodsin_floor import MUG_EAN, PHONE_EAN, SHELF, build_goodsin_floor
from tests.support.races import race
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.disposition import inspect_unit, release_unit, scrap_unit
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import PackedSerial, ReturnUnit, Stock, StockMove, UnitStatus


def receive_and_inspect(store: Store, actor: Actor, return_id: int) -> tuple[bool, str | None]:
    received = receive_unit(store, actor, return_id, PHONE_EAN, serial="SN-1")
    if received.accepted and received.unit_id is not None:
        inspected = inspect_unit(store, actor, received.unit_id, "damaged")
        assert inspected.accepted, inspected.reason
    return received.accepted, received.refusal


def test_two_handhelds_receiving_the_same_unit_give_one_winner(db: Db) -> None:
    floor = build_goodsin_floor(db.store)
    found = find_return(floor.store, floor.clerk, "PCL-1")
    assert found.return_id is not None
    second = Actor(floor.supervisor.operator_id, "HH-2", "test")
    results = race(
        db,
        (receive_and_inspect, (floor.clerk, found.return_id)),
        (receive_and_inspect, (second, found.return_id)),
    )
    assert sorted(accepted for accepted, _kind in results) == [False, True]
    assert [kind for accepted, kind in results if not accepted] == [Refusal.TAKEN]
    with db.store.read() as session:
        units = session.execute(select(ReturnUnit.status)).scalars().all()
        assert units == [UnitStatus.PUT_AWAY]
        assert session.execute(select(PackedSerial)).first() is None
    assert check_floor(db.store) == []


def scrap(store: Store, actor: Actor, unit_id: int) -> bool:
    return scrap_unit(store, actor, unit_id, "sent back to the buyer").accepted


def release(store: Store, actor: Actor, unit_id: int) -> bool:
    return release_unit(store, actor, unit_id, SHELF).accepted


def test_two_supervisors_deciding_a_unit_set_aside_give_one_decision(db: Db) -> None:
    floor = build_goodsin_floor(db.store)
    found = find_return(floor.store, floor.clerk, "PCL-1")
    assert found.return_id is not None
    for _ in range(2):  # the two mugs shipped; a third is set aside
        assert receive_unit(floor.store, floor.clerk, found.return_id, MUG_EAN).accepted
    aside = receive_unit(floor.store, floor.clerk, found.return_id, MUG_EAN)
    assert not aside.accepted and aside.unit_id is not None
    with db.store.read() as session:
        on_hand = sum(session.execute(select(Stock.on_hand)).scalars())
    other = Actor(floor.supervisor.operator_id, "SUP-2", "test")
    results = race(
        db,
        (release, (floor.supervisor, aside.unit_id)),
        (scrap, (other, aside.unit_id)),
        (release, (other, aside.unit_id)),
    )
    assert sorted(results) == [False, False, True]
    with db.store.read() as session:
        status = session.get_one(ReturnUnit, aside.unit_id).status
        moves = session.execute(
            select(StockMove.delta).where(StockMove.ref == f"UNIT-{aside.unit_id}")
        ).scalars()
        stocked = sum(session.execute(select(Stock.on_hand)).scalars()) - on_hand
    assert (status, list(moves), stocked) in (
        (UnitStatus.RELEASED, [1], 1),
        (UnitStatus.SCRAPPED, [], 0),
    )
    assert check_floor(db.store) == []
