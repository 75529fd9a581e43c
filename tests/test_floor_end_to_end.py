"""The whole floor through the services, on both databases: import, audit (two orders of one
buyer merged), a pick-by-order wave, picking, packing with a label to a file printer, loading.
Then an order cancelled after picking (stopped at the pack station, restock work) and a merged
order cancelled after packing (its group's parcel refused at the truck)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import select

from tests.support.picking_floor import PICKER, SKUS, seed_floor
from tests.support.waves_floor import ACTOR, add_carrier
from warehouse_tui.services import packing, picking, shipping
from warehouse_tui.services.audit import audit_orders
from warehouse_tui.services.importing import ImportKind, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    BoxType,
    Carrier,
    FloorTask,
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    Outbox,
    Parcel,
    ParcelStatus,
    Sku,
    Stock,
    TrackingPool,
)

PACKER = Actor(2, "PACK-1", "PackScreen")
LOADER = Actor(3, "DOCK-1", "LoadScreen")
BOX = "BOX-M1"
ADA = {"id": "C-7", "name": "Ada Lovelace"}
ADA_HOME = {
    "name": "Ada Lovelace",
    "address1": "12 St James's Square",
    "city": "London",
    "postcode": "SW1Y 4JH",
    "country": "GB",
}
BOB_HOME = {**ADA_HOME, "name": "Bob Stone", "address1": "3 Baker Street"}


def seed(store: Store) -> None:
    """The picking floor (operators, SKUs with barcodes, located stock), a DHL carrier with a
    number pool and one box type. Scans come faster than a double trigger here."""
    seed_floor(store)
    with store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
        add_carrier(session, "DHL")
        carrier = session.exec(select(Carrier).where(Carrier.code == "DHL")).one()
        session.add(
            TrackingPool(
                carrier_id=carrier.id, prefix="JJD", next_number=1, last_number=999, width=10
            )
        )
        session.add(
            BoxType(
                code=BOX, name="Medium box", length_mm=400, width_mm=300, height_mm=300, tare_g=240
            )
        )


def order_record(
    number: str,
    lines: dict[str, int],
    *,
    buyer: dict[str, str],
    ship_to: dict[str, str],
    tags: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "shop": "web",
        "shop_order_id": number,
        "buyer": {**buyer, "tags": list(tags)},
        "ship_to": ship_to,
        "carrier": "DHL",
        "service": "STD",
        "lines": [
            {"sku": sku, "qty": qty, "shop_line_id": f"{number}-{index}"}
            for index, (sku, qty) in enumerate(lines.items(), start=1)
        ],
    }


def import_orders(store: Store, *records: dict[str, Any]) -> None:
    result = import_records(store, ImportKind.ORDERS, records, actor=ACTOR)
    assert result.accepted, result.errors


def cancel(store: Store, number: str) -> None:
    import_orders(store, {"shop": "web", "shop_order_id": number, "version": 2, "cancelled": True})


def stock_by_sku(store: Store) -> dict[str, tuple[int, int]]:
    """SKU code → (on hand, allocated) over all its lots."""
    with store.read() as session:
        rows = session.execute(select(Sku.code, Stock.on_hand, Stock.allocated).join(Sku)).all()
    totals: dict[str, tuple[int, int]] = {}
    for code, on_hand, allocated in rows:
        held, reserved = totals.get(code, (0, 0))
        totals[code] = (held + on_hand, reserved + allocated)
    return totals


def orders_by_number(store: Store) -> dict[str, Order]:
    with store.read() as session:
        return {order.shop_order_id: order for order in session.exec(select(Order))}


def audit_and_release(store: Store) -> None:
    audit_orders(store, ACTOR)
    released = release_wave(store, ACTOR, WaveRules(strategy="pick-by-order"))
    assert released["accepted"], released["reason"]


def pick_everything(store: Store) -> dict[str, str]:
    """Claim and walk every pick list: an empty tote per order, then each stop's location, its
    units and the order's tote. Returns order ref → tote code."""
    totes: dict[str, str] = {}
    while (task := picking.claim_next_task(store, PICKER)) is not None:
        stop = picking.current_stop(store, task.task_id)
        while stop is not None:
            if stop.expect is picking.Expect.EMPTY_TOTE:
                assert stop.bind_order_ref is not None
                code = f"TOTE-{len(totes) + 1:04d}"
                totes[stop.bind_order_ref] = code
                scans = [code]
            else:
                units = [SKUS[stop.sku_code].ean] * stop.remaining
                scans = [stop.location_code, *units, stop.tote_code or ""]
            for code in scans:
                outcome = picking.scan_at_stop(store, PICKER, task.task_id, code)
                assert outcome.accepted, (code, outcome.reason)
            stop = outcome.stop
        assert outcome.task_done
    return totes


