"""Orders by hand and the intercept: cancel, a newer version after release, restock, show."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.support.import_files import good_order, import_orders
from warehouse_tui.domain.states import FLOOR_STATUSES
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import (
    cancel_order,
    complete_restock,
    find_order,
    order_summary,
    status_counts,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Journal,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    ParcelStatus,
    PickStop,
    PickTask,
    Sku,
    Stock,
    StockMove,
    Strategy,
    Tote,
    Wave,
    WaveStatus,
)

SUPERVISOR = Actor(None, "DESK-1", "cli")


@dataclass
class Released:
    order_id: int
    near: int  # stock id at LOC-A01-01-1: 5 allocated, 3 picked
    far: int  # stock id at LOC-B02-01-1: 2 allocated, none picked
    operator_id: int


def release_order(store: Store, status: OrderStatus = OrderStatus.RELEASED) -> Released:
    """Order WEB:1 (MUG ×5, TEA ×2) in a wave, allocated, 3 mugs picked, the rest on stops."""
    import_orders(store, good_order(1, lines=[{"sku": "MUG", "qty": 5}, {"sku": "TEA", "qty": 2}]))
    with store.write() as session:
        picker = Operator(badge="OP-0001", name="Ana", pin_hash="x", role="picker")
        mug, tea = (
            Sku(code=code, name=code, weight_g=100, length_mm=1, width_mm=1, height_mm=1)
            for code in ("MUG", "TEA")
        )
        near, far = (
            Location(code=code, zone="A", block=0, aisle=0, position_m=1.0, bay=1, level=1)
            for code in ("LOC-A01-01-1", "LOC-B02-01-1")
        )
        session.add_all([picker, mug, tea, near, far])
        session.flush()
        # picking took the 3 mugs off the shelf: on hand 10 → 7, allocated 5 → 2
        mug_stock = Stock(location_id=near.id, sku_id=mug.id, batch="L1", on_hand=7, allocated=2)
        tea_stock = Stock(location_id=far.id, sku_id=tea.id, on_hand=4, allocated=2)
        wave = Wave(strategy=Strategy.PICK_BY_ORDER, status=WaveStatus.PICKING)
        session.add_all([mug_stock, tea_stock, wave])
        session.flush()
        order = session.execute(select(Order)).scalar_one()
        order.status, order.wave_id = status, wave.id
        mug_line, tea_line = (
            session.execute(select(OrderLine).order_by(OrderLine.id)).scalars().all()
        )
        mug_line.sku_id, mug_line.picked, tea_line.sku_id = mug.id, 3, tea.id
        mug_allocation = Allocation(
            order_line_id=mug_line.id, stock_id=mug_stock.id, qty=5, picked=3
        )
        tea_allocation = Allocation(order_line_id=tea_line.id, stock_id=tea_stock.id, qty=2)
        task = PickTask(
            wave_id=wave.id, strategy=Strategy.PICK_BY_ORDER, status="claimed", claimed_by=picker.id
        )
        tote = Tote(code="TOTE-0001", order_id=order.id)
        session.add_all([mug_allocation, tea_allocation, task, tote])
        session.flush()
        session.add_all(
            [
                PickStop(
                    task_id=task.id,
                    seq=1,
                    allocation_id=mug_allocation.id,
                    stock_id=mug_stock.id,
                    sku_id=mug.id,
                    order_id=order.id,
                    qty=3,
                    picked=3,
                    status="done",
                ),
                PickStop(
                    task_id=task.id,
                    seq=2,
                    allocation_id=mug_allocation.id,
                    stock_id=mug_stock.id,
                    sku_id=mug.id,
                    order_id=order.id,
                    qty=2,
                    status="at-location",
                ),
                PickStop(
                    task_id=task.id,
                    seq=3,
                    allocation_id=tea_allocation.id,
                    stock_id=tea_stock.id,
                    sku_id=tea.id,
                    order_id=order.id,
                    qty=2,
                ),
            ]
        )
        return Released(order.id, mug_stock.id, tea_stock.id, picker.id)  # type: ignore[arg-type]


def stock_of(store: Store, stock_id: int) -> tuple[int, int]:
    with store.read() as session:
        stock = session.get(Stock, stock_id)
        assert stock is not None
        return stock.on_hand, stock.allocated


def restock_tasks(store: Store, order_id: int) -> list[FloorTask]:
    with store.read() as session:
        return list(
            session.execute(
                select(FloorTask).where(FloorTask.order_id == order_id).order_by(FloorTask.id)
            ).scalars()
        )


def test_a_newer_version_after_release_is_intercepted_then_applied(store: Store) -> None:
    floor = release_order(store)
    newer = good_order(1, version=2, carrier="UPS", lines=[{"sku": "CUP", "qty": 1}])
    result = import_orders(store, newer)
    assert result.intercepted == 1
    with store.read() as session:
        order = session.get(Order, floor.order_id)
        assert order is not None and order.intercepted
        assert (order.status, order.shop_version, order.carrier) == ("released", 1, "DHL")
        assert order.pending is not None and order.pending["version"] == 2
        remaining = session.execute(
            select(PickStop.seq, PickStop.status).order_by(PickStop.seq)
        ).all()
        assert [tuple(stop) for stop in remaining] == [(1, "done")]  # unfinished stops gone
        allocations = session.execute(
            select(Allocation.qty, Allocation.picked).order_by(Allocation.id)
        ).all()
        assert [tuple(row) for row in allocations] == [(3, 3), (0, 0)]
    assert stock_of(store, floor.near) == (7, 0)  # 2 unpicked mugs no longer reserved
    assert stock_of(store, floor.far) == (4, 0)
    [task] = restock_tasks(store, floor.order_id)
    assert (task.kind, task.qty, task.status) == ("restock", 3, "open")

    picker = Actor(floor.operator_id, "HH-1", "restock")
    done = complete_restock(store, picker, task.id)  # type: ignore[arg-type]
    assert done.accepted and done.applied and done.status == OrderStatus.NEW
    assert stock_of(store, floor.near) == (10, 0)
    with store.read() as session:
        order = session.get(Order, floor.order_id)
        assert order is not None
        assert (order.intercepted, order.pending, order.wave_id) == (False, None, None)
        assert (order.shop_version, order.carrier) == (2, "UPS")
        lines = session.execute(
            select(OrderLine.sku_code, OrderLine.qty).where(OrderLine.order_id == order.id)
        ).all()
        assert [tuple(line) for line in lines] == [("CUP", 1)]
        assert session.execute(select(func.count()).select_from(Allocation)).scalar_one() == 0
        move = session.execute(select(StockMove).where(StockMove.reason == "restock")).scalar_one()
        assert (move.delta, move.batch, move.operator_id) == (3, "L1", floor.operator_id)
        assert session.execute(select(Tote.order_id)).scalar_one() is None
        task_row = session.get(FloorTask, task.id)
        assert task_row is not None and task_row.done_by == floor.operator_id
        actions = list(
            session.execute(
                select(Journal.action).where(Journal.order_id == order.id).order_by(Journal.id)
            ).scalars()
        )
        assert actions == ["intercept", "restock", "intercept-applied"]


def test_cancel_after_packing_intercepts_then_cancels(store: Store) -> None:
    floor = release_order(store, OrderStatus.PACKED)
    with store.write() as session:
        line_id = session.execute(select(OrderLine.id).order_by(OrderLine.id)).scalars().first()
        parcel = Parcel(
            order_id=floor.order_id,
            status=ParcelStatus.CLOSED,
            weight_g=420,
            tracking="JJD000390007",
        )
        session.add(parcel)
        session.flush()
        session.add(ParcelLine(parcel_id=parcel.id, order_line_id=line_id, qty=3))
    result = cancel_order(store, SUPERVISOR, f"ORD-{floor.order_id}")
    assert (result.accepted, result.intercepted, result.status) == (True, True, "packed")
    again = cancel_order(store, SUPERVISOR, "WEB:1")
    assert (again.accepted, again.reason) == (False, "This order is already cancelled")
    stopped = order_summary(store, "WEB:1")
    assert stopped is not None
    assert stopped["intercept"] == "cancelled at the shop after release"
    [task] = restock_tasks(store, floor.order_id)
    done = complete_restock(store, Actor(floor.operator_id, "HH-1"), task.id)  # type: ignore[arg-type]
    assert (done.applied, done.status) == (True, OrderStatus.CANCELLED)
    summary = order_summary(store, "WEB:1")
    assert summary is not None
    assert summary["status"] == "cancelled"
    assert summary["parcels"] == [
        {
            "id": summary["parcels"][0]["id"],
            "status": "cancelled",
            "weight_g": 420,
            "tracking": "JJD000390007",
        }
    ]
    assert summary["lines"][0] == {
        "sku": "MUG",
        "ordered": 5,
        "allocated": 0,
        "picked": 0,
        "packed": 0,
    }


def test_an_intercept_with_nothing_picked_applies_at_once(store: Store) -> None:
    floor = release_order(store)
    with store.write() as session:
        for allocation in session.execute(select(Allocation)).scalars():
            allocation.picked = 0
        mug_stock = session.get(Stock, floor.near)
        assert mug_stock is not None
        mug_stock.on_hand, mug_stock.allocated = 10, 5
    result = cancel_order(store, SUPERVISOR, str(floor.order_id))
    assert (result.accepted, result.intercepted, result.status) == (True, False, "cancelled")
    assert restock_tasks(store, floor.order_id) == []
    assert stock_of(store, floor.near) == (10, 0)


def test_a_newer_version_while_intercepted_replaces_the_waiting_one(store: Store) -> None:
    floor = release_order(store)
    import_orders(store, {"shop": "WEB", "shop_order_id": "1", "version": 2, "cancelled": True})
    result = import_orders(store, good_order(1, version=3, lines=[{"sku": "TEA", "qty": 9}]))
    assert result.intercepted == 1
    assert len(restock_tasks(store, floor.order_id)) == 1  # not a second set of tasks
    older = import_orders(store, good_order(1, version=2))
    assert older.unchanged == 1
    [task] = restock_tasks(store, floor.order_id)
    done = complete_restock(store, SUPERVISOR, task.id)  # type: ignore[arg-type]
    assert done.status == OrderStatus.NEW
    summary = order_summary(store, "1")
    assert summary is not None and summary["lines"] == [
        {"sku": "TEA", "ordered": 9, "allocated": 0, "picked": 0, "packed": 0}
    ]


def test_cancel_before_release_and_refusals(store: Store) -> None:
    import_orders(store, good_order(1), good_order(2))
    assert cancel_order(store, SUPERVISOR, "WEB:1").status == OrderStatus.CANCELLED
    with store.write() as session:
        shipped = session.execute(select(Order).where(Order.shop_order_id == "2")).scalar_one()
        shipped.status = OrderStatus.SHIPPED
    refused = [cancel_order(store, SUPERVISOR, ref) for ref in ("WEB:2", "WEB:404", "ORD-9x")]
    assert [result.reason for result in refused] == [
        "This order has already shipped",
        "No such order",
        "No such order",
    ]
    with store.read() as session:
        journal = session.execute(
            select(Journal.action, Journal.accepted, Journal.raw)
            .where(Journal.action == "order-cancel")
            .order_by(Journal.id)
        ).all()
    assert [tuple(row) for row in journal] == [
        ("order-cancel", True, ""),
        ("order-cancel", False, "WEB:2"),
        ("order-cancel", False, "WEB:404"),
        ("order-cancel", False, "ORD-9x"),
    ]


def test_restock_refusals(store: Store) -> None:
    floor = release_order(store)
    cancel_order(store, SUPERVISOR, "WEB:1")
    [task] = restock_tasks(store, floor.order_id)
    assert complete_restock(store, SUPERVISOR, 999).reason == "No such restock task"
    assert complete_restock(store, SUPERVISOR, task.id).accepted  # type: ignore[arg-type]
    twice = complete_restock(store, SUPERVISOR, task.id)  # type: ignore[arg-type]
    assert (twice.accepted, twice.reason) == (False, "This restock task is already done")
    assert stock_of(store, floor.near) == (10, 0)  # put back once only


@pytest.mark.parametrize("ref", ["1", "ORD-1", "ord-1", " WEB:1 "])
def test_find_order_by_any_reference(sqlite_store: Store, ref: str) -> None:
    import_orders(sqlite_store, good_order(1))
    with sqlite_store.read() as session:
        order = find_order(session, ref)
        assert order is not None and order.shop_order_id == "1"
        assert find_order(session, "WEB:2") is None and find_order(session, "ORD-") is None
        assert find_order(session, "9" * 30) is None


def test_order_show_contract(store: Store) -> None:
    floor = release_order(store)
    with store.write() as session:
        session.add(
            Journal(
                station="HH-1",
                operator_id=floor.operator_id,
                action="pick.scan",
                order_id=floor.order_id,
            )
        )
    summary = order_summary(store, "WEB:1")
    assert summary is not None
    assert list(summary) == [
        "id",
        "shop",
        "shop_order_id",
        "status",
        "hold_reason",
        "carrier",
        "service",
        "ship_to",
        "wave",
        "intercept",
        "lines",
        "parcels",
        "returns",
        "journal",
    ]
    assert summary["wave"] is not None and summary["intercept"] is None
    assert (summary["id"], summary["status"], summary["hold_reason"]) == (
        floor.order_id,
        "released",
        None,
    )
    assert summary["lines"] == [
        {"sku": "MUG", "ordered": 5, "allocated": 5, "picked": 3, "packed": 0},
        {"sku": "TEA", "ordered": 2, "allocated": 2, "picked": 0, "packed": 0},
    ]
    [entry] = summary["journal"]
    assert list(entry) == ["at", "operator", "station", "action", "accepted", "reason"]
    assert (entry["operator"], entry["station"], entry["action"], entry["accepted"]) == (
        "OP-0001",
        "HH-1",
        "pick.scan",
        True,
    )
    assert entry["at"].endswith("+00:00")
    assert order_summary(store, "WEB:2") is None


def test_status_counts_every_state(store: Store) -> None:
    release_order(store)
    import_orders(store, good_order(2), good_order(3))
    counts = status_counts(store)
    assert counts["orders"] == {status.value: 0 for status in FLOOR_STATUSES} | {
        "released": 1,
        "new": 2,
    }
    assert counts["waves"] == {status.value: 0 for status in WaveStatus} | {"picking": 1}
