"""An order import in short writes (services/importing/staged.py), on SQLite and PostgreSQL:
a reader in another process never sees part of a file, an import killed with -9 mid-way leaves
nothing a reader sees and is cleaned by the next import or `db upgrade`, and a station's scans
get in between the import's writes rather than after all of them."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import Db
from tests.support.import_files import IMPORT_ACTOR, good_order, jsonl
from warehouse_tui.cli import app
from warehouse_tui.services.importing import ImportKind, import_file, recover_imports
from warehouse_tui.services.journal import Actor, journal_scan
from warehouse_tui.services.orders import status_counts
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ImportBatch, Journal, Order, OrderStatus

ORDERS = 6_000
SPAWN = multiprocessing.get_context("spawn")


def _order_file(folder: Path, count: int = ORDERS) -> Path:
    path = folder / "orders.jsonl"
    path.write_text(jsonl(*(good_order(number) for number in range(1, count + 1))))
    return path


def _import(url: str, schema: str | None, path: str) -> None:
    store = Store(url, schema=schema)
    result = import_file(store, ImportKind.ORDERS, Path(path), actor=IMPORT_ACTOR)
    assert result.created == ORDERS, result


def _visible(store: Store) -> int:
    """Orders a reader sees, counted the way `status` counts them."""
    return sum(status_counts(store)["orders"].values())


def _importing(store: Store) -> int:
    with store.read() as session:
        return session.execute(
            select(func.count()).where(Order.status == OrderStatus.IMPORTING)
        ).scalar_one()


def _read_while(url: str, schema: str | None, stop: Any, seen: Any) -> None:
    """A reader process: what `status` shows, over and over, and whether an import was
    part-way through (rows still importing) at that moment."""
    store = Store(url, schema=schema)
    while not stop.is_set():
        importing = _importing(store)
        seen.put((_visible(store), importing))


def _in_process(db: Db, target: Callable[..., None], *args: Any) -> Any:
    process = SPAWN.Process(target=target, args=(db.store.url, db.schema, *args))
    process.start()
    return process


def _wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def test_a_reader_sees_none_or_all_of_an_import(db: Db, tmp_path: Path) -> None:
    path = _order_file(tmp_path)
    stop, seen = SPAWN.Event(), SPAWN.Queue()
    reader = _in_process(db, _read_while, stop, seen)
    importer = _in_process(db, _import, str(path))
    importer.join(180)
    assert importer.exitcode == 0
    stop.set()
    observed = []
    while reader.is_alive() or not seen.empty():
        while not seen.empty():
            observed.append(seen.get())
        reader.join(0.1)
    assert {visible for visible, _importing in observed} <= {0, ORDERS}
    assert any(importing for _visible, importing in observed), "no read during the import"
    assert _visible(db.store) == ORDERS and _importing(db.store) == 0


def _kill_mid_import(db: Db, path: Path) -> None:
    importer = _in_process(db, _import, str(path))
    try:
        _wait_for(lambda: _importing(db.store) > 0, "rows written by the import")
        assert importer.pid is not None
        os.kill(importer.pid, signal.SIGKILL)
        importer.join(30)
        assert importer.exitcode == -signal.SIGKILL
    finally:
        if importer.is_alive():
            importer.kill()


def _upgrade_command(store: Store) -> None:
    assert store.sqlite_path is not None
    outcome = CliRunner().invoke(app, ["db", "upgrade", "--db", str(store.sqlite_path)])
    assert outcome.exit_code == 0, outcome.output


@pytest.mark.parametrize("recovery", ["next import", "db upgrade"])
def test_an_import_killed_mid_way_leaves_nothing_seen_and_is_cleaned(
    db: Db, tmp_path: Path, recovery: str
) -> None:
    path = _order_file(tmp_path)
    _kill_mid_import(db, path)
    assert _visible(db.store) == 0 and _importing(db.store) > 0
    if recovery == "db upgrade":
        if db.schema is None:
            _upgrade_command(db.store)
        else:  # the command takes no schema: the service it runs
            recover_imports(db.store)
        assert _importing(db.store) == 0 and _visible(db.store) == 0
    result = import_file(db.store, ImportKind.ORDERS, path, actor=IMPORT_ACTOR)
    assert result.created == ORDERS
    assert _visible(db.store) == ORDERS and _importing(db.store) == 0
    with db.store.read() as session:
        states = sorted(session.execute(select(ImportBatch.state)).scalars())
    assert states == ["cleaned", "done"]


def test_a_live_import_is_not_taken_for_a_crashed_one(db: Db, tmp_path: Path) -> None:
    path = _order_file(tmp_path)
    importer = _in_process(db, _import, str(path))
    _wait_for(lambda: _importing(db.store) > 0, "rows written by the import")
    assert recover_imports(db.store) == 0
    importer.join(180)
    assert importer.exitcode == 0
    assert _visible(db.store) == ORDERS


def test_a_station_scans_between_the_import_writes(db: Db, tmp_path: Path) -> None:
    """Not a timed test: each scan is a write transaction, and after it the batch's progress is
    read. Scans that land at several different points of the import came in between its
    writes; one long transaction would have let them in only before or after it (and shown no
    progress between). Two points already prove it; a loaded machine's bigger chunks may give
    no more than two."""
    path = _order_file(tmp_path)
    station = Actor(None, "PACK-1", "PackScreen")
    importer = _in_process(db, _import, str(path))
    progress_seen: set[int] = set()
    try:
        _wait_for(lambda: _open_batch_progress(db.store) is not None, "the import's batch")
        while (written := _open_batch_progress(db.store)) is not None:
            journal_scan(db.store, station, "4006381333931", accepted=True, reason="")
            after = _open_batch_progress(db.store)
            if after is not None and 0 < written < ORDERS:
                progress_seen.add(after)
    finally:
        importer.join(180)
    assert importer.exitcode == 0
    assert len(progress_seen) >= 2, progress_seen


def _open_batch_progress(store: Store) -> int | None:
    """How many orders the open import batch has written; None when none is open."""
    with store.read() as session:
        return session.execute(
            select(ImportBatch.orders).where(ImportBatch.state == "open")
        ).scalar_one_or_none()


def _journal_actions(store: Store) -> list[tuple[str, bool]]:
    with store.read() as session:
        rows = session.execute(select(Journal.action, Journal.accepted).order_by(Journal.id))
        return [(action, accepted) for action, accepted in rows]


def _orders_left(store: Store) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(Order)).scalar_one()


def test_a_bad_line_after_writes_began_leaves_nothing_and_reports_every_bad_line(
    db: Db, tmp_path: Path
) -> None:
    """The file is read a line at a time and staged as it goes: bad lines past the first
    writes still refuse all of it, every bad line is reported, and the staged orders go."""
    records = [good_order(number) for number in range(1, 3_001)]
    records[1_999] = good_order(2_000, carrier=7)
    records[2_499] = good_order(2_500, lines="none")
    path = tmp_path / "orders.jsonl"
    path.write_text(jsonl(*records))
    result = import_file(db.store, ImportKind.ORDERS, path, actor=IMPORT_ACTOR)
    assert [error.line for error in result.errors] == [2_000, 2_500]
    assert not result.created and result.to_json()["imported"] == 0
    assert (_orders_left(db.store), _visible(db.store)) == (0, 0)
    assert _journal_actions(db.store) == [("import-orders", False)]


def test_a_line_that_is_not_utf8_far_into_a_file_refuses_it_naming_the_line(
    db: Db, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"
    good = jsonl(*(good_order(number) for number in range(1, 2_001))).encode()
    path.write_bytes(good + b'{"shop": "WEB", "shop_order_id": "caf\xe9"}\n')
    result = import_file(db.store, ImportKind.ORDERS, path, actor=IMPORT_ACTOR)
    assert [(error.line, error.reason) for error in result.errors] == [(2_001, "not UTF-8 text")]
    assert _orders_left(db.store) == 0


def test_an_order_twice_in_a_file_ends_at_its_newest_version_far_apart_or_close(
    db: Db, tmp_path: Path
) -> None:
    """Its first row is staged; a later row, in the same write or thousands of lines on,
    settles it at the flip as if the file held only the newest version: no journal row or
    count for the versions in between."""
    records: list[dict[str, Any]] = [good_order(number) for number in range(1, 2_501)]
    records.insert(1, {"shop": "WEB", "shop_order_id": "1", "version": 2, "cancelled": True})
    records.append(good_order(2, version=3, carrier="UPS"))
    records.append(good_order(2, version=2, carrier="GLS"))  # older: the newest stays
    records.append(good_order(3, version=1, carrier="GLS"))  # equal: the first stays
    path = tmp_path / "orders.jsonl"
    path.write_text(jsonl(*records))
    result = import_file(db.store, ImportKind.ORDERS, path, actor=IMPORT_ACTOR)
    assert (result.created, result.updated, result.cancelled) == (2_500, 0, 0)
    with db.store.read() as session:
        orders = {
            order.shop_order_id: order
            for order in session.exec(
                select(Order).where(Order.shop_order_id.in_(("1", "2", "3")))
            ).scalars()
        }
    assert (orders["1"].status, orders["1"].shop_version) == (OrderStatus.CANCELLED, 2)
    assert (orders["2"].carrier, orders["2"].shop_version) == ("UPS", 3)
    assert orders["3"].carrier == "DHL"
    assert _journal_actions(db.store) == [("import-orders", True)]
