"""Roles hold in the services, whichever screen or command calls them: a picker's actor cannot
pause, resume, cancel or release waves, release another picker's list, accept a typed weight,
act on exceptions or read others' KPIs; the journal records each refusal. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from tests.support.picking_floor import (
    PICKER,
    PICKER_2,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
)
from warehouse_tui.services import packing
from warehouse_tui.services.exceptions import act
from warehouse_tui.services.kpi import operator_kpis
from warehouse_tui.services.picking import claim_next_task, release_claim
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.waves import cancel_wave, pause_wave, resume_wave
from warehouse_tui.services.waves import release_wave as release_planned_wave
from warehouse_tui.services.waves.rules import WaveRules
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Parcel, Wave


def test_a_pickers_actor_is_refused_a_supervisors_work(floor: Store) -> None:
    released = release_wave(floor, "pick-by-order", [{"MUG": 1}, {"TEE": 1}], orders_per_task=1)
    wave = released.wave_id
    for step in (pause_wave, resume_wave, cancel_wave):
        assert step(floor, PICKER, wave).refusal is Refusal.ROLE
    assert not release_planned_wave(floor, PICKER, WaveRules())["accepted"]
    other = claim_next_task(floor, PICKER_2)
    assert other is not None
    assert release_claim(floor, PICKER, other.task_id).refusal is Refusal.ROLE
    assert act(floor, PICKER, "held-1", "release").refusal is Refusal.ROLE
    with floor.write() as session:
        parcel = Parcel(order_id=released.order_ids[0])
        session.add(parcel)
        session.flush()
        parcel_id = parcel.id
    assert parcel_id is not None
    # a typed weight needs a supervisor's badge and PIN: the picker's own badge is not one
    typed = packing.typed_weight(floor, PICKER, parcel_id, 500, "OP-1000000001", "1234")
    assert not typed.accepted
    with floor.read() as session:
        assert session.get_one(Wave, wave).status == "picking"  # claimed, never paused
        refused = session.exec(
            select(Journal).where(Journal.operator_id == 1, Journal.accepted == False)  # noqa: E712
        ).all()
    assert len(refused) >= 6
    # KPIs: a picker reads their own figures only, though the other picker worked too
    kpis = operator_kpis(floor, PICKER, date(2026, 1, 1), date(2030, 1, 1)).rows
    assert [row.operator_id for row in kpis] == [1]
