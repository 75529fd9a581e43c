"""Picking and serials, on SQLite and PostgreSQL: a pick needs no serial, but a scan that
carries one no delivery brought (once deliveries of the SKU bring serials) is refused, and the
unit is set aside for a supervisor at its location."""

from __future__ import annotations

from sqlmodel import select

from tests.support.picking_floor import (  # noqa: F401 — fixtures
    PICKER,
    SKUS,
    SUPERVISOR,
    claim_with_totes,
    floor_fixture,
    migrated_pg,
    migrated_sqlite,
    release_wave,
    scan_all,
)
from warehouse_tui.services.exceptions import Kind, list_exceptions
from warehouse_tui.services.picking import scan_at_stop
from warehouse_tui.services.receipts import open_unexpected, receive_scan
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import FloorTask, Sku

CAP = SKUS["CAP"]


def cap(serial: str) -> str:
    return f"(01)0{CAP.ean}(21){serial}"


def test_a_serial_never_received_is_refused_at_the_shelf(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"CAP": 3}])
    with floor.write() as session:
        session.exec(select(Sku).where(Sku.code == "CAP")).one().serial_tracked = True
    opened = open_unexpected(floor, SUPERVISOR, "ACME", "PO-1")
    assert opened.receipt_id is not None
    assert receive_scan(floor, SUPERVISOR, opened.receipt_id, cap("C1")).accepted
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, [CAP.location])

    stranger = scan_at_stop(floor, PICKER, task_id, cap("C9"))
    assert stranger.refusal is Refusal.WRONG_SCAN
    assert "Serial C9 of CAP was never received: put the unit in the set-aside" in stranger.reason
    assert stranger.stop is not None and stranger.stop.picked == 0
    with floor.read() as session:
        task = session.exec(select(FloorTask)).one()
        assert (task.kind, task.held_in) == ("set-aside", CAP.location)
    assert len(list_exceptions(floor, Kind.SET_ASIDE)) == 1

    scan_all(floor, task_id, [cap("C1"), CAP.ean])  # a received serial; a plain EAN
    outcome = scan_at_stop(floor, PICKER, task_id, cap("C2"))
    assert not outcome.accepted