def pack(store: Store, tote: str, printer: Path) -> int:
    """Pack the tote's pack into one parcel; returns the parcel id."""
    parcel_id = start(store, tote)
    view = packing.pack_view(store, parcel_id)
    assert view is not None
    closed = fill_and_close(store, parcel_id, view.lines, printer)
    assert closed.order_packed
    return parcel_id


def start(store: Store, tote: str) -> int:
    started = packing.start_pack(store, PACKER, tote)
    assert started.accepted, started.reason
    assert started.parcel_id is not None
    return started.parcel_id


def fill_and_close(
    store: Store, parcel_id: int, lines: Sequence[packing.LineView], printer: Path
) -> packing.PackResult:
    """Verify every unit of `lines` into the parcel, box, instructions, weigh, label."""
    for line in lines:
        for _unit in range(line.expected):
            scan = packing.verify_scan(store, PACKER, parcel_id, SKUS[line.sku_code].ean)
            assert scan.accepted, scan.reason
    assert packing.choose_box(store, PACKER, parcel_id, BOX).accepted
    view = packing.pack_view(store, parcel_id)
    assert view is not None and view.expected_weight_g is not None
    if view.instructions:
        assert packing.confirm_instructions(store, PACKER, parcel_id).accepted
    weighed = packing.record_weight(store, PACKER, parcel_id, view.expected_weight_g)
    assert weighed.accepted, weighed.reason
    closed = packing.close_parcel(store, PACKER, parcel_id, f"file:{printer}")
    assert closed.accepted, closed.reason
    assert closed.tracking and closed.tracking in printer.read_text(encoding="utf-8")
    return closed


def test_the_whole_floor_ships_every_order_once(store: Store, tmp_path: Path) -> None:
    seed(store)
    before = stock_by_sku(store)
    import_orders(
        store,
        order_record("A-1", {"MUG": 2, "PEN": 3}, buyer=ADA, ship_to=ADA_HOME, tags=("gift",)),
        order_record("A-2", {"TEE": 1}, buyer=ADA, ship_to=ADA_HOME),
        order_record("B-1", {"CAP": 1, "MUG": 1}, buyer={"id": "C-8"}, ship_to=BOB_HOME),
    )
    audit_and_release(store)
    orders = orders_by_number(store)
    assert orders["A-1"].merge_group is not None
    assert orders["A-1"].merge_group == orders["A-2"].merge_group
    assert orders["B-1"].merge_group is None

    totes = pick_everything(store)
    assert {order.status for order in orders_by_number(store).values()} == {OrderStatus.PICKED}
    ada_parcel = pack(store, totes[f"ORD-{orders['A-2'].id}"], tmp_path / "ada.zpl")
    bob_parcel = pack(store, totes[f"ORD-{orders['B-1'].id}"], tmp_path / "bob.zpl")
    assert {order.status for order in orders_by_number(store).values()} == {OrderStatus.PACKED}
    assert [p.parcel_id for p in shipping.missing_parcels(store, "DHL")] == [ada_parcel, bob_parcel]

    for parcel_id in (ada_parcel, bob_parcel):
        loaded = shipping.load_parcel(store, LOADER, "DHL", f"PCL-{parcel_id}")
        assert loaded.accepted and loaded.order_shipped, loaded.reason

    assert {order.status for order in orders_by_number(store).values()} == {OrderStatus.SHIPPED}
    with store.read() as session:
        events = {event.payload["shop_order_id"]: event for event in session.exec(select(Outbox))}
        trackings = {p.id: p.tracking for p in session.exec(select(Parcel))}
        journal = Counter((row.action, row.accepted) for row in session.exec(select(Journal)))
    assert sorted(events) == ["A-1", "A-2", "B-1"]
    expected_lines = {
        "A-1": [("A-1-1", "MUG", 2), ("A-1-2", "PEN", 3)],
        "A-2": [("A-2-1", "TEE", 1)],
        "B-1": [("B-1-1", "CAP", 1), ("B-1-2", "MUG", 1)],
    }
    for number, lines in expected_lines.items():
        event = events[number]
        assert event.idempotency_key.startswith(f"fulfilment:web:{number}:1:")
        payload = event.payload
        got = [(line["shop_line_id"], line["sku"], line["qty"]) for line in payload["lines"]]
        assert got == lines
        assert payload["carrier"] == "DHL"
        parcel = bob_parcel if number == "B-1" else ada_parcel
        assert payload["tracking_numbers"] == [trackings[parcel]]

    for action in (
        "import-orders",
        "orders-audit",
        "wave-release",
        "pick.claim",
        "pick.tote",
        "pick.scan",
        "pack.start",
        "pack.scan",
        "pack.box",
        "pack.instructions",
        "pack.weigh",
        "pack.close",
        "load.parcel",
    ):
        assert journal[(action, True)] > 0, action
    assert journal[("load.parcel", True)] == 2
    # The only refusal: the last claim, when no pick list was left.
    assert {key: count for key, count in journal.items() if not key[1]} == {
        ("pick.claim", False): 1
    }

    shipped = Counter({"MUG": 3, "PEN": 3, "TEE": 1, "CAP": 1})
    after = stock_by_sku(store)
    for sku, (on_hand, allocated) in after.items():
        assert before[sku][0] - on_hand == shipped[sku], sku
        assert allocated == 0, sku


