"""Finishing the parcel before its label: the box, the pack instructions, the weight.

The box is scanned (`BOX-…`; the screen suggests the smallest that fits), the instructions
of the pack's orders and buyer tags are confirmed, and the parcel is weighed against what its
items and box should weigh. A weight outside the tolerance sends the parcel back to verify:
its counts are emptied and every item is scanned again, since something in it is not what
the counts say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, parse_scan
from warehouse_tui.i18n import _
from warehouse_tui.services.auth import supervisor_approval
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.lookup import resolve_code
from warehouse_tui.services.packing.group import instructions, members_of_parcel
from warehouse_tui.services.packing.results import (
    BOX,
    INSTRUCTIONS,
    REVERIFY,
    TYPED_WEIGHT,
    WEIGH,
    PackResult,
)
from warehouse_tui.services.packing.step import Entry, parcel_step
from warehouse_tui.services.results import Refusal, unknown_label
from warehouse_tui.services.settings import get_setting
from warehouse_tui.services.shipping import parcel_label
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    BoxType,
    Journal,
    OrderLine,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Sku,
)

# --- box -----------------------------------------------------------------------------------------


def choose_box(store: Store, actor: Actor, parcel_id: int, code: str) -> PackResult:
    """Put the parcel in the box type scanned (BOX-<code>)."""

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> PackResult:
        return _choose_box(session, parcel, code)

    return parcel_step(store, actor, BOX, parcel_id, step, raw=code)


def _choose_box(session: Session, parcel: Parcel | None, code: str) -> PackResult:
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        return PackResult(
            False, _("No open parcel: start a pack first"), refusal=Refusal.WRONG_STATE
        )
    scan = parse_scan(code, lookup_code=lambda key: resolve_code(session, key))
    if scan.kind is not ScanKind.BOX or not scan.valid:
        kind = Refusal.WRONG_SCAN if scan.valid else Refusal.UNREADABLE
        return PackResult(False, scan.error or _("That is not a box label (BOX-…)"), refusal=kind)
    if scan.resolves is None:
        return PackResult(False, unknown_label(scan), refusal=Refusal.UNREADABLE)
    box = session.get_one(BoxType, scan.resolves.id)
    parcel.box_type_id = box.id
    parcel.weight_g = None
    parcel.expected_weight_g = None
    return PackResult(
        True, _("Box {box}: {name}").format(box=box.code, name=box.name), parcel_id=parcel.id
    )


class BoxShape(Protocol):
    """What choosing a box reads of a box type (a `BoxType`, or a row of the pack view)."""

    @property
    def id(self) -> int | None: ...
    @property
    def length_mm(self) -> int: ...
    @property
    def width_mm(self) -> int: ...
    @property
    def height_mm(self) -> int: ...
    @property
    def tare_g(self) -> int: ...
    @property
    def max_weight_g(self) -> int: ...


BoxT = TypeVar("BoxT", bound=BoxShape)


@dataclass(frozen=True)
class BoxItem:
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int
    qty: int

    @property
    def sorted_dims(self) -> tuple[int, ...]:
        return tuple(sorted((self.length_mm, self.width_mm, self.height_mm), reverse=True))


def _box_items(session: Session, parcel: Parcel) -> list[BoxItem]:
    """What goes into the parcel's box: its lines, or before any scan, what is left to pack."""
    in_parcel = session.execute(
        select(
            col(Sku.length_mm),
            col(Sku.width_mm),
            col(Sku.height_mm),
            col(Sku.weight_g),
            col(ParcelLine.qty),
        )
        .join(OrderLine, col(OrderLine.sku_id) == Sku.id)
        .join(ParcelLine, col(ParcelLine.order_line_id) == OrderLine.id)
        .where(col(ParcelLine.parcel_id) == parcel.id)
    ).all()
    if in_parcel:
        return [BoxItem(*row) for row in in_parcel]
    _lead, group = members_of_parcel(session, parcel.order_id)
    left = session.execute(
        select(
            col(Sku.length_mm),
            col(Sku.width_mm),
            col(Sku.height_mm),
            col(Sku.weight_g),
            col(OrderLine.picked) - OrderLine.packed,
        )
        .join(OrderLine, col(OrderLine.sku_id) == Sku.id)
        .where(col(OrderLine.order_id).in_([o.id for o in group]))
        .where(col(OrderLine.picked) > OrderLine.packed)
    ).all()
    return [BoxItem(*row) for row in left]


