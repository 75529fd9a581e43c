"""An accepted count keeps its effect in the journal's columns, and undo takes back exactly that;
rows written before the columns existed get theirs from the old reason text on upgrade."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG_CASE,
    PACKER,
    PHONE_GS1,
    SYRUP_GS1,
    Floor,
    floor_fixture,
    journal,
    module_store_fixture,
    packed_of,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Journal, OrderLine, PackedSerial, ParcelLine


def test_a_count_journals_its_line_units_serial_and_batch(floor: Floor) -> None:
    order_id = floor.order(
        {"MUG-1": 6, "PHN-1": 1, "SYR-1": 2}, tote="TOTE-0001", lots={"SYR-1": ["L42"]}
    )
    parcel_id = start(floor, "TOTE-0001")
    for code in (MUG_CASE, PHONE_GS1.format(serial="SN7"), SYRUP_GS1.format(batch="L42")):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    with floor.store.read() as session:
        line_of = {
            line.sku_code: line.id
            for line in session.exec(select(OrderLine).where(OrderLine.order_id == order_id))
        }
    effects = [
        (row.effect_line_id, row.effect_units, row.effect_serial, row.effect_batch)
        for row in journal(floor.store, packing.SCAN)
    ]
    assert effects == [
        (line_of["MUG-1"], 6, None, None),
        (line_of["PHN-1"], 1, "SN7", None),
        (line_of["SYR-1"], 1, None, "L42"),
    ]
    assert journal(floor.store, packing.SCAN)[0].reason == "MUG-1 +6 (6/6)"


def test_a_refusal_has_no_effect(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert not packing.verify_scan(floor.store, PACKER, parcel_id, MUG_CASE).accepted
    (row,) = journal(floor.store, packing.SCAN)
    assert (row.effect_line_id, row.effect_units, row.effect_serial, row.effect_batch) == (
        None,
        None,
        None,
        None,
    )


def test_undo_takes_back_the_serial_and_batch_of_the_effect(floor: Floor) -> None:
    order_id = floor.order({"PHN-1": 1, "SYR-1": 2}, tote="TOTE-0001", lots={"SYR-1": ["L1", "L2"]})
    parcel_id = start(floor, "TOTE-0001")
    for code in (
        SYRUP_GS1.format(batch="L1"),
        SYRUP_GS1.format(batch="L2"),
        PHONE_GS1.format(serial="SN8"),
    ):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    assert packing.undo_last_scan(floor.store, PACKER, parcel_id).units == -1  # the phone
    assert packing.undo_last_scan(floor.store, PACKER, parcel_id).units == -1  # syrup of L2
    assert packed_of(floor.store, order_id) == {"PHN-1": 0, "SYR-1": 1}
    with floor.store.read() as session:
        assert [(line.serials, line.batches) for line in session.exec(select(ParcelLine))] == [
            ([], ["L1"])
        ]
        assert session.exec(select(PackedSerial)).all() == []
    undos = journal(floor.store, packing.UNDO)
    counts = journal(floor.store, packing.SCAN)
    assert [row.raw for row in undos] == [f"J{counts[2].id}", f"J{counts[1].id}"]


def test_upgrade_moves_an_old_count_effect_from_the_reason_into_the_columns(
    tmp_path: Path,
) -> None:
    store = Store(str(tmp_path / "old.db"))
    upgrade(store, "0002")
    rows = [
        ("pack.scan", 1, "L7+6"),
        ("pack.scan", 1, "L8+1 S=SN-1"),
        ("pack.qty", 1, "L9+12 B=LOT-3"),
        ("pack.scan", 0, "Over-scan: all 1 of MUG-1 are packed already — take it out"),
        ("pack.box", 1, "L1+1"),
    ]
    with store.engine.begin() as connection:
        for action, accepted, reason in rows:
            connection.execute(
                text(
                    "INSERT INTO journal (at, station, screen, task_ref, raw, action, accepted,"
                    " reason) VALUES ('2026-01-01 00:00:00', 'PACK-1', '', 'PCL-1', '', :action,"
                    " :accepted, :reason)"
                ),
                {"action": action, "accepted": accepted, "reason": reason},
            )
    upgrade(store)
    with store.read() as session:
        effects = [
            (row.effect_line_id, row.effect_units, row.effect_serial, row.effect_batch)
            for row in session.exec(select(Journal).order_by(Journal.id))
        ]
    store.dispose()
    assert effects == [
        (7, 6, None, None),
        (8, 1, "SN-1", None),
        (9, 12, None, "LOT-3"),
        (None, None, None, None),
        (None, None, None, None),
    ]
