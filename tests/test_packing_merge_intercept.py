"""One order of a buyer's merged pack is cancelled after release: it is stopped at the pack
station, leaves the pack, and the buyer's other orders are verified again and go out without it
— also when the cancellation comes after their shared parcel was closed (SQLite and
PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG,
    PACKER,
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
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import (
    cancel_order,
    complete_restock,
    leave_merge_group,
    order_summary,
)
from warehouse_tui.services.shipping import load_parcel
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    Order,
    OrderLine,
    Outbox,
    Parcel,
    Shop,
    Stock,
)

DESK = Actor(None, "DESK", "cli")
LOADER = Actor(None, "LOAD-1", "LoadScreen")


def merged_pair(floor: Floor, shop: str = "WEB") -> tuple[int, int]:
    """Two picked orders of one buyer, each line picked from a shelf of its own, so cancelling
    one leaves restock work to do before the cancellation can apply."""
    mug = floor.order({"MUG-1": 1}, tote="TOTE-0001", merge_group="M1", shop=shop)
    toy = floor.order({"TOY-1": 1}, tote="TOTE-0002", merge_group="M1", shop=shop)
    with floor.store.write() as session:
        lines = session.exec(select(OrderLine).order_by(OrderLine.id)).all()
        for bay, line in enumerate(lines, start=1):
            location = Location(
                code=f"LOC-A01-{bay:02d}-1",
                zone="A",
                block=0,
                aisle=0,
                position_m=bay * 1.5,
                bay=bay,
                level=1,
            )
            session.add(location)
            session.flush()
            stock = Stock(location_id=location.id, sku_id=line.sku_id, on_hand=5)
            session.add(stock)
            session.flush()
            assert stock.id is not None and line.id is not None
            session.add(
                Allocation(order_line_id=line.id, stock_id=stock.id, qty=line.qty, picked=line.qty)
            )
    return mug, toy


def restock_everything(floor: Floor) -> None:
    with floor.store.read() as session:
        tasks = session.exec(select(FloorTask.id).where(FloorTask.status == "open")).all()
    assert tasks
    for task_id in tasks:
        assert complete_restock(floor.store, DESK, task_id).accepted


def statuses(floor: Floor, *ids: int) -> list[tuple[str, str | None]]:
    with floor.store.read() as session:
        orders = [session.get_one(Order, order_id) for order_id in ids]
        return [(order.status, order.merge_group) for order in orders]


def pack_alone(floor: Floor, order_id: int, code: str, label: Path) -> int:
    """Pack one order again from its order label; the parcel's id."""
    parcel_id = start(floor, f"ORD-{order_id}")
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None and view.order_ids == (order_id,)
    assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    ready_to_close(floor, parcel_id)
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(label))
    assert closed.accepted and closed.order_packed, closed.reason
    return parcel_id


def verified_together(floor: Floor, tote: str, shop: str = "WEB") -> tuple[int, int, int]:
    """The merged pair, started from `tote` and both items verified into one parcel. Returns the
    mug's and toy's order ids and the parcel."""
    mug, toy = merged_pair(floor, shop=shop)
    parcel_id = start(floor, tote)
    for code in (MUG, TOY):
        assert packing.verify_scan(floor.store, PACKER, parcel_id, code).accepted
    return mug, toy, parcel_id


def packed_together_then_one_cancelled(
    floor: Floor, label: Path, shop: str = "WEB"
) -> tuple[int, int, int]:
    """The merged pair verified into one parcel, closed with its label; then the toy's order is
    cancelled. Returns the mug's and toy's order ids and the parcel."""
    mug, toy, parcel_id = verified_together(floor, "TOTE-0001", shop)
    ready_to_close(floor, parcel_id)
    assert packing.close_parcel(floor.store, PACKER, parcel_id, str(label)).order_packed
    assert cancel_order(floor.store, DESK, f"ORD-{toy}").accepted
    return mug, toy, parcel_id


