"""kill -9 on a receiving handheld, over and over, on SQLite and PostgreSQL: every unit the
station saw received is on the delivery, every put-away it saw is on the shelf and in the
ledger, a restarted station resumes the same delivery and line, and `check` agrees."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

from sqlmodel import select

from tests.conftest import Db
from tests.support.goodsin_floor import MUG_EAN, SHELF_2, build_goodsin_floor
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.receipts import (
    import_receipts,
    open_receipt,
    put_away_line,
    receive_scan,
    receiving_desk,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ReceiptLine, Stock, StockMove

UNITS = 200
KILLS = 4


def station(url: str, schema: str | None, actor: Actor, log: str) -> None:
    """Receive the delivery a unit at a time, putting away every fifth; write down each
    accepted step after the service answered, as an operator would remember it."""
    store = Store(url, schema=schema)
    desk = receiving_desk(store, actor)
    if desk.receipt_id is None:
        opened = open_receipt(store, actor, "PO-1")
        assert opened.receipt_id is not None
        desk = receiving_desk(store, actor)
    assert desk.receipt_id is not None
    while True:
        step = receive_scan(store, actor, desk.receipt_id, MUG_EAN)
        assert step.accepted, step.reason
        _remember(log, received=step.received)
        if step.received % 5 == 0 and step.line_id is not None:
            put = put_away_line(store, actor, step.line_id, SHELF_2)
            if put.accepted:
                _remember(log, put_away=step.received)
        if step.received >= UNITS:
            return


def _remember(log: str, **fact: int) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(fact) + "\n").encode())
    finally:
        os.close(fd)


def _memories(log: Path) -> list[dict[str, int]]:
    facts = []
    for line in log.read_text().splitlines() if log.exists() else []:
        try:
            facts.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by the kill
    return facts


def test_a_receiving_station_killed_again_and_again_loses_nothing_it_saw(
    db: Db, tmp_path: Path
) -> None:
    floor = build_goodsin_floor(db.store)
    delivery = {"supplier": "ACME", "reference": "PO-1", "lines": [{"sku": "MUG", "qty": UNITS}]}
    assert import_receipts(db.store, floor.clerk, [json.dumps(delivery)]).accepted
    log = tmp_path / "station.log"
    context = multiprocessing.get_context("spawn")
    rng = random.Random(14)
    killed = 0
    for attempt in range(KILLS + 1):
        process = context.Process(
            target=station, args=(db.store.url, db.schema, floor.clerk, str(log))
        )
        before = len(_memories(log))
        process.start()
        if attempt < KILLS:
            deadline = time.monotonic() + 60
            while len(_memories(log)) <= before and time.monotonic() < deadline:
                time.sleep(0.01)  # the station is at work: kill it mid-delivery
            time.sleep(rng.uniform(0, 0.3))
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        process.join(90)
        assert process.exitcode in (0, -signal.SIGKILL)
        killed += process.exitcode == -signal.SIGKILL
    assert killed >= 1, "no run was killed mid-delivery: the machine is too slow to tell"
    seen = _memories(log)
    with db.store.read() as session:
        line = session.execute(select(ReceiptLine)).scalars().one()
        moved = sum(
            session.execute(select(StockMove.delta).where(StockMove.ref == "PO-1")).scalars()
        )
        shelf = session.execute(
            select(Stock.on_hand).where(Stock.location_id != None)  # noqa: E711
        ).scalars()
        on_hand = sum(shelf)
    # A station started after the delivery was complete scans one more unit before it stops.
    assert UNITS <= line.received <= UNITS + KILLS
    assert max(fact["received"] for fact in seen if "received" in fact) <= line.received
    assert max((fact["put_away"] for fact in seen if "put_away" in fact), default=0) <= (
        line.put_away
    )
    assert moved == line.put_away and on_hand == 5 + line.put_away  # 5 mugs were there before
    assert check_floor(db.store) == []