def _fits(box: BoxShape, item: BoxItem) -> bool:
    inner = sorted((box.length_mm, box.width_mm, box.height_mm), reverse=True)
    return all(side <= room for side, room in zip(item.sorted_dims, inner, strict=True))


def suggest_box(session: Session, parcel: Parcel) -> BoxType | None:
    """The smallest box type whose volume, filled to the `box_fill_factor` setting, holds the
    items' volume, whose sides take the largest item, and that carries their weight; None if
    no box does (the pack needs several parcels)."""
    items = _box_items(session, parcel)
    if not items:
        return None
    fill = float(get_setting(session, "box_fill_factor"))
    return smallest_box(session.execute(select(BoxType)).scalars().all(), items, fill)


def smallest_box(boxes: Sequence[BoxT], items: Sequence[BoxItem], fill: float) -> BoxT | None:
    """The smallest of `boxes` that holds `items` (see `suggest_box`), or None."""
    volume = sum(i.length_mm * i.width_mm * i.height_mm * i.qty for i in items)
    weight = sum(i.weight_g * i.qty for i in items)
    for box in sorted(boxes, key=lambda b: (b.length_mm * b.width_mm * b.height_mm, b.id)):
        roomy = box.length_mm * box.width_mm * box.height_mm * fill >= volume
        if roomy and weight + box.tare_g <= box.max_weight_g and all(_fits(box, i) for i in items):
            return box
    return None


# --- pack instructions ---------------------------------------------------------------------------


def instructions_confirmed(session: Session, parcel: Parcel) -> bool:
    assert parcel.id is not None
    return bool(
        session.execute(
            select(func.count())
            .select_from(Journal)
            .where(
                col(Journal.order_id) == parcel.order_id,
                col(Journal.task_ref) == parcel_label(parcel.id),
                col(Journal.action) == INSTRUCTIONS,
                col(Journal.accepted).is_(True),
            )
        ).scalar_one()
    )


def confirm_instructions(store: Store, actor: Actor, parcel_id: int) -> PackResult:
    """The packer confirms having followed the pack instructions shown."""

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> PackResult:
        if parcel is None or parcel.status != ParcelStatus.OPEN:
            return PackResult(
                False, _("No open parcel: start a pack first"), refusal=Refusal.WRONG_STATE
            )
        if not instructions(members_of_parcel(session, parcel.order_id)[1]):
            return PackResult(
                False, _("This pack has no instructions to confirm"), refusal=Refusal.WRONG_STATE
            )
        return PackResult(True, _("Instructions confirmed"), parcel_id=parcel_id)

    return parcel_step(store, actor, INSTRUCTIONS, parcel_id, step)


# --- weigh ---------------------------------------------------------------------------------------


def expected_weight(session: Session, parcel: Parcel) -> int | None:
    """Items (SKU weight × quantity) plus the box's tare; None without a box."""
    if parcel.box_type_id is None:
        return None
    items = session.execute(
        select(func.coalesce(func.sum(Sku.weight_g * ParcelLine.qty), 0))
        .select_from(ParcelLine)
        .join(OrderLine, col(OrderLine.id) == ParcelLine.order_line_id)
        .join(Sku, col(Sku.id) == OrderLine.sku_id)
        .where(col(ParcelLine.parcel_id) == parcel.id)
    ).scalar_one()
    return int(items) + session.get_one(BoxType, parcel.box_type_id).tare_g


def weight_tolerance(session: Session, expected_g: int) -> float:
    """Grams a weight may differ from `expected_g`: the larger of the fixed grams and the
    percentage (a floor for light parcels, a share for heavy ones)."""
    grams = float(get_setting(session, "weight_tolerance_g"))
    percent = float(get_setting(session, "weight_tolerance_pct"))
    return max(grams, expected_g * percent / 100)


