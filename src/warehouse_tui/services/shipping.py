"""Load and ship: parcels scanned onto a carrier's truck, the shop told, the day's manifest.

The shop hears of a shipment when the order's last parcel is loaded (ARCHITECTURE.md, States), so a
parcel found missing at the truck was never announced; a shop whose `announce_at` is "label"
hears of it when the pack station closes the last parcel instead (`announce_fulfilment`).
Either way the fulfilment goes into the outbox in the transaction of the state change.

A buyer's merged orders are packed together into parcels of the group's lead order (see
services.packing), so an order's parcels are those holding its lines (ParcelLine → OrderLine),
whichever order a parcel belongs to. Each order of a pack ships, and is announced with its own
lines and tracking numbers, when it is packed and the last parcel holding its lines is loaded.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy
from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from warehouse_tui.devices.printer import write_output_file
from warehouse_tui.domain.barcodes import ScanKind
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record, refuse_double_trigger
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Carrier,
    Order,
    OrderLine,
    OrderStatus,
    Outbox,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Shop,
    outbox_order_ref,
    utcnow,
)

if TYPE_CHECKING:
    from fpdf import FPDF

LOAD_ACTION = "load.parcel"


def parcel_label(parcel_id: int) -> str:
    return f"PCL-{parcel_id}"


# --- the outbox event ----------------------------------------------------------------------------


def fulfilment_key(order: Order, tracking_numbers: Sequence[str]) -> str:
    """One fulfilment per order version and set of parcels: a resend carries the same key; a
    new version, or parcels packed again after their first ones were voided, a new one."""
    parcels = hashlib.sha1(",".join(sorted(tracking_numbers)).encode()).hexdigest()[:12]
    return f"{_fulfilment_prefix(order)}{order.shop_version}:{parcels}"


def _fulfilment_prefix(order: Order) -> str:
    return f"fulfilment:{order.shop}:{order.shop_order_id}:"


def announce_at(session: Session, shop_code: str) -> str:
    """When `shop_code` hears of a shipment: "load" (the default) or "label"."""
    setting = session.execute(
        select(col(Shop.announce_at)).where(col(Shop.code) == shop_code)
    ).scalar()
    return setting or "load"


def announce_fulfilment(session: Session, order: Order) -> Outbox:
    """Put the order's fulfilment (lines, carrier, tracking numbers) into the outbox, in the
    caller's transaction. Announcing the same order version twice adds nothing."""
    payload = fulfilment_payload(session, order)
    key = fulfilment_key(order, payload["tracking_numbers"])
    existing = session.exec(select(Outbox).where(col(Outbox.idempotency_key) == key)).first()
    if existing is not None:
        return existing
    event = Outbox(
        shop=order.shop,
        event="fulfilment",
        payload=payload,
        idempotency_key=key,
        order_ref=outbox_order_ref(order.shop, order.shop_order_id),
    )
    session.add(event)
    session.flush()
    return event


def withdraw_fulfilment(session: Session, order: Order) -> None:
    """The parcels a fulfilment announced were voided (the shop was told at label time): a
    `fulfilment-void` event follows it through the outbox, naming the tracking numbers that
    will not ship. Never a deletion: the outbox worker may be sending the fulfilment now."""
    announced = session.exec(
        select(Outbox).where(
            col(Outbox.event) == "fulfilment",
            col(Outbox.idempotency_key).startswith(_fulfilment_prefix(order)),
        )
    ).all()
    for event in announced:
        key = f"void:{event.idempotency_key}"
        if session.exec(select(col(Outbox.id)).where(col(Outbox.idempotency_key) == key)).first():
            continue
        session.add(
            Outbox(
                shop=order.shop,
                event="fulfilment-void",
                payload={
                    "shop_order_id": order.shop_order_id,
                    "tracking_numbers": event.payload["tracking_numbers"],
                },
                idempotency_key=key,
                order_ref=outbox_order_ref(order.shop, order.shop_order_id),
            )
        )


