"""Returns announced before the parcel arrives (`warehouse-tui returns import`; a shop connector
fills the same records): each names a shipped order and the lines coming back. A file with any
bad line is refused whole, naming the line; a return already announced (same order and RMA) is
not announced twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.domain.goods_in_files import FileProblem, ReturnRecord, parse_return
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.results import LinesImport, Refusal
from warehouse_tui.services.returns.receive import shipped_units
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderLine, Return, ReturnLine

IMPORT = "returns.import"


def import_returns(store: Store, actor: Actor, lines: list[str]) -> LinesImport:
    records: list[tuple[int, ReturnRecord]] = []
    errors: list[str] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            records.append((number, parse_return(text)))
        except FileProblem as problem:
            errors.append(_("line {n}: {problem}").format(n=number, problem=problem))
    if errors:
        return _refused(store, actor, errors)

    def work(session: Session) -> LinesImport:
        added = known = 0
        problems: list[str] = []
        for number, item in records:
            problem, new = _announce(session, item)
            if problem:
                problems.append(_("line {n}: {problem}").format(n=number, problem=problem))
            added += new
            known += not new and not problem
        if problems:
            raise _Refused(problems)  # rolls the whole file back
        record(session, actor, IMPORT, reason=f"{added} added, {known} known")
        reason = _("{added} returns announced, {known} already known").format(
            added=added, known=known
        )
        return LinesImport(True, reason, added=added, known=known)

    try:
        return store.transact(work)
    except _Refused as refused:
        return _refused(store, actor, refused.errors)


class _Refused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors[0])
        self.errors = errors


def _refused(store: Store, actor: Actor, errors: list[str]) -> LinesImport:
    with store.write() as session:
        record(session, actor, IMPORT, accepted=False, reason=errors[0])
    reason = _("Nothing imported: {first} (fix the file and import it again)").format(
        first=errors[0]
    )
    return LinesImport(False, reason, errors=errors, refusal=Refusal.BAD_INPUT)


def _announce(session: Session, item: ReturnRecord) -> tuple[str, bool]:
    """(what is wrong, "" if nothing; whether a return was added)."""
    order = session.execute(
        select(Order).where(
            col(Order.shop) == item.shop, col(Order.shop_order_id) == item.shop_order_id
        )
    ).scalar()
    if order is None:
        return _("no order {shop} {id}").format(shop=item.shop, id=item.shop_order_id), False
    if (
        item.rma
        and session.execute(
            select(col(Return.id)).where(
                col(Return.order_id) == order.id, col(Return.rma) == item.rma
            )
        ).first()
    ):
        return "", False
    lines = list(
        session.execute(select(OrderLine).where(col(OrderLine.order_id) == order.id)).scalars()
    )
    ret = Return(order_id=order.id, rma=item.rma)
    session.add(ret)
    session.flush()
    assert ret.id is not None
    for wanted in item.lines:
        line = next((line for line in lines if line.sku_code == wanted.sku), None)
        if line is None or line.sku_id is None:
            return _("order {id} has no {sku}").format(id=item.shop_order_id, sku=wanted.sku), False
        assert line.id is not None
        if wanted.qty > shipped_units(session, line.id):
            return _("{sku}: {qty} is more than was shipped").format(
                sku=wanted.sku, qty=wanted.qty
            ), False
        session.add(
            ReturnLine(
                return_id=ret.id,
                order_line_id=line.id,
                sku_id=line.sku_id,
                qty=wanted.qty,
                reason=wanted.reason,
            )
        )
    return "", True
