"""Undo: take back the parcel's last count.

The journal is the stack: every accepted count row carries its effect in columns (order line,
units, serial, batch), an undo row pops the latest count not yet taken back, and a send-back
to verify (a wrong weight) empties the stack, since it emptied the parcel. An undo row's `raw`
is ``J<journal id>`` of the row it took back.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session, col

from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.packing.results import (
    COUNT_ACTIONS,
    REVERIFY,
    UNDO,
    ScanResult,
)
from warehouse_tui.services.packing.step import Entry, parcel_step
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.shipping import parcel_label
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
    OrderLine,
    PackedSerial,
    Parcel,
    ParcelLine,
    ParcelStatus,
)


def undo_last_scan(store: Store, actor: Actor, parcel_id: int) -> ScanResult:
    """Take back the parcel's last count that is not taken back yet."""

    def step(session: Session, parcel: Parcel | None, entry: Entry) -> ScanResult:
        result, undone = _undo(session, parcel)
        if undone is not None:
            entry.raw = f"J{undone}"
        return result

    return parcel_step(store, actor, UNDO, parcel_id, step)


def _undo(session: Session, parcel: Parcel | None) -> tuple[ScanResult, int | None]:
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        no_parcel = _("No open parcel to undo a scan in")
        return ScanResult(False, no_parcel, refusal=Refusal.WRONG_STATE), None
    last = _last_count(session, parcel)
    if last is None or last.effect_line_id is None or last.effect_units is None:
        return ScanResult(False, _("Nothing to undo"), refusal=Refusal.WRONG_STATE), None
    line_id, units = last.effect_line_id, last.effect_units
    parcel_line = session.scalars(
        select(ParcelLine).where(
            col(ParcelLine.parcel_id) == parcel.id, col(ParcelLine.order_line_id) == line_id
        )
    ).first()
    order_line = session.get_one(OrderLine, line_id)
    if parcel_line is None or parcel_line.qty < units or order_line.packed < units:
        return ScanResult(False, _("Nothing to undo"), refusal=Refusal.WRONG_STATE), None
    order_line.packed -= units
    parcel_line.qty -= units
    serial, batch = last.effect_serial, last.effect_batch
    if serial and serial in parcel_line.serials:
        parcel_line.serials = [s for s in parcel_line.serials if s != serial]
        session.execute(
            delete(PackedSerial).where(
                col(PackedSerial.sku_id) == order_line.sku_id, col(PackedSerial.serial) == serial
            )
        )
    if batch:
        batches = list(parcel_line.batches)
        for _unit in range(units):
            if batch in batches:
                batches.remove(batch)
        parcel_line.batches = batches
    if parcel_line.qty == 0:
        session.delete(parcel_line)
    parcel.weight_g = None
    parcel.expected_weight_g = None
    return ScanResult(
        True,
        _("Undone: {sku} −{units} ({packed}/{expected})").format(
            sku=order_line.sku_code,
            units=units,
            packed=order_line.packed,
            expected=order_line.picked,
        ),
        order_line_id=line_id,
        units=-units,
        packed=order_line.packed,
        expected=order_line.picked,
    ), last.id


def _last_count(session: Session, parcel: Parcel) -> Journal | None:
    """The latest accepted count of the parcel not yet undone (undo rows pop counts off the
    stack; a send-back to verify empties it)."""
    assert parcel.id is not None
    rows = session.scalars(
        select(Journal)
        .where(
            col(Journal.order_id) == parcel.order_id,
            col(Journal.task_ref) == parcel_label(parcel.id),
            col(Journal.accepted).is_(True),
            col(Journal.action).in_([*COUNT_ACTIONS, UNDO, REVERIFY]),
        )
        .order_by(col(Journal.id).desc())
    )
    pending_undos = 0
    for row in rows:
        if row.action == REVERIFY:
            return None
        if row.action == UNDO:
            pending_undos += 1
        elif pending_undos:
            pending_undos -= 1
        else:
            return row
    return None
