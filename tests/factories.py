"""Floors for tests, built through the real import and services (no test lives here).

`sample_floor` imports the sample files of data/ (the catalog, locations and stock an operator
would import first), adds the carrier DHL with a standard service and registers the totes
TOTE-0001…TOTE-0020 (`registered_tote` registers any other); `order_records` makes
orders in the import format. `busy_floor` adds what a working floor needs on top (a tracking
number range, a box, pickers, packers and a supervisor) and releases a pick-by-order wave;
`next_pick_scan` and `next_pack_step` say what a picker or a packer does next, read from the
database as their screens would, so a process killed at any moment can go on where it stopped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from tests.support.zpl import parse_zpl_fields
from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.services import packing, picking
from warehouse_tui.services.auth import add_operator
from warehouse_tui.services.importing import ImportKind, import_file, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.packing import (
    choose_box,
    close_parcel,
    pack_view,
    record_weight,
    start_pack,
    verify_scan,
)
from warehouse_tui.services.picking import (
    Expect,
    claim_next_task,
    current_stop,
    scan_at_stop,
    short_pick,
)
from warehouse_tui.services.picking.totes import add_totes
from warehouse_tui.services.putwall import confirm_slot, sort_item
from warehouse_tui.services.settings import set_setting
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Carrier,
    CarrierService,
    Order,
    OrderStatus,
    Role,
    Sku,
    Tote,
    TrackingPool,
    WallSlot,
)

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN = Actor(None, "DESK", "cli", name="test-admin")
SHIP_TO = {"name": "Ada", "address1": "1 Road", "city": "Town", "postcode": "1", "country": "GB"}


def sample_floor(store: Store) -> None:
    for kind, name in (
        (ImportKind.CATALOG, "catalog.csv"),
        (ImportKind.LOCATIONS, "locations.csv"),
        (ImportKind.STOCK, "stock.csv"),
    ):
        result = import_file(store, kind, DATA / name, actor=ADMIN)
        assert result.accepted, result.errors
    with store.write() as session:
        carrier = Carrier(code="DHL", name="DHL")
        session.add(carrier)
        session.flush()
        session.add(CarrierService(carrier_id=carrier.id, code="STD", name="Standard"))
    assert add_totes(store, ADMIN, SAMPLE_TOTES).accepted


SAMPLE_TOTES = 20


def registered_tote(store: Store, *codes: str) -> str:
    """Register totes by their labels (as printed ones would be); the first label back."""
    with store.write() as session:
        known = set(session.exec(select(Tote.code).where(col(Tote.code).in_(codes))))
        session.add_all(Tote(code=code) for code in codes if code not in known)
    return codes[0]


def order_record(number: str, lines: dict[str, int], **changes: Any) -> dict[str, Any]:
    """One order in the import format, shipped by DHL Standard to a buyer named `number`."""
    return {
        "shop": "web",
        "shop_order_id": number,
        "buyer": {"id": number, "name": number},
        "ship_to": {**SHIP_TO, "name": number},
        "carrier": "DHL",
        "service": "STD",
        "lines": [{"sku": sku, "qty": qty} for sku, qty in lines.items()],
        **changes,
    }


def import_orders(store: Store, *records: dict[str, Any]) -> None:
    result = import_records(store, ImportKind.ORDERS, records, actor=ADMIN)
    assert result.accepted, result.errors


def operator(store: Store, role: Role, name: str, station: str = "HH-1") -> Actor:
    """A new operator of `role` (PIN 1234), as the actor a screen on `station` would make."""
    view, refusal = add_operator(store, ADMIN, name, role, "1234")
    assert view is not None, refusal
    return Actor(view.id, station, "test")


# --- a busy floor: a released wave, pickers, packers, a supervisor ------------------------------

EAN = {"MUG-01": "4006381333931", "SOCKS-3": "96385074"}
BOX = "BOX-M1"


@dataclass(frozen=True)
class BusyFloor:
    """Who works on it: `pickers`, `packers` (on stations PACK-1…) and a `supervisor`."""

    pickers: tuple[Actor, ...]
    packers: tuple[Actor, ...]
    supervisor: Actor


def busy_floor(
    store: Store, orders: int, *, pickers: int = 2, packers: int = 2, cart_totes: int = 2
) -> BusyFloor:
    """The sample floor with `orders` orders (one mug and one pack of socks each, every buyer
    another) released in one pick-by-order wave of `cart_totes` orders per pick list; DHL
    numbers JJD…, the box BOX-M1, no double-trigger window (scripted scans come fast)."""
    sample_floor(store)
    with store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
        set_setting(session, "cart_totes", cart_totes)
        dhl = session.exec(select(Carrier).where(Carrier.code == "DHL")).one()
        session.add(
            TrackingPool(
                carrier_id=dhl.id, prefix="JJD", next_number=1, last_number=10**6, width=10
            )
        )
        session.add(
            BoxType(
                code=BOX, name="Medium box", length_mm=400, width_mm=300, height_mm=300, tare_g=240
            )
        )
    import_orders(
        store,
        *(order_record(f"R-{n}", {"MUG-01": 1, "SOCKS-3": 1}) for n in range(orders)),
    )
    with store.read() as session:
        order_ids = list(session.exec(select(Order.id)))
    registered_tote(store, *(order_tote(order_id) for order_id in order_ids if order_id))
    released = release_wave(store, ADMIN, WaveRules(strategy="pick-by-order"))
    assert released["accepted"], released["reason"]
    return BusyFloor(
        pickers=tuple(
            operator(store, Role.PICKER, f"Picker {n}", f"HH-{n}") for n in range(1, pickers + 1)
        ),
        packers=tuple(
            operator(store, Role.PACKER, f"Packer {n}", f"PACK-{n}") for n in range(1, packers + 1)
        ),
        supervisor=operator(store, Role.SUPERVISOR, "Sue", "DESK-1"),
    )


def order_tote(order_id: int) -> str:
    """The tote a busy floor's picker takes for an order: its label carries the order's id."""
    return format_label(ScanKind.TOTE, 1000 + order_id)


def next_pick_scan(store: Store, task_id: int) -> str | None:
    """The code the picker scans next on the list (an empty tote named after the order, the
    location, an item, the order's tote), or None when the list is done."""
    stop = picking.current_stop(store, task_id)
    if stop is None:
        return None
    if stop.expect is picking.Expect.EMPTY_TOTE:
        assert stop.bind_order_ref is not None
        return order_tote(int(stop.bind_order_ref.removeprefix("ORD-")))
    if stop.expect is picking.Expect.LOCATION:
        return stop.location_code
    if stop.expect is picking.Expect.ITEM:
        return EAN[stop.sku_code]
    assert stop.tote_code is not None
    return stop.tote_code


def pick_all(store: Store, picker: Actor) -> None:
    """Claim and walk pick lists until none is left."""
    while (task := picking.claim_next_task(store, picker)) is not None:
        while (code := next_pick_scan(store, task.task_id)) is not None:
            outcome = picking.scan_at_stop(store, picker, task.task_id, code)
            assert outcome.accepted, (code, outcome.reason)


def picked_totes(store: Store) -> dict[int, str]:
    """Order id → the tote code of each picked order waiting for a packer."""
    with store.read() as session:
        rows = session.execute(
            select(Order.id, Tote.code)
            .join(Tote, Tote.order_id == Order.id)
            .where(Order.status == OrderStatus.PICKED)
            .order_by(Order.id)
        ).all()
    return {order_id: code for order_id, code in rows}


@dataclass(frozen=True)
class PackStep:
    """What the packer does next: `name` ("scan", "box", "weigh", "close" or "print"), the
    `raw` input its journal row keeps, and `run`, which does it."""

    name: str
    raw: str
    run: Callable[[], Any]


def next_pack_step(store: Store, packer: Actor, parcel_id: int, printer: str) -> PackStep | None:
    """The packer's next step on the parcel (an item scanned, the box, the weight, the close or
    the print of a label that did not print), or None once it is closed with its label."""
    view = packing.pack_view(store, parcel_id)
    assert view is not None
    if view.label_due:
        return PackStep(
            "print", printer, lambda: packing.reprint_label(store, packer, parcel_id, printer)
        )
    if view.status != "open":
        return None
    line = next((line for line in view.lines if line.packed < line.expected), None)
    if line is not None:
        code = EAN[line.sku_code]
        return PackStep("scan", code, lambda: packing.verify_scan(store, packer, parcel_id, code))
    if view.box_code is None:
        return PackStep("box", BOX, lambda: packing.choose_box(store, packer, parcel_id, BOX))
    if view.weight_g is None:
        assert view.expected_weight_g is not None
        grams = view.expected_weight_g
        return PackStep(
            "weigh",
            f"{grams:g} g",
            lambda: packing.record_weight(store, packer, parcel_id, grams),
        )
    return PackStep(
        "close", printer, lambda: packing.close_parcel(store, packer, parcel_id, printer)
    )


def ready_to_close(store: Store, packer: Actor, tote: str) -> int:
    """Start the tote's pack and take it up to its close: every item, the box, the weight.
    Returns the parcel id."""
    started = packing.start_pack(store, packer, tote)
    assert started.accepted and started.parcel_id is not None, started.reason
    parcel_id = started.parcel_id
    while (step := next_pack_step(store, packer, parcel_id, "")) is not None:
        if step.name == "close":
            return parcel_id
        result = step.run()
        assert result.accepted, result.reason
    raise AssertionError(f"parcel {parcel_id} was closed already")


_LABEL = re.compile(r"\^XA.*?\^XZ", re.S)


def printed_labels(zpl: str) -> list[tuple[str, str]]:
    """(parcel code, tracking number) of each whole shipping label in `zpl` (a label torn off
    by a killed sender is left out)."""
    labels = []
    for label in _LABEL.findall(zpl):
        fields = [field.data for field in parse_zpl_fields(label)]
        parcel = next(data for data in fields if data.startswith("PCL-"))
        labels.append((parcel, fields[fields.index("TRACKING") + 1]))
    return labels


# --- a floor for exceptions: picking, sorting and packing through the services ------------------

WALL = 1


def exceptions_floor(store: Store) -> None:
    """The sample floor, ready to pick, sort and pack: scans may come fast (no double-trigger
    window), DHL has a tracking-number pool, there is a box type and put wall 1 has 4 slots."""
    sample_floor(store)
    with store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
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
        for slot in range(1, 5):
            session.add(WallSlot(code=f"WALL-{WALL}-{slot:02d}", wall=WALL, slot=slot))


def item_code(store: Store, sku: str) -> str:
    """A barcode that counts one unit of `sku`."""
    with store.read() as session:
        return session.exec(
            select(Barcode.code)
            .join(Sku, col(Sku.id) == Barcode.sku_id)
            .where(Sku.code == sku, Barcode.quantity == 1)
            .order_by(col(Barcode.id))
        ).first()


def release(store: Store, strategy: str = "pick-by-order") -> int:
    """Release every ready order in one wave; its id."""
    released = release_wave(store, ADMIN, WaveRules(strategy=strategy))
    assert released["accepted"], released["reason"]
    return released["wave"]


def pick(
    store: Store,
    picker: Actor,
    totes: Sequence[str] = (),
    short: Mapping[str, int] | None = None,
    stops: int | None = None,
) -> int:
    """Claim the next pick list and walk it: empty totes from `totes`, then at each stop the
    location, every unit and the tote. At a stop of a SKU in `short` only that many are found
    (reported short). `stops`: walk only that many stops. Returns the list's id."""
    task = claim_next_task(store, picker)
    assert task is not None, "no pick list waiting"
    free_totes = iter(totes)
    stop = current_stop(store, task.task_id)
    walked = 0
    while stop is not None and (stops is None or walked < stops):
        if stop.expect is Expect.EMPTY_TOTE:
            _scan(store, picker, task.task_id, next(free_totes))
        else:
            _scan(store, picker, task.task_id, stop.location_code)
            found = (short or {}).get(stop.sku_code)
            if found is not None and found < stop.qty:
                outcome = short_pick(store, picker, task.task_id, found)
                assert outcome.accepted, outcome.reason
            units = found if found is not None and found < stop.qty else stop.qty
            for _unit in range(units):
                _scan(store, picker, task.task_id, item_code(store, stop.sku_code))
            if units and stop.tote_code:
                _scan(store, picker, task.task_id, stop.tote_code)
            walked += 1
        stop = current_stop(store, task.task_id)
    return task.task_id


def _scan(store: Store, picker: Actor, task_id: int, code: str) -> None:
    outcome = scan_at_stop(store, picker, task_id, code)
    assert outcome.accepted, (code, outcome.reason)


def sort_at_wall(store: Store, sorter: Actor, sku: str, units: int) -> str:
    """Sort `units` of `sku` into their slots at wall 1; the last slot used."""
    slot = ""
    for _unit in range(units):
        sorted_ = sort_item(store, sorter, WALL, item_code(store, sku))
        assert sorted_.accepted and sorted_.slot_code, sorted_.reason
        slot = sorted_.slot_code
        assert confirm_slot(store, sorter, slot).accepted
    return slot


def pack_and_label(store: Store, packer: Actor, code: str, printer: Path) -> int:
    """Pack what `code` (a tote, slot or order) starts into one parcel and print its label."""
    started = start_pack(store, packer, code)
    assert started.accepted and started.parcel_id is not None, started.reason
    parcel_id = started.parcel_id
    view = pack_view(store, parcel_id)
    assert view is not None
    for line in view.lines:
        for _unit in range(line.expected - line.packed):
            scanned = verify_scan(store, packer, parcel_id, item_code(store, line.sku_code))
            assert scanned.accepted, scanned.reason
    assert choose_box(store, packer, parcel_id, BOX).accepted
    view = pack_view(store, parcel_id)
    assert view is not None and view.expected_weight_g is not None
    assert record_weight(store, packer, parcel_id, view.expected_weight_g).accepted
    closed = close_parcel(store, packer, parcel_id, f"file:{printer}")
    assert closed.accepted, closed.reason
    return parcel_id
