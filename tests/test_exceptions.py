"""The exceptions queue on both databases: each kind raised through the services, each action
taken, and the floor's books consistent (`check_floor`) afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from tests.factories import (
    ADMIN,
    exceptions_floor,
    import_orders,
    item_code,
    operator,
    order_record,
    pack_and_label,
    pick,
    release,
    sort_at_wall,
)
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.counts import count_scan, finish_count, request_counts
from warehouse_tui.services.exceptions import Action, Kind, act, history, list_exceptions
from warehouse_tui.services.holds import hold_order
from warehouse_tui.services.importing import ImportKind, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import cancel_order
from warehouse_tui.services.packing import start_pack
from warehouse_tui.services.putback_scan import Expect, put_back_scan, put_back_step
from warehouse_tui.services.putwall import sort_item
from warehouse_tui.services.settings import set_setting
from warehouse_tui.services.shipping import fulfilment_payload
from warehouse_tui.services.waves import cancel_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    FloorTask,
    Journal,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Role,
    Sku,
    Stock,
    Tote,
    WallSlot,
    Wave,
)

SOCKS = "SOCKS-3"
SOCKS_SHELF = "LOC-B07-03-2"


def only(store: Store, kind: Kind) -> list[str]:
    return [item.id for item in list_exceptions(store, kind)]


def order_id_of(store: Store, number: str) -> int:
    with store.read() as session:
        order = session.exec(select(Order).where(Order.shop_order_id == number)).one()
        assert order.id is not None
        return order.id


def order_of(store: Store, order_id: int) -> Order:
    with store.read() as session:
        return session.get_one(Order, order_id)


def on_hand(store: Store, location: str, sku: str) -> int:
    with store.read() as session:
        rows = session.exec(
            select(Stock.on_hand)
            .join(Location, col(Location.id) == Stock.location_id)
            .join(Sku, col(Sku.id) == Stock.sku_id)
            .where(Location.code == location, Sku.code == sku)
        ).all()
        return sum(rows)


def put_back_by_scan(store: Store, actor: Actor, place: str, scans: list[tuple[str, str]]) -> None:
    """Scan the place, then each (item, location) pair."""
    if place:
        step = put_back_scan(store, actor, place)
        assert step.accepted, step.reason
    for item, location in scans:
        held = put_back_scan(store, actor, item)
        assert held.accepted and held.expect is Expect.LOCATION, held.reason
        back = put_back_scan(store, actor, location)
        assert back.accepted, back.reason


@pytest.fixture
def people(store: Store) -> dict[str, Actor]:
    exceptions_floor(store)
    return {
        "picker": operator(store, Role.PICKER, "Pia"),
        "picker2": operator(store, Role.PICKER, "Per", "HH-2"),
        "supervisor": operator(store, Role.SUPERVISOR, "Sue", "SUP-1"),
        "packer": operator(store, Role.PACKER, "Pat", "PACK-1"),
    }


def short_socks(store: Store, people: dict[str, Actor], lines: dict[str, int]) -> int:
    """An order of `lines` (5 socks among them) released and picked with only 2 socks found
    at their only location: the order is short 3, and the shelf is to be counted."""
    import_orders(store, order_record("S-1", lines))
    release(store)
    pick(store, people["picker"], totes=["TOTE-0001"], short={SOCKS: 2})
    return order_id_of(store, "S-1")


# --- shorts ---------------------------------------------------------------------------------


def test_a_short_order_is_queued_and_the_pack_station_says_why_not_wait(
    store: Store, people: dict[str, Actor]
) -> None:
    order_id = short_socks(store, people, {SOCKS: 5})
    [item] = list_exceptions(store, Kind.SHORT)
    assert (item.id, item.ref) == (f"short:{order_id}", f"ORD-{order_id}")
    assert "Short 3 × SOCKS-3" in item.reason
    assert item.actions == (
        Action.REALLOCATE,
        Action.WAIT,
        Action.SHIP_SHORT,
        Action.CANCEL_LINE,
        Action.CANCEL,
    )
    told = start_pack(store, people["packer"], "TOTE-0001")
    assert not told.accepted and "wait" not in told.reason
    assert "short" in told.reason and "supervisor" in told.reason
    assert [row.action for row in history(store, item.id)][-1] == "pack.start"
    assert list_exceptions(store, Kind.COUNT)  # the short pick asked for a count
    assert check_floor(store) == []


def test_only_a_supervisor_acts_and_an_action_that_no_longer_applies_is_refused(
    store: Store, people: dict[str, Actor]
) -> None:
    order_id = short_socks(store, people, {SOCKS: 5})
    refused = act(store, people["picker"], f"short:{order_id}", "wait")
    assert not refused.accepted and "supervisor" in refused.reason
    assert not act(store, people["supervisor"], f"short:{order_id}", "void").accepted
    assert act(store, people["supervisor"], f"short:{order_id}", "wait").accepted
    again = act(store, people["supervisor"], f"short:{order_id}", "wait")
    assert (again.accepted, again.reason) == (False, f"short:{order_id} is no longer an exception")
    assert not act(store, people["supervisor"], "nonsense", "wait").accepted
    with store.read() as session:
        refusals = session.exec(
            select(Journal).where(
                Journal.action == "exceptions.act", col(Journal.accepted).is_(False)
            )
        ).all()
        assert len(refusals) == 4


def test_wait_puts_the_order_back_to_ready_and_its_units_back_on_the_shelf(
    store: Store, people: dict[str, Actor]
) -> None:
    order_id = short_socks(store, people, {SOCKS: 5})
    before = on_hand(store, SOCKS_SHELF, SOCKS)
    done = act(store, people["supervisor"], f"short:{order_id}", "wait", "no stock until Monday")
    assert done.accepted, done.reason
    order = order_of(store, order_id)
    assert (order.status, order.wave_id, order.hold_reason) == (OrderStatus.READY, None, "")
    [put_back] = list_exceptions(store, Kind.PUT_BACK)
    assert put_back.ref == "TOTE-0001" and "2 × SOCKS-3" in put_back.reason
    assert check_floor(store) == []

    picker = people["picker2"]
    assert put_back_step(store, picker).expect is Expect.ITEM
    socks = item_code(store, SOCKS)
    wrong = put_back_scan(store, picker, "TOTE-0001")
    assert wrong.accepted and "2 × SOCKS-3" in wrong.message
    held = put_back_scan(store, picker, socks)
    assert held.accepted and held.holding is not None and held.holding.suggested == SOCKS_SHELF
    assert put_back_step(store, picker).expect is Expect.LOCATION  # a restart: same step
    elsewhere = put_back_scan(store, picker, "LOC-A01-01-1")
    assert not elsewhere.accepted and SOCKS_SHELF in elsewhere.reason
    assert put_back_scan(store, picker, SOCKS_SHELF).accepted
    put_back_by_scan(store, picker, "", [(socks, SOCKS_SHELF)])
    assert on_hand(store, SOCKS_SHELF, SOCKS) == before + 2
    assert list_exceptions(store, Kind.PUT_BACK) == []
    with store.read() as session:
        assert session.exec(select(Tote).where(Tote.code == "TOTE-0001")).one().order_id is None
    assert check_floor(store) == []


def test_ship_short_shrinks_the_line_and_the_shop_hears_what_did_not_ship(
    store: Store, people: dict[str, Actor], tmp_path: Path
) -> None:
    order_id = short_socks(store, people, {SOCKS: 5, "CABLE-USB": 1})
    done = act(store, people["supervisor"], f"short:{order_id}", "ship-short")
    assert done.accepted and "3 × SOCKS-3" in done.message
    assert order_of(store, order_id).status == OrderStatus.PICKED
    assert list_exceptions(store) == [
        item for item in list_exceptions(store) if item.kind == Kind.COUNT
    ]
    pack_and_label(store, people["packer"], "TOTE-0001", tmp_path / "labels.zpl")
    with store.read() as session:
        payload = fulfilment_payload(session, session.get_one(Order, order_id))
    assert [(line["sku"], line["qty"]) for line in payload["lines"]] == [  # type: ignore[attr-defined]
        ("SOCKS-3", 2),
        ("CABLE-USB", 1),
    ]
    assert payload["short_lines"] == [{"shop_line_id": "", "sku": "SOCKS-3", "qty": 3}]
    assert check_floor(store) == []


def test_cancel_line_ships_the_rest_and_puts_the_short_lines_units_back(
    store: Store, people: dict[str, Actor]
) -> None:
    order_id = short_socks(store, people, {SOCKS: 5, "CABLE-USB": 1})
    done = act(store, people["supervisor"], f"short:{order_id}", "cancel-line")
    assert done.accepted, done.reason
    assert order_of(store, order_id).status == OrderStatus.PICKED
    with store.read() as session:
        lines = session.exec(select(OrderLine).order_by(col(OrderLine.id))).all()
        assert [(line.sku_code, line.qty, line.short, line.picked) for line in lines] == [
            (SOCKS, 0, 5, 0),
            ("CABLE-USB", 1, 0, 1),
        ]
    [put_back] = list_exceptions(store, Kind.PUT_BACK)
    assert act(store, people["supervisor"], put_back.id, "restock").accepted
    with store.read() as session:  # the cable still waits in the tote for the packer
        assert session.exec(select(Tote).where(Tote.code == "TOTE-0001")).one().order_id == order_id
    assert check_floor(store) == []


def test_reallocate_sends_a_pick_list_to_new_stock(store: Store, people: dict[str, Actor]) -> None:
    order_id = short_socks(store, people, {SOCKS: 5})
    refused = act(store, people["supervisor"], f"short:{order_id}", "reallocate")
    assert not refused.accepted and "No free stock" in refused.reason
    delivered = import_records(
        store,
        ImportKind.STOCK,
        [{"location": "LOC-A02-05-1", "sku": SOCKS, "qty": 10}],
        actor=ADMIN,
    )
    assert delivered.accepted, delivered.errors
    done = act(store, people["supervisor"], f"short:{order_id}", "reallocate")
    assert done.accepted and "LOC-A02-05-1" in done.message
    assert list_exceptions(store, Kind.SHORT) == []
    start = start_pack(store, people["packer"], "TOTE-0001")
    assert not start.accepted and "wait for it" in start.reason  # a picker is bringing it
    pick(store, people["picker2"])
    assert order_of(store, order_id).status == OrderStatus.PICKED
    assert check_floor(store) == []


def test_cancel_a_short_order_ends_it_once_its_goods_are_back(
    store: Store, people: dict[str, Actor]
) -> None:
    order_id = short_socks(store, people, {SOCKS: 5})
    done = act(store, people["supervisor"], f"short:{order_id}", "cancel")
    assert done.accepted and order_of(store, order_id).intercepted
    assert only(store, Kind.INTERCEPTED) == [f"intercepted:{order_id}"]
    assert check_floor(store) == []
    put_back_by_scan(
        store, people["picker"], "TOTE-0001", [(item_code(store, SOCKS), SOCKS_SHELF)] * 2
    )
    order = order_of(store, order_id)
    assert (order.status, order.intercepted) == (OrderStatus.CANCELLED, False)
    assert list_exceptions(store, Kind.INTERCEPTED) == []
    assert check_floor(store) == []


# --- held, intercepted, set aside, not loaded ---------------------------------------------------


def test_held_orders_are_released_or_cancelled_from_the_queue(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(store, order_record("H-1", {SOCKS: 1}), order_record("H-2", {SOCKS: 1}))
    first, second = order_id_of(store, "H-1"), order_id_of(store, "H-2")
    for order_id in (first, second):
        assert hold_order(store, ADMIN, f"ORD-{order_id}", "call the buyer <b>now</b>").accepted
    items = list_exceptions(store, Kind.HELD)
    assert [(i.id, i.reason) for i in items] == [
        (f"held:{first}", "call the buyer <b>now</b>"),
        (f"held:{second}", "call the buyer <b>now</b>"),
    ]
    assert act(store, people["supervisor"], f"held:{first}", "release").accepted
    assert act(store, people["supervisor"], f"held:{second}", "cancel").accepted
    assert order_of(store, first).status == OrderStatus.READY
    assert order_of(store, second).status == OrderStatus.CANCELLED
    assert list_exceptions(store) == []
    assert check_floor(store) == []


def test_an_intercepted_order_is_restocked_from_the_desk(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(store, order_record("I-1", {SOCKS: 2, "CABLE-USB": 3}))
    release(store)
    pick(store, people["picker"], totes=["TOTE-0007"])
    order_id = order_id_of(store, "I-1")
    assert cancel_order(store, ADMIN, f"ORD-{order_id}").intercepted
    put_backs = list_exceptions(store, Kind.PUT_BACK)
    assert {item.ref for item in put_backs} == {"TOTE-0007"}
    assert len(put_backs) == 2
    assert check_floor(store) == []
    done = act(store, people["supervisor"], f"intercepted:{order_id}", "restock")
    assert done.accepted and "cancelled" in done.message
    assert list_exceptions(store) == []
    with store.read() as session:
        assert session.exec(select(Tote).where(Tote.code == "TOTE-0007")).one().order_id is None
    assert check_floor(store) == []


def test_a_changed_order_comes_back_new_when_its_goods_are_put_back(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(store, order_record("C-1", {SOCKS: 2}))
    release(store)
    pick(store, people["picker"], totes=["TOTE-0002"])
    import_orders(store, order_record("C-1", {"CABLE-USB": 4}, version=2))
    order_id = order_id_of(store, "C-1")
    put_back_by_scan(
        store, people["picker2"], "TOTE-0002", [(item_code(store, SOCKS), SOCKS_SHELF)] * 2
    )
    order = order_of(store, order_id)
    assert (order.status, order.shop_version, order.intercepted) == (OrderStatus.NEW, 2, False)
    assert check_floor(store) == []


def test_an_item_set_aside_at_the_wall_is_settled_and_its_unit_put_back(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(store, order_record("B-1", {SOCKS: 1}))
    release(store, "batch")
    pick(store, people["picker"])
    order_id = order_id_of(store, "B-1")
    assert cancel_order(store, ADMIN, f"ORD-{order_id}").intercepted
    sorted_ = sort_item(store, people["picker"], 1, item_code(store, SOCKS))
    assert not sorted_.accepted and sorted_.set_aside
    [aside] = list_exceptions(store, Kind.SET_ASIDE)
    assert aside.ref == item_code(store, SOCKS)
    assert not act(store, people["supervisor"], aside.id, "close").accepted  # say why
    assert act(store, people["supervisor"], aside.id, "close", "put back by scan").accepted
    [put_back] = list_exceptions(store, Kind.PUT_BACK)
    assert put_back.reason.startswith("1 × SOCKS-3 in PICK-")
    put_back_by_scan(store, people["picker"], "", [(item_code(store, SOCKS), SOCKS_SHELF)])
    assert order_of(store, order_id).status == OrderStatus.CANCELLED
    assert list_exceptions(store) == []
    assert check_floor(store) == []


def test_a_labelled_parcel_not_loaded_is_voided_and_packed_again(
    store: Store, people: dict[str, Actor], tmp_path: Path
) -> None:
    import_orders(store, order_record("P-1", {SOCKS: 1}))
    release(store)
    pick(store, people["picker"], totes=["TOTE-0003"])
    parcel_id = pack_and_label(store, people["packer"], "TOTE-0003", tmp_path / "a.zpl")
    assert list_exceptions(store, Kind.UNLOADED) == []  # not late yet
    with store.write() as session:
        set_setting(session, "unloaded_after_min", 0)
    [item] = list_exceptions(store, Kind.UNLOADED)
    assert (item.id, item.ref) == (f"unloaded:{parcel_id}", f"PCL-{parcel_id}")
    assert act(store, people["supervisor"], item.id, "void", "label torn").accepted
    order_id = order_id_of(store, "P-1")
    assert order_of(store, order_id).status == OrderStatus.PICKED
    assert list_exceptions(store, Kind.UNLOADED) == []
    pack_and_label(store, people["packer"], f"ORD-{order_id}", tmp_path / "b.zpl")
    assert check_floor(store) == []


def test_a_released_order_left_by_a_finished_wave_is_stuck(
    store: Store, people: dict[str, Actor]
) -> None:
    """No service leaves an order so today; the queue still catches one (an older version's
    data, an edit by hand): reserved units with nobody to pick them."""
    import_orders(store, order_record("K-1", {SOCKS: 2}))
    wave_id = release(store)
    with store.write() as session:
        for stop in session.exec(select(PickStop)).all():
            session.delete(stop)
        for task in session.exec(select(PickTask)).all():
            task.status = "done"
        session.get_one(Wave, wave_id).status = "done"
    order_id = order_id_of(store, "K-1")
    assert only(store, Kind.STUCK) == [f"stuck:{order_id}"]
    done = act(store, people["supervisor"], f"stuck:{order_id}", "reallocate")
    assert done.accepted, done.reason
    pick(store, people["picker"], totes=["TOTE-0004"])
    assert order_of(store, order_id).status == OrderStatus.PICKED
    assert list_exceptions(store, Kind.STUCK) == []
    assert check_floor(store) == []


# --- counts -------------------------------------------------------------------------------------


def test_a_blind_count_beyond_the_setting_is_recounted_by_another_and_adjusts_the_ledger(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(store, order_record("N-1", {SOCKS: 58}))
    release(store)
    order_id = order_id_of(store, "N-1")
    asked = request_counts(store, people["supervisor"], [SOCKS_SHELF])
    assert asked.accepted
    [count] = list_exceptions(store, Kind.COUNT)
    assert count.ref == SOCKS_SHELF
    first, second = people["picker"], people["picker2"]
    socks = item_code(store, SOCKS)
    assert count_scan(store, first, SOCKS_SHELF).accepted
    for _unit in range(50):
        assert count_scan(store, first, socks).accepted
    recount = finish_count(store, first)
    assert recount.accepted and recount.recount
    assert on_hand(store, SOCKS_SHELF, SOCKS) == 60  # nothing changed yet
    refused = count_scan(store, first, SOCKS_SHELF)
    assert not refused.accepted and "another operator" in refused.reason
    assert count_scan(store, second, SOCKS_SHELF).accepted
    for _unit in range(50):
        assert count_scan(store, second, socks).accepted
    done = finish_count(store, second)
    assert done.accepted and done.done and "SOCKS-3 -10" in done.message
    assert on_hand(store, SOCKS_SHELF, SOCKS) == 50
    [short] = list_exceptions(store, Kind.SHORT)  # 58 reserved, 50 there: the order is told
    assert short.id == f"short:{order_id}" and "Short 8 × SOCKS-3" in short.reason
    assert check_floor(store) == []
    pick(store, first, totes=["TOTE-0005"])
    assert act(store, people["supervisor"], short.id, "ship-short").accepted
    assert order_of(store, order_id).status == OrderStatus.PICKED
    assert check_floor(store) == []


def test_a_count_within_the_setting_adjusts_at_once_and_a_count_may_be_cancelled(
    store: Store, people: dict[str, Actor]
) -> None:
    asked = request_counts(store, people["supervisor"], [SOCKS_SHELF, "LOC-A01-02-1"])
    assert asked.accepted and len(asked.task_ids) == 2
    assert not request_counts(store, people["supervisor"], ["LOC-Z99-99-9"]).accepted
    assert count_scan(store, people["picker"], SOCKS_SHELF).accepted
    for _unit in range(61):
        count_scan(store, people["picker"], item_code(store, SOCKS))
    done = finish_count(store, people["picker"])
    assert done.done and "SOCKS-3 +1" in done.message
    assert on_hand(store, SOCKS_SHELF, SOCKS) == 61
    [cable] = list_exceptions(store, Kind.COUNT)
    assert act(store, people["supervisor"], cable.id, "cancel").accepted
    assert list_exceptions(store) == []
    with store.read() as session:
        tasks = session.exec(select(FloorTask).order_by(col(FloorTask.id))).all()
        assert [task.status for task in tasks] == ["done", "cancelled"]
    assert check_floor(store) == []


# --- a batch wave cancelled mid-pick ------------------------------------------------------------


def test_a_batch_wave_cancelled_mid_pick_ends_with_every_unit_back_on_a_shelf(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(
        store,
        order_record("W-1", {SOCKS: 2, "CABLE-USB": 2}),
        order_record("W-2", {SOCKS: 2, "CABLE-USB": 2}),
    )
    before = {
        (SOCKS_SHELF, SOCKS): on_hand(store, SOCKS_SHELF, SOCKS),
        ("LOC-A01-02-1", "CABLE-USB"): on_hand(store, "LOC-A01-02-1", "CABLE-USB"),
    }
    wave_id = release(store, "batch")
    pick(store, people["picker"], stops=1)  # 4 cables on the cart (first on the route)
    slot = sort_at_wall(store, people["picker"], "CABLE-USB", 2)  # 2 of them in a slot
    assert check_floor(store) == []
    assert cancel_wave(store, ADMIN, wave_id).accepted
    put_backs = list_exceptions(store, Kind.PUT_BACK)
    assert sum(int(item.reason.split(" × ")[0]) for item in put_backs) == 4
    assert {item.ref[:5] for item in put_backs} == {"WALL-", "LOC-A"}  # a slot, the cart
    assert check_floor(store) == []
    cable, shelf = item_code(store, "CABLE-USB"), "LOC-A01-02-1"
    put_back_by_scan(store, people["picker2"], slot, [(cable, shelf)] * 2)
    put_back_by_scan(store, people["picker2"], "", [(cable, shelf)] * 2)  # off the cart
    for (location, sku), units in before.items():
        assert on_hand(store, location, sku) == units
    assert list_exceptions(store, Kind.PUT_BACK) == []
    with store.read() as session:
        assert all(slot.order_id is None for slot in session.exec(select(WallSlot)).all())
    assert check_floor(store) == []


def test_cancelling_a_line_a_count_made_short_takes_its_stop_off_the_pick_list(
    store: Store, people: dict[str, Actor]
) -> None:
    import_orders(store, order_record("L-1", {SOCKS: 58, "CABLE-USB": 1}))
    release(store)
    order_id = order_id_of(store, "L-1")
    with store.write() as session:
        set_setting(session, "count_recount_over", 100)
    assert request_counts(store, people["supervisor"], [SOCKS_SHELF]).accepted
    assert count_scan(store, people["picker"], SOCKS_SHELF).accepted
    assert finish_count(store, people["picker"]).done  # none there: all 58 reserved are gone
    assert only(store, Kind.SHORT) == [f"short:{order_id}"]
    assert act(store, people["supervisor"], f"short:{order_id}", "cancel-line").accepted
    pick(store, people["picker2"], totes=["TOTE-0006"])  # the cable only
    assert order_of(store, order_id).status == OrderStatus.PICKED
    assert list_exceptions(store) == []
    assert check_floor(store) == []
