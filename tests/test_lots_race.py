"""Two pickers, as separate processes on SQLite and PostgreSQL, both take the last free units of
another lot at the same location: one allocation moves to it, the other picker is refused, and
no lot is allocated beyond what it holds."""

from __future__ import annotations

from sqlmodel import col, select

from tests.conftest import Db
from tests.support.picking_floor import PICKER, PICKER_2, SKUS, release_wave, seed_floor
from tests.support.races import race
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking import claim_next_task, scan_at_stop
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Allocation, Sku, Stock


def cap(batch: str) -> str:
    return f"(01)0{SKUS['CAP'].ean}(10){batch}"


def _scan(store: Store, picker: Actor, task_id: int, code: str) -> tuple[bool, str]:
    outcome = scan_at_stop(store, picker, task_id, code)
    return outcome.accepted, outcome.reason


def _two_pickers_at_the_caps(store: Store, other_lots: dict[str, int]) -> list[int]:
    """Two lists of two caps each, allocated from lot L1, both pickers at the caps' location,
    which also holds `other_lots` (batch → on hand). The two task ids."""
    seed_floor(store)
    release_wave(store, "pick-by-order", [{"CAP": 2}, {"CAP": 2}], orders_per_task=1)
    with store.write() as session:
        session.exec(select(Sku).where(Sku.code == "CAP")).one().batch_tracked = True
        allocated = session.exec(select(Stock).where(col(Stock.allocated) == 4)).one()
        allocated.batch = "L1"
        for batch, on_hand in other_lots.items():
            session.add(
                Stock(
                    location_id=allocated.location_id,
                    sku_id=allocated.sku_id,
                    batch=batch,
                    on_hand=on_hand,
                )
            )
    tasks = []
    for picker, tote in ((PICKER, "TOTE-0001"), (PICKER_2, "TOTE-0002")):
        task = claim_next_task(store, picker, [tote])
        assert task is not None
        assert scan_at_stop(store, picker, task.task_id, SKUS["CAP"].location).accepted
        tasks.append(task.task_id)
    return tasks


def _lots(store: Store) -> dict[str, tuple[int, int]]:
    with store.read() as session:
        caps = select(Stock).join(Sku).where(Sku.code == "CAP")
        return {s.batch: (s.on_hand, s.allocated) for s in session.exec(caps)}


def test_two_pickers_moving_to_the_same_lot_get_one_move(db: Db) -> None:
    store = db.store
    tasks = _two_pickers_at_the_caps(store, {"L2": 2})

    results = race(
        db, (_scan, (PICKER, tasks[0], cap("L2"))), (_scan, (PICKER_2, tasks[1], cap("L2")))
    )

    assert sorted(accepted for accepted, _reason in results) == [False, True]
    (refusal,) = [reason for accepted, reason in results if not accepted]
    assert "Only 0 of batch L2 are free here: pick batch L1" in refusal
    assert _lots(store) == {"L1": (10, 2), "L2": (2, 2)}
    with store.read() as session:
        on_l2 = session.exec(select(Allocation).join(Stock).where(Stock.batch == "L2")).all()
        assert [allocation.qty for allocation in on_l2] == [2]


def test_two_pickers_moving_off_one_lot_at_once_both_give_it_back(db: Db) -> None:
    store = db.store
    tasks = _two_pickers_at_the_caps(store, {"L2": 5, "L3": 5})

    results = race(
        db, (_scan, (PICKER, tasks[0], cap("L2"))), (_scan, (PICKER_2, tasks[1], cap("L3")))
    )

    assert results == [(True, ""), (True, "")]
    assert _lots(store) == {"L1": (10, 0), "L2": (5, 2), "L3": (5, 2)}
