"""Operator KPIs from the journal and the stock ledger (SQLite and PostgreSQL): per operator,
shift and day, only one's own for a picker; `warehouse-tui kpi` as JSON and CSV; the command
line's named local admin (`--operator`) in the journal."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static

from tests.apphelpers import make_test_app, open_screen
from tests.support.picking_floor import (
    PICKER,
    SUPERVISOR,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
)
from warehouse_tui.domain.pins import hash_pin
from warehouse_tui.screens.kpi import KpiScreen
from warehouse_tui.services.kpi import KpiBy, kpi_rows, operator_kpis
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Operator, Sku, StockMove

DAY = date(2026, 12, 3)


def at(hh_mm: str) -> datetime:
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return datetime(2026, 12, 3, hour, minute, tzinfo=UTC)


PICKING = [  # operator 1 on the early shift
    ("08:00", "pick.claim", True, None),
    ("08:01", "pick.scan", True, None),
    ("08:02", "pick.scan", False, None),
    ("08:03", "pick.scan", True, None),
    ("08:04", "pick.scan", True, None),
    ("08:10", "pick.short", True, None),
    ("08:30", "pick.claim", True, None),  # 20 minutes idle since the short
    ("09:00", "pick.scan", True, None),
]
PACKING = [  # operator 2 on the late shift, and at night past midnight
    ("15:00", "pack.start", True, None),
    ("15:05", "pack.weigh", False, None),
    ("15:10", "pack.close", True, 1),
    ("15:20", "pack.close", True, 1),  # a second parcel of the same order
    ("16:00", "pack.close", True, 2),
]


def history(store: Store) -> None:
    """What the journal and the ledger hold after a day on the floor (orders 1 and 2 are the
    two orders of a wave)."""
    orders = release_wave(store, "pick-by-order", [{"MUG": 1}, {"TEE": 1}]).order_ids
    with store.write() as session:
        for operator_id, rows in ((1, PICKING), (2, PACKING)):
            for moment, action, accepted, order_id in rows:
                session.add(
                    Journal(
                        at=at(moment),
                        operator_id=operator_id,
                        action=action,
                        accepted=accepted,
                        order_id=None if order_id is None else orders[order_id - 1],
                    )
                )
        sku = session.exec(select(Sku)).first()
        assert sku is not None and sku.id is not None
        for moment, units in (("08:05", 3), ("08:50", 1)):
            session.add(
                StockMove(at=at(moment), sku_id=sku.id, delta=-units, reason="pick", operator_id=1)
            )
        # the night shift: 23:30 on the 3rd and 00:30 on the 4th are one shift of the 3rd
        session.add(Journal(at=at("23:30"), operator_id=2, action="pack.start"))
        session.add(
            Journal(at=datetime(2026, 12, 4, 0, 30, tzinfo=UTC), operator_id=2, action="pack.start")
        )


def test_kpis_per_operator(floor: Store) -> None:
    history(floor)
    result = operator_kpis(floor, SUPERVISOR, DAY, DAY)
    picker, packer = (row.as_dict() for row in result.rows)
    assert picker["operator"] == "Ana Picker"
    assert (picker["pick_lines"], picker["units"], picker["short_picks"]) == (2, 4, 1)
    assert picker["hours"] == 1.0  # 08:00 to 09:00
    assert (picker["pick_lines_per_hour"], picker["units_per_hour"]) == (2.0, 4.0)
    assert picker["refused_per_100"] == 20.0  # one of five scans
    assert picker["idle_min"] == 20.0
    assert packer["operator"] == "Ben Picker"
    assert (packer["orders_packed"], packer["parcels_packed"], packer["weight_rejects"]) == (
        2, 3, 1,
    )  # fmt: skip
    # 15:00 to 00:30 is 9.5 hours: the night shift past midnight counts to the day it began
    assert packer["hours"] == 9.5


def test_kpis_per_shift_and_day(floor: Store) -> None:
    history(floor)
    shifts = operator_kpis(floor, SUPERVISOR, DAY, date(2026, 12, 4), KpiBy.SHIFT).rows
    assert [(row.day, row.shift, row.operator_id) for row in shifts] == [
        (DAY, "early", 1),
        (DAY, "late", 2),
        (DAY, "night", 2),  # 23:30 and 00:30 of the next day: one night shift
    ]
    night = shifts[2]
    assert night.hours == 1.0
    days = operator_kpis(floor, SUPERVISOR, DAY, date(2026, 12, 4), KpiBy.DAY).rows
    # a day is the shifts' day: the night past midnight counts to the day it began
    assert [(row.day, row.operator_id) for row in days] == [(DAY, 1), (DAY, 2)]


def test_a_picker_reads_only_their_own_kpis(floor: Store) -> None:
    history(floor)
    rows = list(kpi_rows(operator_kpis(floor, PICKER, DAY, DAY)))
    assert [row["operator_id"] for row in rows] == [1]


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warehouse_tui", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def sqlite_history(floor: Store) -> Path:
    history(floor)
    path = floor.sqlite_path
    assert path is not None
    return path


def test_kpi_command_json_and_csv(floor: Store) -> None:
    if not floor.is_sqlite:
        pytest.skip("the command reads what the service reads: once, on SQLite, is enough")
    path = sqlite_history(floor)
    done = cli(path, "kpi", "--from", "2026-12-03", "--to", "2026-12-03", "--by", "shift", "--json")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    document = json.loads(line)
    assert document["by"] == "shift"
    assert [(row["shift"], row["operator_id"]) for row in document["rows"]] == [
        ("early", 1), ("late", 2), ("night", 2),
    ]  # fmt: skip
    done = cli(path, "kpi", "--from", "2026-12-03", "--to", "2026-12-03", "--csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["operator"] for row in rows] == ["Ana Picker", "Ben Picker"]
    assert rows[0]["units_per_hour"] == "4.0"
    refused = cli(path, "kpi", "--from", "2026-12-03", "--to", "2026-12-03", "--by", "week")
    assert refused.returncode == 1
    assert "operator, shift or day" in refused.stderr


def test_the_command_line_acts_as_the_named_local_admin(floor: Store) -> None:
    if not floor.is_sqlite:
        pytest.skip("once, on SQLite, is enough: the screen is the same on PostgreSQL")
    path = floor.sqlite_path
    assert path is not None
    done = cli(path, "--operator", "Mia Lead", "settings", "set", "claim_lease_s", "600")
    assert done.returncode == 0, done.stderr
    with floor.read() as session:
        row = session.exec(select(Journal).where(Journal.action == "setting.set")).one()
    assert (row.operator_id, row.actor_name) == (None, "Mia Lead")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_snapshot_kpi_screen(floor: Store, language: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    if not floor.is_sqlite:
        pytest.skip("once, on SQLite, is enough: the screen is the same on PostgreSQL")
    history(floor)
    with floor.write() as session:
        supervisor = session.get_one(Operator, 3)
        supervisor.pin_hash, supervisor.language = hash_pin("3333"), language

    async def run_before(pilot: Pilot) -> None:
        await open_screen(pilot, "OP-1000000003", KpiScreen(lambda: at("17:00")))

    assert snap_compare(make_test_app(floor), terminal_size=(80, 24), run_before=run_before)


async def test_kpi_screen_bars_per_operator(floor: Store) -> None:
    history(floor)
    app = make_test_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, "OP-1000000003", KpiScreen(lambda: at("17:00")))
        shown = str(screen.query_one("#kpi-bars", Static).render())
        assert shown  # a table renders; its lines are checked through the snapshot
        await pilot.press("f1")
        await pilot.pause()
        assert "refused scans per hundred" in str(app.screen.query_one("#help-text").render())
