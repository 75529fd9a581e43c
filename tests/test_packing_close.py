"""The pack station's services on SQLite and PostgreSQL: box, instructions, weigh, close with a
label, several parcels, reprint."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

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
from tests.support.zpl import parse_zpl_fields
from warehouse_tui.services import packing
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.models import (
    Carrier,
    Journal,
    Operator,
    Order,
    Outbox,
    Parcel,
    ParcelLine,
    Shop,
    Tote,
    TrackingPool,
    WallSlot,
)

# --- box, instructions, weight ---------------------------------------------------------------


def test_suggested_box_is_the_smallest_that_fits(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    floor.order({"MUG-1": 6}, tote="TOTE-0002")
    floor.order({"TOY-1": 3}, tote="TOTE-0003")
    small, medium, full = (start(floor, f"TOTE-000{n}") for n in (1, 2, 3))
    with floor.store.read() as session:
        suggested = [
            box.code if (box := packing.suggest_box(session, session.get_one(Parcel, p))) else None
            for p in (small, medium, full)
        ]
    # three 1-litre toys fill more than 80 % of the 3-litre small box
    assert suggested == ["BOX-S1", "BOX-M1", "BOX-M1"]
    choice = packing.choose_box(floor.store, PACKER, small, "BOX-S1")
    assert choice.accepted
    unknown = packing.choose_box(floor.store, PACKER, small, "BOX-Q9")
    assert not unknown.accepted and unknown.reason == "no box BOX-Q9: scan a printed box label"
    assert not packing.choose_box(floor.store, PACKER, small, MUG).accepted


def test_instructions_must_be_confirmed_before_close(floor: Floor, tmp_path: Path) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001", tags=("gift", "fragile"), instructions="Card: Hi")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    assert packing.choose_box(floor.store, PACKER, parcel_id, "BOX-S1").accepted
    assert packing.record_weight(floor.store, PACKER, parcel_id, 310).accepted
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None
    assert view.instructions[0] == "Card: Hi" and len(view.instructions) == 3
    refused = packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "l.zpl"))
    assert not refused.accepted and "instructions" in refused.reason
    assert packing.confirm_instructions(floor.store, PACKER, parcel_id).accepted
    assert packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "l.zpl")).accepted


def test_weight_out_of_tolerance_sends_the_parcel_back_to_verify(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 2}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert not packing.record_weight(floor.store, PACKER, parcel_id, 900).accepted  # no items
    for _ in range(2):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    assert "box" in packing.record_weight(floor.store, PACKER, parcel_id, 900).reason
    empty_scale = packing.record_weight(floor.store, PACKER, parcel_id, 0.0)
    assert empty_scale.reason == "Choose the box first (scan BOX-…)"  # why the scale reads 0
    assert packing.choose_box(floor.store, PACKER, parcel_id, "BOX-M1").accepted
    empty_scale = packing.record_weight(floor.store, PACKER, parcel_id, 0.0)
    assert empty_scale.reason.startswith("The scale reads 0 g: put the parcel on it")
    # expected 2 × 350 + 240 = 940 g; tolerance max(30 g, 3 %) = 30 g
    assert packing.record_weight(floor.store, PACKER, parcel_id, 969).accepted
    wrong = packing.record_weight(floor.store, PACKER, parcel_id, 1290)
    assert not wrong.accepted and wrong.back_to_verify and "940" in wrong.reason
    assert packed_of(floor.store, order_id) == {"MUG-1": 0}
    assert not packing.undo_last_scan(floor.store, PACKER, parcel_id).accepted
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    assert [r.accepted for r in journal(floor.store, packing.WEIGH)] == [
        False,
        False,
        False,
        False,
        True,
        False,
    ]


def test_typed_weight_needs_a_supervisor_badge_and_pin(floor: Floor) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    assert packing.choose_box(floor.store, PACKER, parcel_id, "BOX-S1").accepted
    own = packing.typed_weight(floor.store, PACKER, parcel_id, 310, "OP-1000000002", "1234")
    assert not own.accepted and "not a supervisor" in own.reason
    wrong = packing.typed_weight(floor.store, PACKER, parcel_id, 310, SUPERVISOR_BADGE, "9999")
    assert not wrong.accepted and "wrong PIN" in wrong.reason
    assert supervisor_failed_pins(floor) == 1
    right = packing.typed_weight(floor.store, PACKER, parcel_id, 310, SUPERVISOR_BADGE, "1234")
    assert right.accepted, right.reason
    assert supervisor_failed_pins(floor) == 0  # a right PIN clears the count, as a log-in does
    rows = journal(floor.store, packing.TYPED_WEIGHT)
    assert [(r.accepted, r.operator_id, r.authorised_by) for r in rows] == [
        (False, 2, None),
        (False, 2, None),
        (True, 2, 3),
    ]


def test_a_locked_supervisor_cannot_authorise_a_typed_weight(floor: Floor) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    assert packing.choose_box(floor.store, PACKER, parcel_id, "BOX-S1").accepted
    for _attempt in range(5):  # the login setting's attempts: the fifth wrong PIN locks
        assert not packing.typed_weight(
            floor.store, PACKER, parcel_id, 310, SUPERVISOR_BADGE, "0000"
        ).accepted
    locked = packing.typed_weight(floor.store, PACKER, parcel_id, 310, SUPERVISOR_BADGE, "1234")
    assert not locked.accepted and "Locked" in locked.reason
    with floor.store.read() as session:
        assert session.get_one(Parcel, parcel_id).weight_g is None
        locks = session.exec(select(Journal).where(Journal.action == "operator.locked")).all()
    assert [row.operator_id for row in locks] == [3]


def supervisor_failed_pins(floor: Floor) -> int:
    with floor.store.read() as session:
        return session.get_one(Operator, 3).failed_pins


# --- close, label, multi-parcel -----------------------------------------------------------------


def test_close_prints_the_label_and_packs_the_order(floor: Floor, tmp_path: Path) -> None:
    order_id = floor.order({"MUG-1": 1, "TOY-1": 1}, tote="TOTE-0001", ship_name="王芳")
    parcel_id = start(floor, "TOTE-0001")
    for code in (MUG, TOY):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    early = packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "x.zpl"))
    assert not early.accepted and "box" in early.reason
    ready_to_close(floor, parcel_id)
    label = tmp_path / "labels.zpl"
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(label))
    assert closed.accepted and closed.order_packed
    assert closed.tracking == "JJD0000000001"
    zpl = label.read_text(encoding="utf-8")
    data = [field.data for field in parse_zpl_fields(zpl)]
    assert "^CI28" in zpl and "王芳" in data and "JJD0000000001" in data
    assert f"ORD-{order_id}" in data and "DHL Paket national" in data
    with floor.store.read() as session:
        assert session.get_one(Order, order_id).status == "packed"
        assert session.exec(select(Tote)).one().order_id is None
        assert session.exec(select(TrackingPool)).one().next_number == 2
    again = packing.close_parcel(floor.store, PACKER, parcel_id, str(label))
    assert not again.accepted
    reprint = packing.reprint_label(floor.store, PACKER, parcel_id, str(label))
    assert reprint.accepted
    assert label.read_text(encoding="utf-8").count("REPRINT") == 1
    assert [r.accepted for r in journal(floor.store, packing.REPRINT)] == [True]


def test_a_big_order_goes_into_several_parcels(floor: Floor, tmp_path: Path) -> None:
    order_id = floor.order({"MUG-1": 2, "TOY-1": 1}, slot="WALL-1-03")
    first = start(floor, "WALL-1-03")
    assert packing.verify_scan(floor.store, PACKER, first, MUG).accepted
    assert not packing.new_parcel(floor.store, PACKER, first).accepted  # close this one first
    ready_to_close(floor, first)
    label = str(tmp_path / "labels.zpl")
    partial = packing.close_parcel(floor.store, PACKER, first, label)
    assert partial.accepted and not partial.order_packed
    second = packing.new_parcel(floor.store, PACKER, first)
    assert second.accepted and second.parcel_id is not None and second.parcel_id != first
    for code in (MUG, TOY):
        assert packing.verify_scan(floor.store, PACKER, second.parcel_id, code).accepted
    ready_to_close(floor, second.parcel_id)
    last = packing.close_parcel(floor.store, PACKER, second.parcel_id, label)
    assert last.accepted and last.order_packed
    with floor.store.read() as session:
        lines = session.exec(select(ParcelLine).order_by(ParcelLine.id)).all()
        assert [(pl.parcel_id, pl.qty) for pl in lines] == [
            (first, 1),
            (second.parcel_id, 1),
            (second.parcel_id, 1),
        ]
        assert session.get_one(Order, order_id).status == "packed"
        slot = session.exec(select(WallSlot)).one()
        assert (slot.order_id, slot.status) == (None, "free")
    assert not packing.new_parcel(floor.store, PACKER, second.parcel_id).accepted


def test_a_failing_printer_leaves_the_parcel_open(floor: Floor, tmp_path: Path) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    ready_to_close(floor, parcel_id)
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = str(tmp_path / "a-file" / "x.zpl")
    failed = packing.close_parcel(floor.store, PACKER, parcel_id, unwritable)
    assert not failed.accepted and "Cannot write" in failed.reason
    with floor.store.read() as session:
        assert session.get_one(Parcel, parcel_id).status == "open"
        assert session.exec(select(TrackingPool)).one().next_number == 1
    assert journal(floor.store, packing.CLOSE)[-1].accepted is False
    assert journal(floor.store, packing.PRINT) == []  # refused before the close
    assert packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "x.zpl")).accepted


def test_a_printer_out_of_reach_leaves_the_parcel_open(floor: Floor) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    ready_to_close(floor, parcel_id)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]  # nothing listens there once it is closed
    failed = packing.close_parcel(floor.store, PACKER, parcel_id, f"tcp://127.0.0.1:{port}")
    assert not failed.accepted and "cannot be reached" in failed.reason
    with floor.store.read() as session:
        assert session.get_one(Parcel, parcel_id).status == "open"
        assert session.exec(select(TrackingPool)).one().next_number == 1
    assert journal(floor.store, packing.CLOSE)[-1].accepted is False
    assert journal(floor.store, packing.PRINT) == []


def test_a_file_printer_gets_its_folder(floor: Floor, tmp_path: Path) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    ready_to_close(floor, parcel_id)
    labels = tmp_path / "new" / "labels.zpl"
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(labels))
    assert closed.accepted and closed.label_printed
    assert closed.tracking and closed.tracking in labels.read_text("utf-8")


def test_a_print_that_fails_after_the_close_is_printed_again_with_the_same_number(
    floor: Floor, tmp_path: Path
) -> None:
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    ready_to_close(floor, parcel_id)
    failed = packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path))  # a folder
    assert not failed.accepted and not failed.label_printed
    assert "Cannot write" in failed.reason and "F10" in failed.reason
    assert failed.tracking == "JJD0000000001" and failed.order_packed
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None and view.status == "closed" and view.label_due
    assert packing.unprinted_parcel_at_station(floor.store, PACKER.station) == parcel_id
    assert [row.accepted for row in journal(floor.store, packing.CLOSE)] == [True]
    assert [row.accepted for row in journal(floor.store, packing.PRINT)] == [False]
    zpl = tmp_path / "x.zpl"
    printed = packing.reprint_label(floor.store, PACKER, parcel_id, str(zpl))
    assert printed.accepted and printed.label_printed and printed.tracking == failed.tracking
    fields = [field.data for field in parse_zpl_fields(zpl.read_text("utf-8"))]
    assert failed.tracking in fields and "REPRINT" not in fields  # its first label
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None and not view.label_due
    assert packing.unprinted_parcel_at_station(floor.store, PACKER.station) is None
    with floor.store.read() as session:
        assert session.exec(select(TrackingPool)).one().next_number == 2


def test_a_shop_told_at_label_time_gets_its_fulfilment(floor: Floor, tmp_path: Path) -> None:
    with floor.store.write() as session:
        session.add(Shop(code="MKT", name="Marketplace", announce_at="label"))
    floor.order({"TOY-1": 1}, tote="TOTE-0001", shop="MKT")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    ready_to_close(floor, parcel_id)
    assert packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "x.zpl")).accepted
    with floor.store.read() as session:
        event = session.exec(select(Outbox)).one()
        assert event.payload["tracking_numbers"] == ["JJD0000000001"]


def test_a_pre_printed_label_gives_the_parcel_its_tracking_number(
    floor: Floor, tmp_path: Path
) -> None:
    with floor.store.write() as session:
        dhl = session.exec(select(Carrier).where(Carrier.code == "DHL")).one()
        dhl.tracking_pattern = r"JJD\d{10}"
        session.add(Carrier(code="UPS", name="UPS", tracking_pattern=r"1Z[0-9A-Z]{16}"))
    floor.order({"TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).accepted
    wrong = packing.verify_scan(floor.store, PACKER, parcel_id, "1Z999AA10123456784")
    assert not wrong.accepted and "UPS label" in wrong.reason
    label = packing.verify_scan(floor.store, PACKER, parcel_id, "JJD5550000001")
    assert label.accepted and "JJD5550000001" in label.reason
    ready_to_close(floor, parcel_id)
    zpl = tmp_path / "labels.zpl"
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(zpl))
    assert closed.accepted and closed.tracking == "JJD5550000001"
    assert "JJD5550000001" in [field.data for field in parse_zpl_fields(zpl.read_text("utf-8"))]
    with floor.store.read() as session:
        assert session.exec(select(TrackingPool)).one().next_number == 1  # the pool untouched
    assert [r.accepted for r in journal(floor.store, packing.PREPRINTED)] == [False, True]
    floor.order({"MUG-1": 1}, tote="TOTE-0002")
    other = start(floor, "TOTE-0002")
    reused = packing.verify_scan(floor.store, PACKER, other, "JJD5550000001")
    assert not reused.accepted and f"on PCL-{parcel_id} already" in reused.reason


def test_the_label_names_ship_date_and_return_address(floor: Floor, tmp_path: Path) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    sender = {
        "name": "Teeladen GmbH",
        "address": "Hafenstraße 1",
        "postcode": "20457",
        "city": "Hamburg",
        "country": "DE",
    }
    with floor.store.write() as session:
        set_setting(session, "return_address", sender)
        set_setting(session, "timezone", "Pacific/Kiritimati")  # UTC+14: the local day ahead
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    ready_to_close(floor, parcel_id)
    label = tmp_path / "labels.zpl"
    assert packing.close_parcel(floor.store, PACKER, parcel_id, str(label)).accepted
    data = [field.data for field in parse_zpl_fields(label.read_text(encoding="utf-8"))]
    with floor.store.read() as session:
        closed_at = session.get_one(Parcel, parcel_id).closed_at
    assert closed_at is not None
    local_day = (closed_at + timedelta(hours=14)).date().isoformat()
    assert f"SHIP {local_day}" in data
    assert "FROM / RETURN TO: Teeladen GmbH, Hafenstraße 1, 20457 Hamburg, DE" in data
    assert "PARCEL 1/1" in data
