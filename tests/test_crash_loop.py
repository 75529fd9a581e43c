"""kill -9, over and over, on SQLite and PostgreSQL: the database is the truth (DESIGN.md, Rules
that keep it real).

- Between the close and the print: the printer kills the packing process the moment a label
  reaches it, before the station can record the print. A restarted station prints the label
  again with the same number; no number ever goes to two parcels, and no label carries a
  number its parcel does not have.
- Pickers and packers killed at random: each restart resumes the same pick list and the same
  parcel, every scan a station saw accepted is in the journal, nothing is picked, packed or
  labelled twice, and `check` finds the floor consistent.

Each station is a process of its own (spawned); its log of what it saw is a file it appends
to, line by line, as a terminal's operator would remember it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from tests.conftest import Db
from tests.factories import (
    busy_floor,
    next_pack_step,
    next_pick_scan,
    pick_all,
    picked_totes,
    printed_labels,
    ready_to_close,
)
from warehouse_tui.services import packing, picking
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Order, OrderStatus, Parcel, PickTask, Stock

STATION_TIMEOUT_S = 90
KILL_PHASE_S = 25.0


# --- a station's memory: one JSON line per thing it saw --------------------------------------


def remember(log: Path, **fact: Any) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(fact) + "\n").encode())
    finally:
        os.close(fd)


def memories(log: Path) -> list[dict[str, Any]]:
    """What the station wrote, but a last line torn by the kill."""
    if not log.exists():
        return []
    facts = []
    for line in log.read_text().splitlines():
        try:
            facts.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return facts


def last(log: Path, key: str) -> Any:
    return next((fact[key] for fact in reversed(memories(log)) if key in fact), None)


# --- stations --------------------------------------------------------------------------------


def picker_station(url: str, schema: str | None, picker: Actor, log: Path) -> None:
    """Walk pick lists until none is left. On start, the list held before must be held again."""
    store = Store(url, schema=schema)
    before = last(log, "held")
    held = picking.held_task(store, picker)
    if before is not None:
        with store.read() as session:
            status = session.get_one(PickTask, before).status
        if status in ("claimed", "paused") and (held is None or held.task_id != before):
            remember(log, mismatch=f"held PICK-{before}, resumed {held}")
    remember(log, ready=True)
    while (task := picking.claim_next_task(store, picker)) is not None:
        remember(log, held=task.task_id)
        code = next_pick_scan(store, task.task_id)
        if code is None:
            continue
        if picking.scan_at_stop(store, picker, task.task_id, code).accepted:
            remember(log, accepted=code)
    remember(log, finished=True)


def packer_station(
    url: str, schema: str | None, packer: Actor, share: tuple[int, int], printer: str, log: Path
) -> None:
    """Pack the orders of this station's `share` (id mod n == k) as they come in picked. On
    start, the parcel left on the bench before must be the one the station opens on."""
    store = Store(url, schema=schema)
    bench = _bench(store, packer)
    before = last(log, "parcel")
    if before is not None:
        view = packing.pack_view(store, before)
        unfinished = view is not None and (view.status == "open" or view.label_due)
        if unfinished and bench != before:
            remember(log, mismatch=f"left PCL-{before}, opened on {bench}")
    remember(log, ready=True)
    while True:
        parcel_id = _bench(store, packer) or _start_next(store, packer, share)
        if parcel_id is None:
            if _share_done(store, share):
                break
            time.sleep(0.05)  # the pickers are still at it
            continue
        remember(log, parcel=parcel_id)
        step = next_pack_step(store, packer, parcel_id, printer)
        if step is not None and step.run().accepted:
            remember(log, accepted=step.raw)
    remember(log, finished=True)


def _bench(store: Store, packer: Actor) -> int | None:
    return packing.open_parcel_at_station(
        store, packer.station
    ) or packing.unprinted_parcel_at_station(store, packer.station)


def _start_next(store: Store, packer: Actor, share: tuple[int, int]) -> int | None:
    mine = [tote for order, tote in picked_totes(store).items() if order % share[1] == share[0]]
    if not mine:
        return None
    started = packing.start_pack(store, packer, mine[0])
    return started.parcel_id if started.accepted else None


def _share_done(store: Store, share: tuple[int, int]) -> bool:
    with store.read() as session:
        statuses = session.exec(select(Order.id, Order.status)).all()
    return all(
        status == OrderStatus.PACKED for order, status in statuses if order % share[1] == share[0]
    )


# --- a printer that kills its sender -----------------------------------------------------------


class KillingPrinter:
    """A raw TCP 9100 printer that, on every `every`-th label, kills the process sending it the
    moment its first bytes arrive (the bytes already sent still arrive), then keeps the rest."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.pid = 0
        self.kills = 0
        self.received = bytearray()
        self._labels = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def destination(self) -> str:
        return f"tcp://127.0.0.1:{self._server.getsockname()[1]}"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _peer = self._server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                first = True
                while chunk := connection.recv(65536):
                    if first:
                        self._labels += 1
                        if self._labels % self.every == 0 and self.pid:
                            os.kill(self.pid, signal.SIGKILL)
                            self.kills += 1
                        first = False
                    self.received += chunk