def fulfilment_payload(session: Session, order: Order) -> dict[str, Any]:
    """The order's own lines, by the parcels holding them (a merged order's parcels belong to
    its group's lead), with those parcels' carrier and tracking numbers, and — when the order
    shipped short — the units ordered that will not ship (`short_lines`)."""
    rows = session.execute(
        select(Parcel, ParcelLine, OrderLine)
        .join(ParcelLine, col(ParcelLine.parcel_id) == col(Parcel.id))
        .join(OrderLine, col(OrderLine.id) == col(ParcelLine.order_line_id))
        .where(col(OrderLine.order_id) == order.id)
        .where(col(Parcel.status) != ParcelStatus.CANCELLED)
        .order_by(col(Parcel.id), col(OrderLine.id))
    ).all()
    parcels: dict[int, dict[str, Any]] = {}
    totals: dict[int, dict[str, Any]] = {}
    for parcel, parcel_line, order_line in rows:
        entry = parcels.setdefault(
            parcel.id,
            {
                "parcel": parcel_label(parcel.id),
                "carrier": parcel.carrier,
                "service": parcel.service,
                "tracking": parcel.tracking,
                "weight_g": parcel.weight_g,
                "lines": [],
            },
        )
        line = {
            "shop_line_id": order_line.shop_line_id,
            "sku": order_line.sku_code,
            "qty": parcel_line.qty,
        }
        entry["lines"].append(line)
        total = totals.setdefault(order_line.id, {**line, "qty": 0})
        total["qty"] += parcel_line.qty
        if parcel_line.serials:
            total.setdefault("serials", []).extend(parcel_line.serials)
    tracking = [p["tracking"] for p in parcels.values() if p["tracking"]]
    carriers = sorted({str(p["carrier"]) for p in parcels.values() if p["carrier"]})
    shorted = session.execute(
        select(OrderLine.shop_line_id, OrderLine.sku_code, OrderLine.short)
        .where(OrderLine.order_id == order.id, OrderLine.short > 0)
        .order_by(col(OrderLine.id))
    ).all()
    short_lines = {
        "short_lines": [{"shop_line_id": i, "sku": sku, "qty": q} for i, sku, q in shorted]
    }
    return {
        "shop": order.shop,
        "shop_order_id": order.shop_order_id,
        "shop_version": order.shop_version,
        "order_id": order.id,
        "carrier": carriers[0] if len(carriers) == 1 else order.carrier,
        "service": order.service,
        "tracking_numbers": tracking,
        "lines": list(totals.values()),
        "parcels": list(parcels.values()),
        **(short_lines if shorted else {}),  # what the shop ordered that will not ship
        "announced_at": utcnow().isoformat(),
    }


# --- loading -----------------------------------------------------------------------------------


def _orders_holding_lines(parcel_filter: ColumnElement[bool]) -> SelectOfScalar[int]:
    """The ids of the orders with lines in the parcels `parcel_filter` selects."""
    return (
        select(col(OrderLine.order_id))
        .join(ParcelLine, col(ParcelLine.order_line_id) == col(OrderLine.id))
        .join(Parcel, col(Parcel.id) == col(ParcelLine.parcel_id))
        .where(parcel_filter)
    )


@dataclass(frozen=True)
class LoadResult:
    """What a load scan did. `stop` marks the refusal that must not be missed: the parcel's
    order was cancelled or changed after packing, so the parcel must come off the line."""

    accepted: bool
    reason: str = ""
    parcel_id: int | None = None
    order_id: int | None = None
    tracking: str | None = None
    order_shipped: bool = False
    stop: bool = False


def load_parcel(
    store: Store, actor: Actor, carrier_code: str, code: str, scanned_at: float | None = None
) -> LoadResult:
    """Scan one parcel (PCL- label or tracking number) onto `carrier_code`'s truck."""
    with store.write() as session:
        refusal = refuse_double_trigger(session, actor, LOAD_ACTION, carrier_code, code, scanned_at)
        if refusal:
            return LoadResult(False, refusal)
        result = _load(session, carrier_code, code)
        record(
            session,
            actor,
            LOAD_ACTION,
            accepted=result.accepted,
            reason=result.reason,
            raw=code,
            task_ref=carrier_code,
            order_id=result.order_id,
        )
        return result


