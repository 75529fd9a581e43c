"""Two handhelds receiving the same returned unit at once, as separate processes on SQLite and
PostgreSQL: one takes it in, the other is refused, the serial is freed once, `check` agrees."""

from __future__ import annotations

from sqlmodel import select

from tests.conftest import Db
from tests.support.goodsin_floor import PHONE_EAN, build_goodsin_floor
from tests.support.races import race
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.disposition import inspect_unit
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import PackedSerial, ReturnUnit, UnitStatus


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
