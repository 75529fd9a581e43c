"""A station keeps scanning while a big wave is released: the release plans with no write open
(a station in another process commits its scans meanwhile) and writes in one short write whose
statements do not grow with the wave (executemany, not a statement per row: those run through
SQLAlchemy are counted, the prepared ones of store/wave_release.py are one executemany each).
On SQLite, where every write waits for the one writer lock; no time is asserted (the machine may
be loaded): bench/bench_waves.py measures the station's waits."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, update

from tests.support.waves_floor import ACTOR, add_order, stocked_floor
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.services.waves import release as releasing
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import OrderLine, OrderStatus

ORDERS = 400
STATION = """
import sys, time
from warehouse_tui.services.journal import Actor, journal_scan
from warehouse_tui.store.engine import Store
store = Store(sys.argv[1])
actor = Actor(None, "PACK-1", "test")
while True:
    start = time.monotonic()
    journal_scan(store, actor, "4006381333931", accepted=True, reason="")
    print(start, time.monotonic(), flush=True)
    time.sleep(0.002)
"""


class Station:
    """Another process scanning over and over; the (start, end) of each scan it committed."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", STATION, str(db)], stdout=subprocess.PIPE, text=True
        )
        self.scans: list[tuple[float, float]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            start, end = map(float, line.split())
            self.scans.append((start, end))

    def committed_after(self, moment: float, timeout: float = 60.0) -> bool:
        """Whether a scan begun after `moment` is committed within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(start > moment for start, _end in self.scans):
                return True
            time.sleep(0.01)
        return False

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def _floor(store: Store) -> None:
    with store.write() as session:
        skus = stocked_floor(session, skus=6, per_location=10 * ORDERS)
        for number in range(ORDERS):
            lines = [(f"SKU-{number % 6 + 1}", 1), (f"SKU-{(number + 3) % 6 + 1}", 1)]
            add_order(session, number, lines, status=OrderStatus.READY)
        for sku in skus:
            session.execute(
                update(OrderLine).where(OrderLine.sku_code == sku.code).values(sku_id=sku.id)
            )


def test_a_station_scans_while_a_big_wave_is_planned_and_written(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _floor(sqlite_store)
    station = Station(tmp_path / "floor.db")
    plan_wave, write = releasing.plan_wave, releasing._write
    while_planning: list[bool] = []
    statements: list[int] = []

    def planning(session, rules):  # type: ignore[no-untyped-def]
        began = time.monotonic()
        plan = plan_wave(session, rules)
        # Still planning: a write held now would keep the station from committing.
        while_planning.append(station.committed_after(began))
        return plan

    def writing(session, actor, plan):  # type: ignore[no-untyped-def]
        count = [0]

        def counted(*_args: object) -> None:
            count[0] += 1

        event.listen(sqlite_store.engine, "before_cursor_execute", counted)
        try:
            return write(session, actor, plan)
        finally:
            event.remove(sqlite_store.engine, "before_cursor_execute", counted)
            statements.append(count[0])

    monkeypatch.setattr(releasing, "plan_wave", planning)
    monkeypatch.setattr(releasing, "_write", writing)
    try:
        assert station.committed_after(0.0)  # the station is up
        small = release_wave(sqlite_store, ACTOR, WaveRules(max_orders=10))
        big = release_wave(sqlite_store, ACTOR, WaveRules(max_orders=ORDERS - 10))
    finally:
        station.stop()
    assert small["accepted"] and small["orders"] == 10
    assert big["accepted"] and big["orders"] == ORDERS - 10
    assert while_planning == [True, True]
    assert statements[1] <= statements[0], statements  # the same few, whatever the wave's size