def test_cancelled_after_picking_stops_the_pack_and_after_packing_stops_the_load(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    import_orders(
        store,
        order_record("A-1", {"MUG": 1}, buyer=ADA, ship_to=ADA_HOME),
        order_record("A-2", {"TEE": 2}, buyer=ADA, ship_to=ADA_HOME),
        order_record("B-1", {"CAP": 1, "PEN": 2}, buyer={"id": "C-8"}, ship_to=BOB_HOME),
    )
    audit_and_release(store)
    orders = orders_by_number(store)
    totes = pick_everything(store)

    # B-1 is cancelled in its tote: the pack station stops it and it goes back to the shelves.
    cancel(store, "B-1")
    stopped = packing.start_pack(store, PACKER, totes[f"ORD-{orders['B-1'].id}"])
    assert not stopped.accepted and stopped.stop and "CANCELLED" in stopped.reason
    with store.read() as session:
        restock = session.exec(
            select(FloorTask).where(FloorTask.order_id == orders["B-1"].id)
        ).all()
    assert {(task.kind, task.qty) for task in restock} == {("restock", 1), ("restock", 2)}

    # A-2, merged with A-1 (the lead, owning the parcel), is cancelled after packing: the
    # parcel holding its items must not go onto the truck.
    parcel_id = pack(store, totes[f"ORD-{orders['A-1'].id}"], tmp_path / "ada.zpl")
    cancel(store, "A-2")
    assert shipping.missing_parcels(store, "DHL") == []
    refused = shipping.load_parcel(store, LOADER, "DHL", f"PCL-{parcel_id}")
    assert not refused.accepted and refused.stop
    assert refused.reason.startswith("STOP") and "A-2" in refused.reason
    assert refused.order_id == orders["A-2"].id

    with store.read() as session:
        assert session.get_one(Parcel, parcel_id).status == ParcelStatus.CLOSED
        assert session.exec(select(Outbox)).all() == []
        statuses = {o.shop_order_id: (o.status, o.intercepted) for o in session.exec(select(Order))}
        unpacked = session.exec(
            select(OrderLine).where(OrderLine.order_id == orders["B-1"].id, OrderLine.packed > 0)
        ).all()
    assert statuses == {
        "A-1": (OrderStatus.PACKED, False),
        "A-2": (OrderStatus.PACKED, True),
        "B-1": (OrderStatus.PICKED, True),
    }
    assert unpacked == []


def test_a_merged_order_in_a_parcel_loaded_before_its_pack_was_done_ships_with_the_last(
    store: Store, tmp_path: Path
) -> None:
    """A-1's items go into the pack's first parcel, which is loaded while A-2's items are still
    being packed: A-1 is not packed yet then, and ships when the pack's last parcel is loaded."""
    seed(store)
    import_orders(
        store,
        order_record("A-1", {"MUG": 1}, buyer=ADA, ship_to=ADA_HOME),
        order_record("A-2", {"TEE": 2}, buyer=ADA, ship_to=ADA_HOME),
    )
    audit_and_release(store)
    orders = orders_by_number(store)
    totes = pick_everything(store)
    printer = tmp_path / "labels.zpl"

    first = start(store, totes[f"ORD-{orders['A-1'].id}"])
    view = packing.pack_view(store, first)
    assert view is not None
    by_order = {line.order_id: line for line in view.lines}
    assert not fill_and_close(store, first, [by_order[orders["A-1"].id]], printer).order_packed
    loaded = shipping.load_parcel(store, LOADER, "DHL", f"PCL-{first}")
    assert loaded.accepted and not loaded.order_shipped

    second = packing.new_parcel(store, PACKER, first)
    assert second.accepted and second.parcel_id is not None, second.reason
    closed = fill_and_close(store, second.parcel_id, [by_order[orders["A-2"].id]], printer)
    assert closed.order_packed
    loaded = shipping.load_parcel(store, LOADER, "DHL", f"PCL-{second.parcel_id}")
    assert loaded.accepted and loaded.order_shipped

    with store.read() as session:
        statuses = {o.shop_order_id: o.status for o in session.exec(select(Order))}
        trackings = {p.id: p.tracking for p in session.exec(select(Parcel))}
        events = {e.payload["shop_order_id"]: e.payload for e in session.exec(select(Outbox))}
    assert statuses == {"A-1": OrderStatus.SHIPPED, "A-2": OrderStatus.SHIPPED}
    assert events["A-1"]["tracking_numbers"] == [trackings[first]]
    assert events["A-2"]["tracking_numbers"] == [trackings[second.parcel_id]]
    assert [(line["sku"], line["qty"]) for line in events["A-2"]["lines"]] == [("TEE", 2)]
