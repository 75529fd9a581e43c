"""Returns on SQLite and PostgreSQL: a parcel found by every kind of scan, units received
against what was shipped, inspected, put away or quarantined, scrapped or released — the
ledger, the journal and the outbox in step, and `check` finding the floor consistent."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.goodsin_floor import (
    MUG_EAN,
    PHONE_EAN,
    QUARANTINE,
    SHELF,
    SHELF_2,
    TRACKING,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.disposition import (
    close_return,
    inspect_unit,
    put_away_unit,
    release_unit,
    scrap_unit,
)
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.services.returns.report import quarantined_units, returns_report
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Outbox,
    PackedSerial,
    ParcelLine,
    ReturnUnit,
    Stock,
    StockMove,
    UnitStatus,
)


@pytest.fixture(name="floor")
def goodsin_floor_fixture(store: Store) -> GoodsInFloor:
    return build_goodsin_floor(store)


def _open(floor: GoodsInFloor, code: str = "PCL-1", buyer: str = "") -> int:
    found = find_return(floor.store, floor.clerk, code, buyer)
    assert found.accepted, found.reason
    assert found.return_id is not None
    return found.return_id


@pytest.mark.parametrize(
    ("code", "buyer"),
    [("PCL-1", ""), (TRACKING, ""), ("ORD-1", ""), ("1001", ""), (MUG_EAN, "lovelace")],
)
def test_a_returned_parcel_is_found_by_any_of_its_codes(
    floor: GoodsInFloor, code: str, buyer: str
) -> None:
    found = find_return(floor.store, floor.clerk, code, buyer)
    assert found.accepted, found.reason
    assert found.order_id == floor.order_id
    # The same parcel again opens the same return, not a second one.
    assert find_return(floor.store, floor.clerk, "PCL-1").return_id == found.return_id


@pytest.mark.parametrize(
    ("code", "buyer", "kind"),
    [
        (MUG_EAN, "", Refusal.INCOMPLETE),
        (MUG_EAN, "Grace Hopper", Refusal.NOT_FOUND),
        ("ORD-999", "", Refusal.NOT_FOUND),
        ("nonsense", "", Refusal.NOT_FOUND),
    ],
)
def test_a_parcel_that_names_no_shipped_order_is_refused(
    floor: GoodsInFloor, code: str, buyer: str, kind: Refusal
) -> None:
    found = find_return(floor.store, floor.clerk, code, buyer)
    assert not found.accepted and found.refusal is kind
    with floor.store.read() as session:
        assert session.execute(select(ReturnUnit)).first() is None


def test_a_resaleable_unit_goes_back_on_the_shelf_with_ledger_and_events(
    floor: GoodsInFloor,
) -> None:
    return_id = _open(floor)
    unit = receive_unit(floor.store, floor.clerk, return_id, MUG_EAN)
    assert unit.accepted and unit.unit_id is not None
    step = inspect_unit(floor.store, floor.clerk, unit.unit_id, "resaleable")
    assert step.accepted and step.suggested == SHELF
    wrong = put_away_unit(floor.store, floor.clerk, unit.unit_id, QUARANTINE)
    assert not wrong.accepted and wrong.refusal is Refusal.WRONG_SCAN
    done = put_away_unit(floor.store, floor.clerk, unit.unit_id, SHELF_2)
    assert done.accepted and done.status is UnitStatus.SHELVED
    again = put_away_unit(floor.store, floor.clerk, unit.unit_id, SHELF_2)
    assert again.refusal is Refusal.WRONG_STATE
    with floor.store.read() as session:
        stock = session.execute(select(Stock).order_by(Stock.id)).scalars().all()
        assert [row.on_hand for row in stock] == [5, 1]
        events = session.execute(select(Outbox).order_by(Outbox.id)).scalars().all()
    assert [event.event for event in events] == ["return", "stock"]
    line = events[0].payload["lines"][0]
    assert (line["sku"], line["qty"], line["conditions"]) == ("MUG", 1, {"resaleable": 1})
    assert events[1].payload["sku"] == "MUG" and events[1].payload["free"] == 6
    assert check_floor(floor.store) == []


def test_the_units_are_limited_to_what_was_shipped(floor: GoodsInFloor) -> None:
    return_id = _open(floor)
    for _ in range(2):
        assert receive_unit(floor.store, floor.clerk, return_id, MUG_EAN).accepted
    third = receive_unit(floor.store, floor.clerk, return_id, MUG_EAN)
    assert not third.accepted and third.refusal is Refusal.WRONG_SCAN
    with floor.store.read() as session:
        statuses = session.execute(select(ReturnUnit.status).order_by(ReturnUnit.id)).scalars()
        assert list(statuses) == [UnitStatus.INSPECT, UnitStatus.INSPECT, UnitStatus.EXCEPTION]


def test_a_unit_set_aside_at_receiving_waits_for_a_supervisor_to_scrap_or_release_it(
    floor: GoodsInFloor,
) -> None:
    """An exception (a unit this buyer was never shipped) is listed beside the quarantine and
    ends there: scrapped (sent back or disposed of, never stock) or released to a shelf when it
    proves to be ours."""
    return_id = _open(floor)
    for _ in range(2):
        assert receive_unit(floor.store, floor.clerk, return_id, MUG_EAN).accepted
    aside = [receive_unit(floor.store, floor.clerk, return_id, MUG_EAN) for _ in range(2)]
    ids = [unit.unit_id for unit in aside]
    assert all(not unit.accepted for unit in aside) and None not in ids
    waiting = {unit.unit_id: unit.location for unit in quarantined_units(floor.store)}
    assert waiting == dict.fromkeys(ids, "set aside")
    with floor.store.read() as session:
        on_hand = sum(session.execute(select(Stock.on_hand)).scalars())
    assert scrap_unit(floor.store, floor.clerk, ids[0], "not ours").refusal is Refusal.ROLE
    assert scrap_unit(floor.store, floor.supervisor, ids[0], "sent back to the buyer").accepted
    assert release_unit(floor.store, floor.supervisor, ids[1], SHELF).accepted
    assert release_unit(floor.store, floor.supervisor, ids[1], SHELF).refusal is (
        Refusal.WRONG_STATE
    )
    assert quarantined_units(floor.store) == []
    with floor.store.read() as session:
        assert sum(session.execute(select(Stock.on_hand)).scalars()) == on_hand + 1
    assert check_floor(floor.store) == []


def test_a_returned_serial_is_freed_to_be_packed_again(floor: GoodsInFloor) -> None:
    return_id = _open(floor)
    missing = receive_unit(floor.store, floor.clerk, return_id, PHONE_EAN)
    assert missing.refusal is Refusal.INCOMPLETE
    stranger = receive_unit(floor.store, floor.clerk, return_id, PHONE_EAN, serial="SN-9")
    assert stranger.refusal is Refusal.WRONG_SCAN
    with floor.store.read() as session:
        assert session.execute(select(PackedSerial)).first() is not None
    unit = receive_unit(floor.store, floor.clerk, return_id, PHONE_EAN, serial="SN-1")
    assert unit.accepted, unit.reason
    twice = receive_unit(floor.store, floor.clerk, return_id, PHONE_EAN, serial="SN-1")
    assert twice.refusal is Refusal.TAKEN
    with floor.store.read() as session:
        assert session.execute(select(PackedSerial)).first() is None
    with floor.store.write() as session:  # packing it again: the unique serial is free
        lines = session.execute(select(ParcelLine).order_by(ParcelLine.id)).scalars()
        packed = next(line for line in lines if line.serials)
        session.add(
            PackedSerial(
                sku_id=2,
                serial="SN-1",
                parcel_id=floor.parcel_id,
                order_line_id=packed.order_line_id,
            )
        )


def test_quarantine_then_scrap_or_release_by_a_supervisor(floor: GoodsInFloor) -> None:
    return_id = _open(floor)
    ids = []
    for _ in range(2):
        unit = receive_unit(floor.store, floor.clerk, return_id, MUG_EAN)
        assert unit.unit_id is not None
        step = inspect_unit(floor.store, floor.clerk, unit.unit_id, "damaged", "cracked")
        assert step.suggested == QUARANTINE
        shelf = put_away_unit(floor.store, floor.clerk, unit.unit_id, SHELF)
        assert shelf.refusal is Refusal.WRONG_SCAN
        assert put_away_unit(floor.store, floor.clerk, unit.unit_id, QUARANTINE).accepted
        ids.append(unit.unit_id)
    assert scrap_unit(floor.store, floor.clerk, ids[0], "broken").refusal is Refusal.ROLE
    assert scrap_unit(floor.store, floor.supervisor, ids[0], " ").refusal is Refusal.BAD_INPUT
    assert scrap_unit(floor.store, floor.supervisor, ids[0], "broken").accepted
    to_quarantine = release_unit(floor.store, floor.supervisor, ids[1], QUARANTINE)
    assert to_quarantine.refusal is Refusal.WRONG_SCAN
    assert release_unit(floor.store, floor.supervisor, ids[1], SHELF).accepted
    assert scrap_unit(floor.store, floor.supervisor, ids[1], "x").refusal is Refusal.WRONG_STATE
    assert close_return(floor.store, floor.clerk, return_id).accepted
    assert close_return(floor.store, floor.clerk, return_id).refusal is Refusal.WRONG_STATE
    closed = receive_unit(floor.store, floor.clerk, return_id, MUG_EAN)
    assert closed.refusal is Refusal.WRONG_STATE
    with floor.store.read() as session:
        moves = session.execute(
            select(StockMove.reason, StockMove.delta).where(StockMove.ref.startswith("UNIT-"))
        ).all()
        assert sorted(moves) == sorted(
            [("return", 1), ("return", 1), ("scrap", -1), ("release", -1), ("release", 1)]
        )
    assert check_floor(floor.store) == []


def test_check_names_a_returned_unit_its_ledger_does_not_place(floor: GoodsInFloor) -> None:
    return_id = _open(floor)
    unit = receive_unit(floor.store, floor.clerk, return_id, MUG_EAN)
    assert unit.unit_id is not None
    inspect_unit(floor.store, floor.clerk, unit.unit_id, "resaleable")
    assert put_away_unit(floor.store, floor.clerk, unit.unit_id, SHELF).accepted
    with floor.store.write() as session:
        shelved = session.get_one(ReturnUnit, unit.unit_id)
        shelved.status = UnitStatus.SCRAPPED  # written off without its ledger move
    assert [(v.rule, v.ref) for v in check_floor(floor.store)] == [
        ("returned-unit", f"UNIT-{unit.unit_id}")
    ]


def test_a_buyer_with_two_returns_is_flagged_a_repeat_returner(floor: GoodsInFloor) -> None:
    for _parcel in range(2):
        return_id = _open(floor)
        unit = receive_unit(floor.store, floor.clerk, return_id, MUG_EAN)
        assert unit.unit_id is not None
        inspect_unit(floor.store, floor.clerk, unit.unit_id, "damaged")
        assert put_away_unit(floor.store, floor.clerk, unit.unit_id, QUARANTINE).accepted
        assert close_return(floor.store, floor.clerk, return_id).accepted
    report = returns_report(floor.store)
    assert [(row.buyer, row.returns, row.units, row.repeat) for row in report.by_buyer] == [
        ("Ada Lovelace", 2, 2, True)
    ]
    assert [(row.sku, row.returned, row.shipped, row.rate) for row in report.by_sku] == [
        ("MUG", 2, 2, 1.0)
    ]
    assert report.by_reason == {"damaged": 2}
