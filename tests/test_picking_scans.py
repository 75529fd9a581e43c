"""Every wrong scan at a stop is refused with its reason and changes nothing (SQLite only:
this logic does not depend on the database)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from tests.support.picking_floor import (
    MUG_CASE,
    PICKER,
    SKUS,
    claim_with_totes,
    migrated_sqlite,  # noqa: F401 — a fixture `sqlite_floor` uses
    release_wave,
    scan_all,
    sqlite_floor_fixture,  # noqa: F401 — the `sqlite_floor` fixture
    stock_of,
)
from warehouse_tui.services.picking import (
    current_stop,
    scan_at_stop,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
)


@pytest.mark.parametrize(
    ("scans", "reason"),
    [
        (["LOC-A02-05-1"], "Wrong location LOC-A02-05-1 — go to LOC-A01-01-1"),
        ([SKUS["MUG"].ean], "Scan the location label first: LOC-A01-01-1"),
        (["LOC-A01-01-1", SKUS["CAP"].ean], "Wrong item CAP — pick MUG"),
        (["LOC-A01-01-1", "4006381333932"], "check digit wrong"),
        (["LOC-A01-01-1", "LOC-A04-03-1"], "Wrong location — pick MUG here at LOC-A01-01-1"),
        (["LOC-A01-01-1", MUG_CASE], "This barcode counts 12 but only 2 remain"),
        (
            ["LOC-A01-01-1", SKUS["MUG"].ean, SKUS["MUG"].ean, "TOTE-0002"],
            "Wrong tote TOTE-0002 — this goes in TOTE-0001",
        ),
        (
            ["LOC-A01-01-1", SKUS["MUG"].ean, SKUS["MUG"].ean, SKUS["MUG"].ean],
            "All 2 in hand — scan the tote TOTE-0001",
        ),
    ],
)
def test_wrong_scans_are_refused_with_their_reason_and_change_nothing(
    sqlite_floor: Store, scans: list[str], reason: str
) -> None:
    floor = sqlite_floor
    release_wave(floor, "pick-by-order", [{"MUG": 2}, {"TEE": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001", "TOTE-0002"])
    *good, bad = scans
    scan_all(floor, task_id, good)
    before = current_stop(floor, task_id)
    outcome = scan_at_stop(floor, PICKER, task_id, bad)
    assert not outcome.accepted
    assert reason in outcome.reason
    assert outcome.stop == before
    assert stock_of(floor, "LOC-A01-01-1") == (20, 3 - 1)  # 2 allocated, nothing picked
    with floor.read() as session:
        refused = session.exec(select(Journal).where(col(Journal.accepted).is_(False))).one()
        assert (refused.raw, refused.reason) == (bad, outcome.reason)
