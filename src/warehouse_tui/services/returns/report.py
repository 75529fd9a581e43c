"""What came back: returns by reason, by SKU (against units shipped) and by buyer, with repeat
returners flagged; and the units waiting in quarantine for a supervisor."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Location,
    Order,
    OrderLine,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Return,
    ReturnLine,
    ReturnUnit,
    Sku,
    UnitStatus,
)

REPEAT_RETURNER = 2  # returns by one buyer in the period that flag them


@dataclass(frozen=True)
class SkuRow:
    sku: str
    returned: int
    shipped: int

    @property
    def rate(self) -> float:
        return self.returned / self.shipped if self.shipped else 0.0


@dataclass(frozen=True)
class BuyerRow:
    buyer: str
    returns: int
    units: int

    @property
    def repeat(self) -> bool:
        return self.returns >= REPEAT_RETURNER


@dataclass(frozen=True)
class ReturnsReport:
    by_reason: dict[str, int] = field(default_factory=dict)
    by_sku: list[SkuRow] = field(default_factory=list)
    by_buyer: list[BuyerRow] = field(default_factory=list)


def returns_report(
    store: Store, start: datetime | None = None, end: datetime | None = None
) -> ReturnsReport:
    """Units received back in [start, end) (exceptions are not counted)."""
    with store.read() as session:
        query = (
            select(ReturnUnit, Return, Order)
            .join(Return, col(Return.id) == ReturnUnit.return_id)
            .join(Order, col(Order.id) == Return.order_id)
            .where(col(ReturnUnit.status) != UnitStatus.EXCEPTION)
        )
        if start is not None:
            query = query.where(col(ReturnUnit.received_at) >= start)
        if end is not None:
            query = query.where(col(ReturnUnit.received_at) < end)
        rows = session.execute(query).all()
        reasons = {
            (line.return_id, line.order_line_id): line.reason
            for line in session.execute(select(ReturnLine)).scalars()
        }
        skus = dict(session.execute(select(col(Sku.id), col(Sku.code))).all())
        shipped: dict[int, int] = dict(
            session.execute(
                select(col(OrderLine.sku_id), func.sum(col(ParcelLine.qty)))
                .join(ParcelLine, col(ParcelLine.order_line_id) == OrderLine.id)
                .join(Parcel, col(Parcel.id) == ParcelLine.parcel_id)
                .where(col(Parcel.status) == ParcelStatus.LOADED)
                .group_by(col(OrderLine.sku_id))
            ).all()
        )
    by_reason: Counter[str] = Counter()
    by_sku: Counter[int] = Counter()
    buyers: dict[str, set[int]] = defaultdict(set)
    units: Counter[str] = Counter()
    for unit, ret, order in rows:
        by_reason[reasons.get((ret.id, unit.order_line_id)) or unit.condition or "-"] += 1
        by_sku[unit.sku_id] += 1
        buyer = order.buyer_name or order.ship_name or order.buyer_id
        buyers[buyer].add(ret.id)
        units[buyer] += 1
    return ReturnsReport(
        by_reason=dict(sorted(by_reason.items())),
        by_sku=[
            SkuRow(skus[sku_id], count, int(shipped.get(sku_id) or 0))
            for sku_id, count in sorted(by_sku.items(), key=lambda item: skus[item[0]])
        ],
        by_buyer=sorted(
            (BuyerRow(buyer, len(ids), units[buyer]) for buyer, ids in buyers.items()),
            key=lambda row: (-row.returns, row.buyer),
        ),
    )


@dataclass(frozen=True)
class QuarantinedUnit:
    unit_id: int
    ref: str
    sku: str
    condition: str
    note: str
    location: str
    order: str


def quarantined_units(store: Store) -> list[QuarantinedUnit]:
    """The units waiting for a supervisor's decision (scrap or release): in quarantine, or set
    aside at receiving as never shipped to that buyer."""
    with store.read() as session:
        rows = session.execute(
            select(ReturnUnit, col(Sku.code), col(Location.code), col(Order.shop_order_id))
            .join(Sku, col(Sku.id) == ReturnUnit.sku_id)
            .outerjoin(Location, col(Location.id) == ReturnUnit.location_id)
            .outerjoin(Return, col(Return.id) == ReturnUnit.return_id)
            .outerjoin(Order, col(Order.id) == Return.order_id)
            .where(col(ReturnUnit.status).in_((UnitStatus.QUARANTINED, UnitStatus.EXCEPTION)))
            .order_by(col(ReturnUnit.id))
        ).all()
    aside = _("set aside")  # an exception at receiving: in no location, never stock
    return [
        QuarantinedUnit(
            unit.id,
            Ref.UNIT.of(unit.id),
            sku,
            unit.condition,
            unit.note,
            location or aside,
            order or "",
        )
        for unit, sku, location, order in rows
    ]


@dataclass(frozen=True)
class ReportRow:
    """One line of the report as the command line and the screen list it: `by` is reason, sku
    or buyer; `units` returned; for a SKU `shipped` and `rate`, for a buyer `returns` and
    `repeat`."""

    by: str
    key: str
    units: int
    shipped: int | None = None
    rate: float | None = None
    returns: int | None = None
    repeat: bool | None = None


def report_rows(report: ReturnsReport) -> list[ReportRow]:
    return [
        *(ReportRow("reason", reason, units) for reason, units in report.by_reason.items()),
        *(
            ReportRow("sku", row.sku, row.returned, shipped=row.shipped, rate=round(row.rate, 3))
            for row in report.by_sku
        ),
        *(
            ReportRow("buyer", row.buyer, row.units, returns=row.returns, repeat=row.repeat)
            for row in report.by_buyer
        ),
    ]