def close_all(
    url: str, schema: str | None, packer: Actor, parcels: list[int], printer: str
) -> None:
    store = Store(url, schema=schema)
    for parcel_id in parcels:
        while (step := next_pack_step(store, packer, parcel_id, printer)) is not None:
            step.run()


def test_a_station_killed_between_close_and_print_never_reuses_a_number(db: Db) -> None:
    floor = busy_floor(db.store, 8)
    pick_all(db.store, floor.pickers[0])
    packer = floor.packers[0]
    parcels = [ready_to_close(db.store, packer, tote) for tote in picked_totes(db.store).values()]
    printer = KillingPrinter(every=2)
    context = multiprocessing.get_context("spawn")
    try:
        for restart in range(3 * len(parcels)):
            # Each restart begins with another parcel: a number taken back by a rollback
            # would go to a different parcel, and show.
            turn = parcels[restart % len(parcels) :] + parcels[: restart % len(parcels)]
            station = context.Process(
                target=close_all,
                args=(db.store.url, db.schema, packer, turn, printer.destination),
            )
            station.start()
            printer.pid = station.pid or 0
            station.join(STATION_TIMEOUT_S)
            if station.exitcode == 0:
                break
            assert station.exitcode == -signal.SIGKILL
        else:
            pytest.fail("the station never finished")
    finally:
        printer.stop()
    assert printer.kills >= len(parcels) // 2
    with db.store.read() as session:
        stored = {p.id: p for p in session.exec(select(Parcel)).all()}
    assert all(p.status == "closed" and p.label_printed_at is not None for p in stored.values())
    numbers = [p.tracking for p in stored.values()]
    assert len(set(numbers)) == len(numbers) == len(parcels)
    labels = printed_labels(printer.received.decode("utf-8", "replace"))
    assert set(labels) == {(f"PCL-{p.id}", p.tracking) for p in stored.values()}
    assert check_floor(db.store) == []


def test_pickers_and_packers_killed_at_random_lose_nothing_and_double_nothing(
    db: Db, tmp_path: Path
) -> None:
    floor = busy_floor(db.store, 8, pickers=2, packers=2, cart_totes=2)
    with db.store.read() as session:
        on_hand_before = sum(session.exec(select(Stock.on_hand)).all())
    printer = tmp_path / "labels.zpl"
    stations: dict[str, tuple[Any, tuple[Any, ...], Path]] = {}
    for picker in floor.pickers:
        log = tmp_path / f"{picker.station}.log"
        stations[picker.station] = (picker_station, (picker, log), log)
    for index, packer in enumerate(floor.packers):
        log = tmp_path / f"{packer.station}.log"
        share = (index, len(floor.packers))
        stations[packer.station] = (packer_station, (packer, share, str(printer), log), log)
    context = multiprocessing.get_context("spawn")

    def launch(name: str) -> Any:
        target, args, _log = stations[name]
        process = context.Process(target=target, args=(db.store.url, db.schema, *args))
        process.start()
        return process

    running = {name: launch(name) for name in stations}
    kills = Counter[str]()
    rng = random.Random(7)
    deadline = time.monotonic() + KILL_PHASE_S
    while time.monotonic() < deadline and any(p.is_alive() for p in running.values()):
        time.sleep(rng.uniform(0.05, 0.6))
        alive = [name for name, p in running.items() if p.is_alive()]
        ready = [name for name in alive if sum("ready" in f for f in memories(stations[name][2]))]
        if not ready:
            continue
        name = rng.choice(ready)
        running[name].kill()
        running[name].join()
        kills[name] += 1
        running[name] = launch(name)
    for name, process in running.items():
        process.join(STATION_TIMEOUT_S)
        assert process.exitcode == 0, (name, process.exitcode)
    assert sum(kills.values()) >= 10

    facts = {name: memories(log) for name, (_target, _args, log) in stations.items()}
    assert [f for fs in facts.values() for f in fs if "mismatch" in f] == []
    assert all(fs[-1] == {"finished": True} for fs in facts.values())
    with db.store.read() as session:
        accepted = Counter(
            (station, raw)
            for station, raw in session.exec(
                select(Journal.station, Journal.raw).where(Journal.accepted)
            ).all()
        )
        statuses = set(session.exec(select(Order.status)).all())
        parcels = session.exec(select(Parcel).where(Parcel.status != "cancelled")).all()
        on_hand_after = sum(session.exec(select(Stock.on_hand)).all())
    seen = Counter(
        (name, fact["accepted"]) for name, fs in facts.items() for fact in fs if "accepted" in fact
    )
    lost = {key: count for key, count in seen.items() if accepted[key] < count}
    assert lost == {}
    assert statuses == {OrderStatus.PACKED}
    assert len(parcels) == 8 and all(p.label_printed_at is not None for p in parcels)
    assert len({p.tracking for p in parcels}) == 8
    assert on_hand_before - on_hand_after == 16  # a mug and socks per order, each picked once
    labels = printed_labels(printer.read_text())
    assert set(labels) == {(f"PCL-{p.id}", p.tracking) for p in parcels}
    assert check_floor(db.store) == []
