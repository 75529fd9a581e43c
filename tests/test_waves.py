"""Waves on both databases: rules, allocation order, pick lists, release, pause/resume/cancel.

The floor is built by tests/support/waves_floor.py.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.support.waves_floor import (
    ACTOR,
    add_carrier,
    add_location,
    add_operator,
    add_order,
    add_skus,
    add_stock,
    allocations,
    stocked_floor,
)
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.waves import (
    WaveRules,
    cancel_wave,
    pause_wave,
    preview_wave,
    release_wave,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Stock,
    Wave,
    WaveStatus,
)


def test_release_allocates_by_the_rules_and_skips_unpickable(store: Store) -> None:
    with store.write() as session:
        add_carrier(session)
        (sku,) = add_skus(session, 1)
        later = add_stock(
            session, add_location(session, 1, 5), sku, 10, batch="L1", expiry=date(2027, 6, 1)
        )
        sooner = add_stock(
            session, add_location(session, 2, 5), sku, 10, batch="L2", expiry=date(2027, 1, 1)
        )
        add_stock(
            session,
            add_location(session, 3, 5, pickable=False),
            sku,
            100,
            batch="L3",
            expiry=date(2026, 1, 1),
        )
        big = add_stock(session, add_location(session, 4, 5), sku, 30, batch="L4")
        first = add_order(session, 1, [("SKU-1", 4)])
        second = add_order(session, 2, [("SKU-1", 25)])
        third = add_order(session, 3, [("SKU-1", 12)])
    result = release_wave(store, ACTOR, WaveRules())
    assert result["accepted"] and result["orders"] == 3
    with store.read() as session:
        lines = {line.order_id: line.id for line in session.exec(select(OrderLine))}
        taken = {(a.order_line_id, a.stock_id, a.qty) for a in allocations(session)}
        assert taken == {
            (lines[first.id], sooner.id, 4),  # earliest expiry
            (lines[second.id], big.id, 25),  # the only single location with 25
            (lines[third.id], sooner.id, 6),  # no single location left: as few as possible,
            (lines[third.id], later.id, 6),  # the earliest-expiring ones
        }
        allocated = {s.id: s.allocated for s in session.exec(select(Stock))}
        assert allocated[sooner.id] == 10 and allocated[later.id] == 6
        assert allocated[big.id] == 25


# --- release --------------------------------------------------------------------------------------


def test_release_makes_a_wave_with_pick_lists_in_route_order(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        for number in range(1, 9):
            add_order(session, number, [(f"SKU-{number % 6 + 1}", 1), (f"SKU-{number % 3 + 1}", 2)])
    result = release_wave(store, ACTOR, WaveRules(strategy="pick-by-order"))
    assert result["accepted"] and result["orders"] == 8 and result["lines"] == 16
    with store.read() as session:
        wave = session.get(Wave, result["wave"])
        assert wave is not None and wave.status == WaveStatus.RELEASED
        assert wave.strategy == "pick-by-order" and wave.released_at is not None
        orders = list(session.exec(select(Order)))
        assert {(o.status, o.wave_id) for o in orders} == {(OrderStatus.RELEASED, wave.id)}
        tasks = list(session.exec(select(PickTask).where(PickTask.wave_id == wave.id)))
        assert len(tasks) == result["batches"] == 1  # 8 totes fit one 12-tote cart
        stops = list(session.exec(select(PickStop).order_by(PickStop.seq)))
        assert [stop.seq for stop in stops] == list(range(len(stops)))
        assert len(stops) == result["picks"] == len(allocations(session))
        assert all(stop.order_id is not None and stop.allocation_id is not None for stop in stops)
        assert all(stop.tote_id is None for stop in stops)  # bound when a picker claims
        by_id = {a.id: a for a in allocations(session)}
        assert all(by_id[stop.allocation_id].stock_id == stop.stock_id for stop in stops)
        assert tasks[0].route_m == pytest.approx(result["walk_m"]["best"], abs=0.1)
        journal = session.exec(select(Journal).where(Journal.action == "wave-release")).one()
        assert journal.accepted and journal.task_ref == f"WAVE-{wave.id}"


def test_batch_release_picks_totals_per_location(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session, skus=3)
        for number in range(1, 7):
            add_order(session, number, [("SKU-1", 1), (f"SKU-{number % 2 + 2}", 1)])
    result = release_wave(store, ACTOR, WaveRules(strategy="batch"))
    assert result["accepted"] and result["batches"] == 1
    with store.read() as session:
        stops = list(session.exec(select(PickStop).order_by(PickStop.seq)))
        assert {stop.qty for stop in stops if stop.sku_id == 1} == {6}
        assert sum(stop.qty for stop in stops) == 12 and len(stops) == 3 == result["picks"]
        assert all(stop.order_id is None and stop.allocation_id is None for stop in stops)
        assert session.exec(select(PickTask)).one().strategy == "batch"


def test_preview_changes_nothing_but_the_audit(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)])
    plan = preview_wave(store, ACTOR, WaveRules())
    assert plan.summary()["orders"] == 1
    with store.read() as session:
        order = session.exec(select(Order)).one()
        assert order.status == OrderStatus.READY and order.wave_id is None
        assert allocations(session) == []
        assert session.exec(select(func.sum(Stock.allocated))).one() == 0
        assert session.exec(select(func.count()).select_from(Wave)).one() == 0


def test_preview_walks_less_batched_than_order_by_order(store: Store) -> None:
    rng = random.Random(3)
    with store.write() as session:
        stocked_floor(session, skus=24)
        for number in range(1, 41):
            lines = [(f"SKU-{rng.randint(1, 24)}", 1) for _ in range(rng.randint(1, 2))]
            add_order(session, number, list(dict(lines).items()))
    summary = preview_wave(store, ACTOR, WaveRules()).summary()
    walk = summary["walk_m"]
    assert summary["orders"] == 40 and summary["batches"] == 4  # 40 totes on 12-tote carts
    assert walk["best"] <= walk["s_shape"]
    assert walk["best"] < 0.6 * walk["pick_by_order"]  # small orders: far less walking
    batch = preview_wave(store, ACTOR, WaveRules(strategy="batch")).summary()
    assert batch["walk_m"]["best"] <= batch["walk_m"]["s_shape"]
    assert batch["picks"] <= summary["picks"]


def test_nothing_to_release_is_refused_and_journaled(store: Store) -> None:
    result = release_wave(store, ACTOR, WaveRules())
    assert not result["accepted"] and result["wave"] is None and result["reason"]
    with store.read() as session:
        journal = session.exec(select(Journal).where(Journal.action == "wave-release")).one()
        assert not journal.accepted and journal.reason == result["reason"]


def test_a_second_wave_cannot_take_what_the_first_allocated(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session, skus=1, per_location=5)
        for number in range(1, 4):
            add_order(session, number, [("SKU-1", 2)], status=OrderStatus.READY)
        session.execute(OrderLine.__table__.update().values(sku_id=1))
    first = release_wave(store, ACTOR, WaveRules())
    second = release_wave(store, ACTOR, WaveRules())
    assert first["orders"] == 2 and not second["accepted"]
    with store.read() as session:
        stock = session.exec(select(Stock)).one()
        assert stock.allocated == 4 <= stock.on_hand


def test_only_a_supervisor_releases_pauses_or_cancels_a_wave(store: Store) -> None:
    with store.write() as session:
        stocked_floor(session)
        add_order(session, 1, [("SKU-1", 1)])
        picker_id = add_operator(session, "OP-5000000001", "picker").id
    picker = Actor(picker_id, "HH-1", "test")
    refused = release_wave(store, picker, WaveRules())
    assert not refused["accepted"] and refused["reason"].startswith("Only a supervisor")
    released = release_wave(store, ACTOR, WaveRules())
    assert released["accepted"], released["reason"]
    for verb in (pause_wave, cancel_wave):
        result = verb(store, picker, released["wave"])
        assert not result.accepted and result.reason.startswith("Only a supervisor")
    assert pause_wave(store, ACTOR, released["wave"]).accepted
