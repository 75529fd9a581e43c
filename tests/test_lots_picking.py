"""Lots at picking: a batch-tracked item's lot is confirmed by the GS1 code it carries; another
free lot at the location moves the allocation with it; a missing, unknown or too-short-lived
lot is refused (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from tests.support.picking_floor import (  # noqa: F401 — fixtures
    PICKER,
    SKUS,
    claim_with_totes,
    floor_fixture,
    migrated_pg,
    migrated_sqlite,
    release_wave,
    scan_all,
)
from warehouse_tui.services.picking import current_stop, scan_at_stop
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Allocation, PickStop, Sku, Stock, StockMove

CAP_LOCATION = SKUS["CAP"].location
LASTING = date(2030, 1, 1)


def cap(batch: str, expiry: str = "") -> str:
    """A cap's GS1 code carrying its lot (and its expiry, YYMMDD)."""
    return f"(01)0{SKUS['CAP'].ean}" + (f"(17){expiry}" if expiry else "") + f"(10){batch}"


@pytest.fixture
def lots(floor: Store) -> tuple[Store, int]:
    """Two caps allocated from lot L1 at their location, which also holds lots L2 (10 free) and
    L0 (expired); a claimed list at the caps' location. The list's task id."""
    release_wave(floor, "pick-by-order", [{"CAP": 2}])
    with floor.write() as session:
        session.exec(select(Sku).where(Sku.code == "CAP")).one().batch_tracked = True
        allocated = session.exec(select(Stock).where(col(Stock.allocated) == 2)).one()
        allocated.batch, allocated.expiry = "L1", LASTING
        for batch, expiry, on_hand in (("L2", LASTING, 10), ("L0", date(2020, 1, 1), 5)):
            session.add(
                Stock(
                    location_id=allocated.location_id,
                    sku_id=allocated.sku_id,
                    batch=batch,
                    expiry=expiry,
                    on_hand=on_hand,
                )
            )
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, [CAP_LOCATION])
    return floor, task_id


def _lots(store: Store) -> dict[str, tuple[int, int]]:
    """The caps' lots: on hand and allocated."""
    with store.read() as session:
        caps = select(Stock).join(Sku).where(Sku.code == "CAP")
        return {s.batch: (s.on_hand, s.allocated) for s in session.exec(caps)}


def _picked(store: Store) -> int:
    with store.read() as session:
        return sum(stop.picked for stop in session.exec(select(PickStop)))


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (SKUS["CAP"].ean, "CAP is batch-tracked: scan the GS1 code with its batch (L1)"),
        (cap("LX"), "Batch LX of CAP is not stocked here: pick batch L1"),
        (cap("L0"), "Batch L0 expires 2020-01-01, too soon for an order shipping"),
    ],
)
def test_a_lot_that_is_missing_unknown_or_expired_is_refused(
    lots: tuple[Store, int], code: str, words: str
) -> None:
    store, task_id = lots
    before = _lots(store)
    refused = scan_at_stop(store, PICKER, task_id, code)
    assert not refused.accepted and words in refused.reason
    assert _lots(store) == before and _picked(store) == 0


def test_the_allocated_lot_is_confirmed_by_its_scan(lots: tuple[Store, int]) -> None:
    store, task_id = lots
    scan_all(store, task_id, [cap("L1"), cap("L1", "300101"), "TOTE-0001"])
    assert _lots(store)["L1"] == (8, 0)
    with store.read() as session:
        assert [m.batch for m in session.exec(select(StockMove))] == ["L1"]


def test_another_free_lot_here_moves_the_allocation_with_it(lots: tuple[Store, int]) -> None:
    store, task_id = lots
    moved = scan_at_stop(store, PICKER, task_id, cap("L2"))
    assert moved.accepted
    assert _lots(store) == {"L1": (10, 0), "L2": (10, 2), "L0": (5, 0)}
    mixed = scan_at_stop(store, PICKER, task_id, cap("L1"))
    assert not mixed.accepted and "Batch L1 cannot join this stop: pick batch L2" in mixed.reason
    scan_all(store, task_id, [cap("L2"), "TOTE-0001"])
    assert _lots(store)["L2"] == (8, 0)
    with store.read() as session:
        allocation = session.exec(select(Allocation)).one()
        assert session.get_one(Stock, allocation.stock_id).batch == "L2"
        assert [m.batch for m in session.exec(select(StockMove))] == ["L2"]


def test_another_lot_without_enough_free_stock_is_refused(lots: tuple[Store, int]) -> None:
    store, task_id = lots
    with store.write() as session:
        session.exec(select(Stock).where(Stock.batch == "L2")).one().on_hand = 1
    refused = scan_at_stop(store, PICKER, task_id, cap("L2"))
    assert not refused.accepted and "Only 1 of batch L2 are free here: pick batch L1" in (
        refused.reason
    )
    assert _lots(store)["L1"] == (10, 2)


def test_a_lot_with_fewer_days_left_than_the_setting_asks_is_refused(
    lots: tuple[Store, int],
) -> None:
    store, task_id = lots
    with store.write() as session:
        set_setting(session, "lot_min_days_left", 3650)
    refused = scan_at_stop(store, PICKER, task_id, cap("L1"))
    assert not refused.accepted and "Batch L1 expires 2030-01-01" in refused.reason
    stop = current_stop(store, task_id)
    assert stop is not None and stop.picked == 0
