"""The pack view (prepared reads) shows what the pack steps themselves read through the ORM:
the pack's orders and lines, the box suggested, the expected weight, the instructions
confirmed, the parcel's number and the STOP — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG,
    PACKER,
    TOY,
    Floor,
    floor_fixture,
    module_store_fixture,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.packing.finish import instructions_confirmed
from warehouse_tui.services.packing.group import members_of_parcel, stop_reason, stopped
from warehouse_tui.store.models import Order, OrderLine, Parcel, ParcelLine


def _as_the_steps_read_it(floor: Floor, parcel_id: int) -> dict[str, object]:
    """The view's fields as the ORM functions of the pack steps compute them."""
    with floor.store.read() as session:
        parcel = session.get_one(Parcel, parcel_id)
        lead, group = members_of_parcel(session, parcel.order_id)
        lines = session.exec(
            select(OrderLine)
            .where(col(OrderLine.order_id).in_([order.id for order in group]))
            .order_by(col(OrderLine.order_id), col(OrderLine.id))
        ).all()
        in_parcel = {
            row.order_line_id: row.qty
            for row in session.exec(select(ParcelLine).where(ParcelLine.parcel_id == parcel_id))
        }
        suggested = packing.suggest_box(session, parcel) if parcel.status == "open" else None
        halted = next((order for order in group if stopped(order)), None)
        parcels = session.exec(
            select(Parcel.id).where(Parcel.order_id == lead.id).order_by(col(Parcel.id))
        ).all()
        return {
            "status": parcel.status,
            "order_ids": tuple(order.id for order in group),
            "ship_name": lead.ship_name,
            "lines": tuple(
                (line.id, line.picked, line.packed, in_parcel.get(line.id, 0)) for line in lines
            ),
            "suggested_box": suggested.code if suggested else None,
            "expected_weight_g": packing.expected_weight(session, parcel),
            "instructions_confirmed": instructions_confirmed(session, parcel),
            "parcel_number": parcels.index(parcel_id) + 1,
            "stop": stop_reason(halted) if halted else "",
        }


def _as_the_view_shows_it(floor: Floor, parcel_id: int) -> dict[str, object]:
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None
    return {
        "status": view.status,
        "order_ids": view.order_ids,
        "ship_name": view.ship_name,
        "lines": tuple(
            (line.order_line_id, line.expected, line.packed, line.in_parcel) for line in view.lines
        ),
        "suggested_box": view.suggested_box,
        "expected_weight_g": view.expected_weight_g,
        "instructions_confirmed": view.instructions_confirmed,
        "parcel_number": view.parcel_number,
        "stop": view.stop,
    }


def test_the_view_agrees_with_the_steps_through_a_merged_pack(floor: Floor, tmp_path: Path) -> None:
    floor.order({"MUG-1": 2}, tote="TOTE-0001", merge_group="B1", tags=("gift",))
    floor.order({"TOY-1": 1, "MUG-1": 1}, tote="TOTE-0002", merge_group="B1", ship_name="Kim")
    parcel_id = start(floor, "TOTE-0001")
    assert _as_the_view_shows_it(floor, parcel_id) == _as_the_steps_read_it(floor, parcel_id)
    for code in (MUG, TOY):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    assert packing.choose_box(floor.store, PACKER, parcel_id, "BOX-M1").accepted
    assert packing.confirm_instructions(floor.store, PACKER, parcel_id).accepted
    view = _as_the_view_shows_it(floor, parcel_id)
    assert view == _as_the_steps_read_it(floor, parcel_id)
    assert view["instructions_confirmed"] and view["expected_weight_g"] == 350 + 200 + 240
    assert packing.record_weight(floor.store, PACKER, parcel_id, 790).accepted
    assert packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "l.zpl")).accepted
    assert _as_the_view_shows_it(floor, parcel_id) == _as_the_steps_read_it(floor, parcel_id)
    second = packing.new_parcel(floor.store, PACKER, parcel_id)
    assert second.accepted and second.parcel_id is not None
    assert packing.verify_scan(floor.store, PACKER, second.parcel_id, MUG).accepted
    shown = _as_the_view_shows_it(floor, second.parcel_id)
    assert shown == _as_the_steps_read_it(floor, second.parcel_id)
    assert shown["parcel_number"] == 2 and shown["suggested_box"] == "BOX-S1"


def test_the_view_shows_the_stop_of_a_cancelled_order(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    with floor.store.write() as session:
        session.get_one(Order, order_id).status = "cancelled"
    shown = _as_the_view_shows_it(floor, parcel_id)
    assert shown == _as_the_steps_read_it(floor, parcel_id)
    assert str(shown["stop"]).startswith("STOP")


def test_no_view_of_a_parcel_that_does_not_exist(floor: Floor) -> None:
    assert packing.pack_view(floor.store, 999_999) is None