def _load(session: Session, carrier_code: str, code: str) -> LoadResult:
    carrier_name = session.execute(
        select(col(Carrier.name)).where(col(Carrier.code) == carrier_code)
    ).scalar()
    if carrier_name is None:
        return LoadResult(False, _("Unknown carrier {carrier}").format(carrier=carrier_code))
    parcel, refusal = _scanned_parcel(session, code)
    if parcel is None:
        return LoadResult(False, refusal)
    assert parcel.id is not None  # read from the database
    pack = _lock_pack(session, parcel.order_id)
    inside = set(session.execute(_orders_holding_lines(col(Parcel.id) == parcel.id)).scalars())
    # The lead's cancellation voids all its parcels (services.orders), so it stops them all.
    held = [o for o in pack if o.id in inside or o.id == parcel.order_id]
    refused = _refusal(parcel, held, carrier_code, carrier_name)
    if refused is not None:
        return refused
    taken = session.exec(
        update(Parcel)
        .where(col(Parcel.id) == parcel.id)
        .where(col(Parcel.status) == ParcelStatus.CLOSED)
        .values(status=ParcelStatus.LOADED, loaded_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return _loaded_already(parcel)
    # Every order of the pack, not only those in this parcel: an order whose parcels were all
    # loaded before its pack was complete ships with the pack's last parcel.
    shipped = [order for order in pack if _ship_if_complete(session, order)]
    return LoadResult(
        True,
        _("Parcel {parcel} loaded").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        order_id=parcel.order_id,
        tracking=parcel.tracking,
        order_shipped=bool(shipped),
    )


def _lock_pack(session: Session, lead_id: int) -> list[Order]:
    """The orders packed under `lead_id` (its merge group: the lead and every order with lines
    in the lead's parcels), row-locked lowest id first (the lead is the lowest of its group).

    The locks make concurrent loads of a pack's last two parcels take turns, so one of them
    sees the other's parcel loaded (READ COMMITTED on PostgreSQL; SQLite writes are serial
    anyway). Without them both could see one parcel left and the orders never ship."""
    return list(
        session.execute(
            select(Order)
            .where(
                or_(
                    col(Order.id) == lead_id,
                    col(Order.id).in_(_orders_holding_lines(col(Parcel.order_id) == lead_id)),
                )
            )
            .order_by(col(Order.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    )


def _scanned_parcel(session: Session, code: str) -> tuple[Parcel | None, str]:
    scan = parse_in_store(session, code, expect_tracking=True)
    if not scan.valid:
        return None, scan.error or _("unknown barcode")
    if scan.kind not in (ScanKind.PARCEL, ScanKind.TRACKING):
        return None, _("{code} is not a parcel label or tracking number").format(code=code.strip())
    if scan.resolves is None or scan.resolves.type != "parcel":
        return None, _("No parcel has the code {code}").format(code=scan.code)
    parcel = session.get(Parcel, scan.resolves.id)
    return parcel, ""


def _refusal(
    parcel: Parcel, orders: Sequence[Order], carrier_code: str, carrier_name: str
) -> LoadResult | None:
    """Why `parcel`, holding lines of `orders`, may not go onto `carrier_code`'s truck."""
    assert parcel.id is not None  # read from the database
    label = parcel_label(parcel.id)

    def refuse(reason: str, *, order_id: int | None = None, stop: bool = False) -> LoadResult:
        return LoadResult(
            False,
            reason,
            parcel_id=parcel.id,
            order_id=order_id or parcel.order_id,
            tracking=parcel.tracking,
            stop=stop,
        )

    cancelled = [o for o in orders if o.status == OrderStatus.CANCELLED]
    if cancelled or parcel.status == ParcelStatus.CANCELLED:
        order = cancelled[0] if cancelled else orders[0]
        return refuse(
            _("STOP — order {order} was CANCELLED: do not load {parcel}, take it off").format(
                order=order.shop_order_id, parcel=label
            ),
            order_id=order.id,
            stop=True,
        )
    changed = [o for o in orders if o.intercepted or o.pending is not None]
    if changed:
        return refuse(
            _("STOP — order {order} was CHANGED after packing: do not load {parcel}").format(
                order=changed[0].shop_order_id, parcel=label
            ),
            order_id=changed[0].id,
            stop=True,
        )
    if parcel.carrier != carrier_code:
        return refuse(
            _("{parcel} goes with {other}, not with {carrier}").format(
                parcel=label, other=parcel.carrier or "?", carrier=carrier_name
            )
        )
    if parcel.status == ParcelStatus.LOADED:
        return _loaded_already(parcel)
    if parcel.status != ParcelStatus.CLOSED:
        return refuse(_("{parcel} is not closed yet: it has no label").format(parcel=label))
    return None


def _loaded_already(parcel: Parcel) -> LoadResult:
    assert parcel.id is not None  # read from the database
    return LoadResult(
        False,
        _("{parcel} is already loaded").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        order_id=parcel.order_id,
        tracking=parcel.tracking,
    )


def _ship_if_complete(session: Session, order: Order) -> bool:
    """The order is shipped when it is packed and none of the parcels holding its lines is
    left to load; then the shop hears of it (unless it heard at label time)."""
    if order.status != OrderStatus.PACKED:
        return False
    waiting = session.execute(
        select(func.count(func.distinct(col(Parcel.id))))
        .select_from(Parcel)
        .join(ParcelLine, col(ParcelLine.parcel_id) == col(Parcel.id))
        .join(OrderLine, col(OrderLine.id) == col(ParcelLine.order_line_id))
        .where(col(OrderLine.order_id) == order.id)
        .where(col(Parcel.status).not_in([ParcelStatus.LOADED, ParcelStatus.CANCELLED]))
    ).scalar_one()
    if waiting:
        return False
    shipped = session.exec(
        update(Order)
        .where(col(Order.id) == order.id)
        .where(col(Order.status) == OrderStatus.PACKED)
        .values(status=OrderStatus.SHIPPED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if shipped != 1:
        return False
    if announce_at(session, order.shop) != "label":
        announce_fulfilment(session, order)
    return True


# --- what the load screen shows ---------------------------------------------------------------


@dataclass(frozen=True)
class CarrierChoice:
    code: str
    name: str


def carriers(store: Store) -> list[CarrierChoice]:
    with store.read() as session:
        rows = session.execute(
            select(col(Carrier.code), col(Carrier.name)).order_by(col(Carrier.code))
        ).all()
    return [CarrierChoice(code, name) for code, name in rows]


@dataclass(frozen=True)
class MissingParcel:
    parcel_id: int
    label: str
    tracking: str | None
    order: str
    ship_name: str
    closed_at: datetime | None


def missing_parcels(store: Store, carrier_code: str) -> list[MissingParcel]:
    """Closed parcels of `carrier_code` not loaded yet, oldest first. Parcels of cancelled or
    changed orders, or holding lines of one (a merged order's), are left out: they must not
    be loaded."""
    stopped = (
        select(col(ParcelLine.parcel_id))
        .join(OrderLine, col(OrderLine.id) == col(ParcelLine.order_line_id))
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(or_(col(Order.status) == OrderStatus.CANCELLED, col(Order.intercepted).is_(True)))
    )
    with store.read() as session:
        rows = session.execute(
            sqlalchemy.select(  # sqlmodel's select is typed for four columns at most
                col(Parcel.id),
                col(Parcel.tracking),
                col(Order.shop_order_id),
                col(Order.ship_name),
                col(Parcel.closed_at),
            )
            .join(Order, col(Order.id) == col(Parcel.order_id))
            .where(col(Parcel.carrier) == carrier_code)
            .where(col(Parcel.status) == ParcelStatus.CLOSED)
            .where(col(Order.status) != OrderStatus.CANCELLED)
            .where(col(Order.intercepted).is_(False))
            .where(col(Parcel.id).not_in(stopped))
            .order_by(col(Parcel.closed_at), col(Parcel.id))
        ).all()
    return [
        MissingParcel(parcel_id, parcel_label(parcel_id), tracking, order, ship_name, closed_at)
        for parcel_id, tracking, order, ship_name, closed_at in rows
    ]


def local_day_bounds(session: Session, day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which `day` begins and ends in the warehouse's time zone."""
    zone = ZoneInfo(get_setting(session, "timezone"))
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_today(store: Store, now: datetime | None = None) -> date:
    with store.read() as session:
        zone = ZoneInfo(get_setting(session, "timezone"))
    return (now or utcnow()).astimezone(zone).date()


def loaded_count(store: Store, carrier_code: str, day: date) -> int:
    """Parcels of `carrier_code` loaded on the warehouse's local `day`."""
    with store.read() as session:
        start, end = local_day_bounds(session, day)
        return session.exec(
            select(func.count())
            .select_from(Parcel)
            .where(col(Parcel.carrier) == carrier_code)
            .where(col(Parcel.status) == ParcelStatus.LOADED)
            .where(col(Parcel.loaded_at) >= start)
            .where(col(Parcel.loaded_at) < end)
        ).one()


@dataclass(frozen=True)
class LoadBoard:
    """What the load screen shows for one carrier: today's count and what is still missing."""

    carrier: str
    carrier_name: str
    loaded_today: int
    missing: list[MissingParcel]


def load_board(store: Store, carrier_code: str, now: datetime | None = None) -> LoadBoard | None:
    """The board of `carrier_code`, or None if no carrier has that code."""
    with store.read() as session:
        name = session.execute(
            select(col(Carrier.name)).where(col(Carrier.code) == carrier_code)
        ).scalar()
    if name is None:
        return None
    today = local_today(store, now)
    return LoadBoard(
        carrier_code,
        name,
        loaded_count(store, carrier_code, today),
        missing_parcels(store, carrier_code),
    )


# --- the manifest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestRow:
    parcel: str
    tracking: str
    order: str
    shop: str
    service: str
    ship_name: str
    city: str
    postcode: str
    country: str
    weight_g: int | None
    loaded_at: datetime


MANIFEST_COLUMNS = (
    "parcel",
    "tracking",
    "order",
    "shop",
    "service",
    "ship_name",
    "city",
    "postcode",
    "country",
    "weight_g",
    "loaded_at",
)


def manifest(store: Store, carrier_code: str, day: date) -> list[ManifestRow]:
    """The parcels handed to `carrier_code` on the warehouse's local `day`, in loading order."""
    with store.read() as session:
        start, end = local_day_bounds(session, day)
        rows = session.execute(
            select(Parcel, Order)
            .join(Order, col(Order.id) == col(Parcel.order_id))
            .where(col(Parcel.carrier) == carrier_code)
            .where(col(Parcel.status) == ParcelStatus.LOADED)
            .where(col(Parcel.loaded_at) >= start)
            .where(col(Parcel.loaded_at) < end)
            .order_by(col(Parcel.loaded_at), col(Parcel.id))
        ).all()
    return [
        ManifestRow(
            parcel=parcel_label(parcel.id),
            tracking=parcel.tracking or "",
            order=order.shop_order_id,
            shop=order.shop,
            service=parcel.service or order.service,
            ship_name=order.ship_name,
            city=order.ship_city,
            postcode=order.ship_postcode,
            country=order.ship_country,
            weight_g=parcel.weight_g,
            loaded_at=parcel.loaded_at or start,
        )
        for parcel, order in rows
    ]


def manifest_csv(rows: Sequence[ManifestRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.parcel,
                row.tracking,
                row.order,
                row.shop,
                row.service,
                row.ship_name,
                row.city,
                row.postcode,
                row.country,
                "" if row.weight_g is None else row.weight_g,
                row.loaded_at.astimezone(UTC).isoformat(),
            ]
        )
    return out.getvalue()


# Column widths in mm on A4 landscape (277 mm inside the margins).
_PDF_COLUMNS: tuple[tuple[str, float], ...] = (
    ("#", 10),
    ("Parcel", 25),
    ("Tracking", 48),
    ("Order", 32),
    ("Ship to", 62),
    ("City", 40),
    ("Postcode", 22),
    ("Country", 16),
    ("kg", 22),
)


def manifest_pdf(
    rows: Sequence[ManifestRow],
    carrier: str,
    day: date,
    *,
    font: Path | None = None,
) -> bytes:
    """The manifest as an A4 landscape PDF. `font` is a TrueType/OpenType file to write with
    (a CJK one, so Chinese names print); without one, built-in Helvetica, where characters it
    cannot show become "?"."""
    from fpdf import FPDF, FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Manifest {carrier} {day.isoformat()}")
    covered = _add_font(pdf, font)
    pdf.add_page()

    def text(value: str) -> str:
        return "".join(ch if covered(ch) else "?" for ch in value)

    pdf.set_font(size=14)
    pdf.cell(0, 9, text(f"Manifest — {carrier} — {day.isoformat()}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=9)
    weight = sum(row.weight_g or 0 for row in rows) / 1000
    pdf.cell(
        0, 6, text(f"Parcels: {len(rows)}   Total: {weight:.3f} kg"), new_x="LMARGIN", new_y="NEXT"
    )
    with pdf.table(
        col_widths=tuple(width for _name, width in _PDF_COLUMNS),
        text_align="LEFT",
        line_height=5,
        first_row_as_headings=True,
        # Plain (not bold) headings: a TrueType font is added in one style only.
        headings_style=FontFace(fill_color=(225, 225, 225)),
    ) as table:
        table.row([name for name, _width in _PDF_COLUMNS])
        for number, row in enumerate(rows, start=1):
            kg = "" if row.weight_g is None else f"{row.weight_g / 1000:.3f}"
            cells = (str(number), row.parcel, row.tracking, row.order, row.ship_name, row.city)
            table.row([text(cell) for cell in (*cells, row.postcode, row.country, kg)])
    pdf.ln(10)
    pdf.cell(0, 6, text("Driver signature: ______________________   Time: ________"))
    return bytes(pdf.output())


def _add_font(pdf: FPDF, font: Path | None) -> Callable[[str], bool]:
    """Select `font` (or Helvetica) on `pdf`; return a test of which characters it can show."""
    if font is None:
        pdf.set_font("helvetica")
        return lambda ch: ord(ch) < 256
    from fontTools.ttLib import TTFont

    pdf.add_font("manifest", fname=str(font))
    pdf.set_font("manifest")
    with TTFont(str(font), fontNumber=0, lazy=True) as face:
        codepoints = frozenset(face.getBestCmap())
    return lambda ch: ord(ch) in codepoints


def manifest_font() -> Path | None:
    """A CJK font if one is installed (Chinese names), else a Unicode Latin one, else None."""
    from warehouse_tui.devices.labels import cjk_font_path, font_path_for

    return cjk_font_path() or font_path_for("")


def write_manifest(store: Store, carrier_code: str, day: date, out: Path) -> int:
    """Write the manifest to `out` as CSV or PDF (by its suffix); return the parcel count."""
    rows = manifest(store, carrier_code, day)
    if out.suffix.lower() == ".pdf":
        write_output_file(out, manifest_pdf(rows, carrier_code, day, font=manifest_font()))
    else:
        write_output_file(out, manifest_csv(rows).encode("utf-8"))
    return len(rows)