def record_weight(store: Store, actor: Actor, parcel_id: int, grams: float) -> PackResult:
    """Take a stable scale reading as the parcel's weight, if it is within tolerance."""

    def step(session: Session, parcel: Parcel | None, _entry: Entry) -> PackResult:
        return _weigh(session, actor, parcel, grams)

    return parcel_step(store, actor, WEIGH, parcel_id, step, raw=f"{grams:g} g")


def typed_weight(
    store: Store,
    actor: Actor,
    parcel_id: int,
    grams: float,
    supervisor_badge: str,
    supervisor_pin: str,
) -> PackResult:
    """A weight typed by hand (scale out of order), authorised by a supervisor's badge scanned
    and PIN typed on this station; a wrong PIN counts towards the supervisor's lock."""

    def step(session: Session, parcel: Parcel | None, entry: Entry) -> PackResult:
        supervisor, refusal = supervisor_approval(session, actor, supervisor_badge, supervisor_pin)
        if supervisor is None:
            reason = _("A typed weight needs a supervisor's badge and PIN: {why}").format(
                why=refusal
            )
            return PackResult(False, reason, parcel_id=parcel_id, refusal=Refusal.APPROVAL)
        entry.authorised_by = supervisor.id
        return _weigh(session, actor, parcel, grams)

    return parcel_step(store, actor, TYPED_WEIGHT, parcel_id, step, raw=f"{grams:g} g")


def _weigh(session: Session, actor: Actor, parcel: Parcel | None, grams: float) -> PackResult:
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        return PackResult(
            False, _("No open parcel: start a pack first"), refusal=Refusal.WRONG_STATE
        )
    expected = expected_weight(session, parcel)
    if expected is None:
        box_first = _("Choose the box first (scan BOX-…)")
        return PackResult(False, box_first, parcel_id=parcel.id, refusal=Refusal.INCOMPLETE)
    if not math.isfinite(grams) or grams <= 0:
        return PackResult(
            False,
            _("The scale reads {grams:g} g: put the parcel on it, then weigh again").format(
                grams=grams
            ),
            parcel_id=parcel.id,
            refusal=Refusal.BAD_INPUT,
        )
    if not has_items(session, parcel):
        return PackResult(
            False, _("Scan the items first"), parcel_id=parcel.id, refusal=Refusal.INCOMPLETE
        )
    tolerance = weight_tolerance(session, expected)
    if abs(grams - expected) > tolerance:
        _back_to_verify(session, actor, parcel)
        return PackResult(
            False,
            _(
                "WEIGHT WRONG: {grams:.0f} g, expected {expected} g ± {tolerance:.0f} g — "
                "check the box and scan every item again"
            ).format(grams=grams, expected=expected, tolerance=tolerance),
            parcel_id=parcel.id,
            back_to_verify=True,
            refusal=Refusal.MISMATCH,
        )
    parcel.weight_g = round(grams)
    parcel.expected_weight_g = expected
    return PackResult(
        True,
        _("Weight {grams:.0f} g (expected {expected} g)").format(grams=grams, expected=expected),
        parcel_id=parcel.id,
    )


def has_items(session: Session, parcel: Parcel) -> bool:
    return bool(
        session.execute(
            select(func.count()).where(col(ParcelLine.parcel_id) == parcel.id)
        ).scalar_one()
    )


def _back_to_verify(session: Session, actor: Actor, parcel: Parcel) -> None:
    """Empty the parcel's counts: every item of it is scanned again."""
    assert parcel.id is not None
    lines = session.execute(
        select(ParcelLine).where(col(ParcelLine.parcel_id) == parcel.id)
    ).scalars()
    for parcel_line in lines:
        order_line = session.get_one(OrderLine, parcel_line.order_line_id)
        order_line.packed -= parcel_line.qty
        session.delete(parcel_line)
    parcel.weight_g = None
    parcel.expected_weight_g = None
    record(
        session,
        actor,
        REVERIFY,
        reason=_("Parcel back to verify"),
        task_ref=parcel_label(parcel.id),
        order_id=parcel.order_id,
    )