def test_a_cancelled_lead_mid_pack_leaves_and_the_rest_is_packed_alone(
    floor: Floor, tmp_path: Path
) -> None:
    mug, toy, parcel_id = verified_together(floor, "TOTE-0002")
    assert cancel_order(floor.store, DESK, f"ORD-{mug}").accepted  # the group's lead

    scan = packing.verify_scan(floor.store, PACKER, parcel_id, MUG)
    assert not scan.accepted and scan.stop
    view = packing.pack_view(floor.store, parcel_id)
    assert view is not None and view.stop.startswith("STOP")
    again = packing.start_pack(floor.store, PACKER, "TOTE-0002")

    assert not again.accepted and again.stop
    assert "CANCELLED" in again.reason and f"scan ORD-{toy}" in again.reason
    with floor.store.read() as session:
        assert session.get_one(Parcel, parcel_id).status == "cancelled"
    assert packed_of(floor.store, toy) == {"TOY-1": 0}  # the box is verified again
    assert statuses(floor, mug, toy) == [("picked", None), ("picked", None)]  # toy: alone now
    assert [row.order_id for row in journal(floor.store, "merge-split")] == [mug]

    pack_alone(floor, toy, TOY, tmp_path / "labels.zpl")
    restock_everything(floor)  # the mug is back on its shelf: the cancellation applies
    assert statuses(floor, mug, toy) == [("cancelled", None), ("packed", None)]
    assert packed_of(floor.store, toy) == {"TOY-1": 1}


def test_a_member_cancelled_after_the_label_voids_the_parcel_and_the_rest_ships(
    floor: Floor, tmp_path: Path
) -> None:
    label = tmp_path / "labels.zpl"
    mug, _toy, parcel_id = packed_together_then_one_cancelled(floor, label)

    refused = load_parcel(floor.store, LOADER, "DHL", f"PCL-{parcel_id}")
    assert not refused.accepted and refused.stop
    back = packing.start_pack(floor.store, PACKER, f"PCL-{parcel_id}")

    assert not back.accepted and back.stop and f"scan ORD-{mug}" in back.reason
    with floor.store.read() as session:
        voided = session.get_one(Parcel, parcel_id)
        assert voided.status == "cancelled" and voided.tracking is not None
    assert [row.raw for row in journal(floor.store, "parcel-void")] == [voided.tracking]
    assert statuses(floor, mug)[0] == ("picked", None)
    assert packed_of(floor.store, mug) == {"MUG-1": 0}
    assert not packing.reprint_label(floor.store, PACKER, parcel_id, str(label)).accepted

    repacked = pack_alone(floor, mug, MUG, label)
    loaded = load_parcel(floor.store, LOADER, "DHL", f"PCL-{repacked}")
    assert loaded.accepted and loaded.order_shipped, loaded.reason
    assert statuses(floor, mug)[0][0] == "shipped"
    assert not load_parcel(floor.store, LOADER, "DHL", f"PCL-{parcel_id}").accepted


def test_those_left_are_renamed_so_a_returning_order_cannot_rejoin_them(floor: Floor) -> None:
    """The lead leaves a three-order shipment: the other two become a group named after their
    own lowest id, so the lead's old name, given again when it is audited anew, is not theirs."""
    lead, *rest = (
        floor.order({"MUG-1": 1}, tote=f"TOTE-000{n}", merge_group="M1") for n in (1, 2, 3)
    )
    with floor.store.write() as session:
        leave_merge_group(session, DESK, session.get_one(Order, lead))
    assert statuses(floor, lead, *rest) == [
        ("picked", None),
        ("picked", f"M{rest[0]}"),
        ("picked", f"M{rest[0]}"),
    ]


def test_a_shop_told_at_label_time_hears_the_voided_parcel_and_then_the_new_one(
    floor: Floor, tmp_path: Path
) -> None:
    with floor.store.write() as session:
        session.add(Shop(code="MKT", name="Marketplace", announce_at="label"))
    label = tmp_path / "labels.zpl"
    mug, _toy, parcel_id = packed_together_then_one_cancelled(floor, label, shop="MKT")
    assert packing.start_pack(floor.store, PACKER, f"PCL-{parcel_id}").stop

    repacked = pack_alone(floor, mug, MUG, label)

    with floor.store.read() as session:
        events = session.exec(select(Outbox).order_by(Outbox.id)).all()
        voided = session.get_one(Parcel, parcel_id).tracking
        fresh = session.get_one(Parcel, repacked).tracking
    kinds = [(e.event, e.payload["tracking_numbers"]) for e in events]
    assert kinds == [
        ("fulfilment", [voided]),  # the mug, announced with the shared parcel
        ("fulfilment", [voided]),  # the toy
        ("fulfilment-void", [voided]),
        ("fulfilment-void", [voided]),
        ("fulfilment", [fresh]),  # the mug again, in its new parcel
    ]


def test_order_show_lists_the_lead_s_parcel_for_every_merged_order(floor: Floor) -> None:
    mug, toy, parcel_id = verified_together(floor, "TOTE-0002")
    for order_id in (mug, toy):
        summary = order_summary(floor.store, f"ORD-{order_id}")
        assert summary is not None and [p["id"] for p in summary["parcels"]] == [parcel_id]
