"""The pack station's services on SQLite and PostgreSQL: start, verify, intercept, undo."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG,
    MUG_CASE,
    PACKER,
    PHONE_GS1,
    SUPERVISOR_BADGE,
    SYRUP_GS1,
    TEA,
    TOY,
    Floor,
    floor_fixture,
    journal,
    module_store_fixture,
    packed_of,
    ready_to_close,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.models import (
    FloorTask,
    Order,
    PackedSerial,
    Parcel,
    ParcelLine,
)

# --- start ---------------------------------------------------------------------------------


def test_start_by_tote_order_slot_and_parcel_resumes_the_open_parcel(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 1}, tote="TOTE-0001")
    other = floor.order({"TOY-1": 1}, slot="WALL-1-07")
    parcel_id = start(floor, "TOTE-0001")
    assert start(floor, f"ORD-{order_id}") == parcel_id  # a restart continues the same parcel
    assert start(floor, f"PCL-{parcel_id}") == parcel_id
    assert packing.open_parcel_at_station(floor.store, PACKER.station) == parcel_id
    slot_parcel = start(floor, "WALL-1-07")
    assert slot_parcel != parcel_id
    with floor.store.read() as session:
        assert session.get_one(Parcel, slot_parcel).order_id == other
    assert [row.accepted for row in journal(floor.store, packing.START)] == [True] * 4


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("TOTE-0099", "no tote TOTE-0099: scan a printed tote label"),
        ("WALL-9-99", "no put-wall slot WALL-9-99: scan a printed put-wall slot label"),
        (MUG, "Scan a tote"),
        ("TOTE-", "not a valid tote label"),
        ("ORD-777777", "No order"),
    ],
)
def test_start_refuses_what_is_not_a_pack(floor: Floor, code: str, words: str) -> None:
    result = packing.start_pack(floor.store, PACKER, code)
    assert not result.accepted
    assert words in result.reason
    assert journal(floor.store, packing.START)[-1].accepted is False


def test_orders_of_one_buyer_are_packed_together(floor: Floor) -> None:
    first = floor.order({"MUG-1": 1}, tote="TOTE-0001", merge_group="B1")
    second = floor.order({"TOY-1": 1}, tote="TOTE-0002", merge_group="B1")
    parcel_id = start(floor, "TOTE-0002")
    assert start(floor, "TOTE-0001") == parcel_id
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None and view.order_ids == (first, second) and view.remaining == 0


def test_a_merged_shipment_names_the_totes_and_slots_to_bring(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001", merge_group="B1")
    floor.order({"TOY-1": 1}, slot="WALL-1-07", merge_group="B1")
    floor.order({"TEA-1": 1}, tote="TOTE-0003")  # another buyer's, alone
    merged = packing.start_pack(floor.store, PACKER, "TOTE-0001")
    assert merged.accepted
    assert merged.reason.endswith("bring TOTE-0001, WALL-1-07")
    alone = packing.start_pack(floor.store, PACKER, "TOTE-0003")
    assert alone.accepted and "bring" not in alone.reason


def test_merged_order_not_picked_yet_is_waited_for(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001", merge_group="B1")
    late = floor.order({"TOY-1": 1}, merge_group="B1", status="released")
    result = packing.start_pack(floor.store, PACKER, "TOTE-0001")
    assert not result.accepted and f"ORD-{late}" in result.reason


# --- intercept ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["intercepted", "cancelled"])
def test_intercepted_order_is_stopped_with_restock_work(floor: Floor, how: str) -> None:
    order_id = floor.order({"MUG-1": 2, "TOY-1": 1}, tote="TOTE-0001")
    with floor.store.write() as session:
        order = session.get_one(Order, order_id)
        if how == "cancelled":
            order.status = "cancelled"
        order.intercepted = True
    result = packing.start_pack(floor.store, PACKER, "TOTE-0001")
    assert not result.accepted and result.stop
    assert result.reason.startswith("STOP")
    packing.start_pack(floor.store, PACKER, f"ORD-{order_id}")  # again: restock made once
    with floor.store.read() as session:
        tasks = session.exec(select(FloorTask).where(FloorTask.order_id == order_id)).all()
        assert sorted((t.kind, t.qty) for t in tasks) == [("restock", 1), ("restock", 2)]
        assert session.exec(select(Parcel)).all() == []
    assert [r.accepted for r in journal(floor.store, packing.START)] == [False, False]


def test_intercept_during_the_pack_stops_scans_and_the_label(floor: Floor, tmp_path: Path) -> None:
    order_id = floor.order({"MUG-1": 2}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    ready_to_close(floor, parcel_id, grams=240 + 350)
    with floor.store.write() as session:
        session.get_one(Order, order_id).intercepted = True
    scan = packing.verify_scan(floor.store, PACKER, parcel_id, MUG)
    assert not scan.accepted and scan.stop
    label = tmp_path / "labels.zpl"
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(label))
    assert not closed.accepted and closed.stop
    assert not label.exists()
    with floor.store.read() as session:
        assert session.get_one(Parcel, parcel_id).status == "cancelled"
        assert session.get_one(Parcel, parcel_id).tracking is None
        assert session.exec(select(FloorTask)).first() is not None
    assert packed_of(floor.store, order_id) == {"MUG-1": 0}  # the voided parcel counts out


# --- verify -------------------------------------------------------------------------------------


def test_each_barcode_and_case_counts_and_over_scan_counts_nothing(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 7}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    case = packing.verify_scan(floor.store, PACKER, parcel_id, MUG_CASE)
    assert case.accepted and case.units == 6 and case.packed == 6 and case.expected == 7
    second_case = packing.verify_scan(floor.store, PACKER, parcel_id, MUG_CASE)
    assert not second_case.accepted and "only 1" in second_case.reason
    assert packing.verify_scan(floor.store, PACKER, parcel_id, f"]E0{MUG}").accepted
    over = packing.verify_scan(floor.store, PACKER, parcel_id, MUG)
    assert not over.accepted and "Over-scan" in over.reason
    assert packed_of(floor.store, order_id) == {"MUG-1": 7}
    with floor.store.read() as session:
        assert [line.qty for line in session.exec(select(ParcelLine))] == [7]
    rows = journal(floor.store, packing.SCAN)
    assert [r.accepted for r in rows] == [True, False, True, False]
    assert all(r.task_ref == f"PCL-{parcel_id}" and r.order_id == order_id for r in rows)


def test_wrong_item_and_item_of_another_order_are_refused(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    floor.order({"TOY-1": 1}, tote="TOTE-0002")
    parcel_id = start(floor, "TOTE-0001")
    other = packing.verify_scan(floor.store, PACKER, parcel_id, TOY)
    assert not other.accepted and "another order" in other.reason
    wrong = packing.verify_scan(floor.store, PACKER, parcel_id, TEA)
    assert not wrong.accepted and "WRONG ITEM" in wrong.reason
    unknown = packing.verify_scan(floor.store, PACKER, parcel_id, "4006381333932")
    assert not unknown.accepted and "check digit" in unknown.reason
    label = packing.verify_scan(floor.store, PACKER, parcel_id, "TOTE-0002")
    assert not label.accepted and "scan the items" in label.reason
    assert [r.accepted for r in journal(floor.store, packing.SCAN)] == [False] * 4


def test_a_double_trigger_is_refused_inside_the_window(floor: Floor) -> None:
    floor.order({"MUG-1": 3}, tote="TOTE-0001")
    with floor.store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 150)
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    double = packing.verify_scan(floor.store, PACKER, parcel_id, MUG)
    assert not double.accepted and double.duplicate
    time.sleep(0.2)
    again = packing.verify_scan(floor.store, PACKER, parcel_id, MUG)
    assert again.accepted and again.packed == 2


def test_serial_tracked_item_needs_a_unique_serial(floor: Floor) -> None:
    floor.order({"PHN-1": 2}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    plain = packing.verify_scan(floor.store, PACKER, parcel_id, "09501101020917")
    assert not plain.accepted and "serial" in plain.reason
    first = PHONE_GS1.format(serial="SN1")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, first).accepted
    twice = packing.verify_scan(floor.store, PACKER, parcel_id, first)
    assert not twice.accepted and "SN1" in twice.reason
    assert packing.verify_scan(
        floor.store, PACKER, parcel_id, PHONE_GS1.format(serial="SN2")
    ).accepted
    with floor.store.read() as session:
        assert session.exec(select(ParcelLine)).one().serials == ["SN1", "SN2"]


def test_a_serial_packed_in_another_parcel_is_refused_until_that_parcel_is_voided(
    floor: Floor,
) -> None:
    """One phone, one IMEI: the unit cannot go out twice, whichever station scans it."""
    floor.order({"PHN-1": 1}, tote="TOTE-0001")
    second_order = floor.order({"PHN-1": 1}, tote="TOTE-0002")
    first, second = start(floor, "TOTE-0001"), start(floor, "TOTE-0002")
    unit = PHONE_GS1.format(serial="IMEI-1")
    assert packing.verify_scan(floor.store, PACKER, first, unit).accepted
    elsewhere = packing.verify_scan(floor.store, PACKER, second, unit)
    assert not elsewhere.accepted and f"packed already, in PCL-{first}" in elsewhere.reason
    assert packed_of(floor.store, second_order) == {"PHN-1": 0}
    assert packing.undo_last_scan(floor.store, PACKER, first).accepted  # out of the first box
    assert packing.verify_scan(floor.store, PACKER, second, unit).accepted
    with floor.store.read() as session:
        [packed] = session.exec(select(PackedSerial)).all()
    assert (packed.serial, packed.parcel_id) == ("IMEI-1", second)


def test_an_over_scan_of_a_serial_keeps_the_serial_free(floor: Floor) -> None:
    floor.order({"PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    unit = PHONE_GS1.format(serial="A")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, unit).accepted
    over = packing.verify_scan(floor.store, PACKER, parcel_id, PHONE_GS1.format(serial="B"))
    assert not over.accepted and "Over-scan" in over.reason
    with floor.store.read() as session:
        assert [row.serial for row in session.exec(select(PackedSerial))] == ["A"]


def test_a_voided_parcel_frees_its_serials(floor: Floor) -> None:
    order_id = floor.order({"PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    unit = PHONE_GS1.format(serial="C")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, unit).accepted
    with floor.store.write() as session:
        session.get_one(Order, order_id).intercepted = True
    assert packing.start_pack(floor.store, PACKER, "TOTE-0001").stop  # the parcel is voided
    with floor.store.read() as session:
        assert session.exec(select(PackedSerial)).all() == []


def test_batch_tracked_item_needs_its_batch(floor: Floor) -> None:
    floor.order({"SYR-1": 1}, tote="TOTE-0001", lots={"SYR-1": ["L42"]})
    parcel_id = start(floor, "TOTE-0001")
    assert not packing.verify_scan(floor.store, PACKER, parcel_id, "04012345678901").accepted
    assert packing.verify_scan(
        floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch="L42")
    ).accepted
    with floor.store.read() as session:
        assert session.exec(select(ParcelLine)).one().batches == ["L42"]


def test_typed_quantity_only_where_the_sku_allows(floor: Floor) -> None:
    floor.order({"TEA-1": 12, "MUG-1": 3}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    tea = packing.enter_quantity(floor.store, PACKER, parcel_id, TEA, 12)
    assert tea.accepted and tea.packed == 12
    mug = packing.enter_quantity(floor.store, PACKER, parcel_id, MUG, 3)
    assert not mug.accepted and "scanned, not typed" in mug.reason
    assert [r.raw for r in journal(floor.store, packing.TYPED_QTY)] == [f"{TEA} x12", f"{MUG} x3"]


def test_undo_takes_back_the_last_counts_in_order(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 7, "PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    for code in (MUG, PHONE_GS1.format(serial="SN9"), MUG_CASE):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG_CASE).accepted is False
    undone = packing.undo_last_scan(floor.store, PACKER, parcel_id)
    assert undone.accepted and undone.units == -6
    assert packing.undo_last_scan(floor.store, PACKER, parcel_id).accepted  # the phone
    assert packed_of(floor.store, order_id) == {"MUG-1": 1, "PHN-1": 0}
    with floor.store.read() as session:
        assert [(pl.qty, pl.serials) for pl in session.exec(select(ParcelLine))] == [(1, [])]
    assert packing.undo_last_scan(floor.store, PACKER, parcel_id).accepted
    assert not packing.undo_last_scan(floor.store, PACKER, parcel_id).accepted
    assert [r.accepted for r in journal(floor.store, packing.UNDO)] == [True, True, True, False]
