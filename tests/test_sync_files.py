"""The file shop: `*.jsonl` orders from an inbox, a good file to done/, a file with any bad line
to failed/ beside `FILE.errors.json` (`line N: reason`) with nothing of it imported, and each
event delivered as one whole file named by its idempotency key, once however often it is sent;
a batch whose files could not all be written fails an attempt of each event, and the resend
writes only the missing file."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from tests.support.import_files import good_order
from tests.support.sync import connector, importer, ship
from warehouse_tui.i18n import use_language
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, Outbox, OutboxState
from warehouse_tui.sync.runner import sync_once

LATER = datetime(2100, 1, 1, tzinfo=UTC)


def test_a_file_with_a_bad_line_is_refused_whole_and_its_errors_named_by_line(
    store: Store, tmp_path: Path
) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    good = [good_order(n, shop="FS", version=1) for n in (1, 2)]
    (inbox / "a-good.jsonl").write_text(
        "".join(json.dumps(order, ensure_ascii=False) + "\n" for order in good), encoding="utf-8"
    )
    bad_lines = [
        json.dumps(good_order(3, shop="FS", version=1, ship_to={"name": "王芳"})),
        "",
        "{not json",
        json.dumps(good_order(4, shop="FS", version=1)),
    ]
    (inbox / "b-bad.jsonl").write_text("\n".join(bad_lines) + "\n", encoding="utf-8")
    shop = connector("FS", "file", {"inbox": str(inbox), "outbox": str(outbox)}, {})

    report = sync_once(store, shop, importer(store))

    assert (report.pulled, report.imported, report.rejected) == (5, 2, 2)
    assert (inbox / "done" / "a-good.jsonl").exists() and not (inbox / "a-good.jsonl").exists()
    assert (inbox / "failed" / "b-bad.jsonl").exists() and not (inbox / "b-bad.jsonl").exists()
    errors = json.loads((inbox / "failed" / "b-bad.jsonl.errors.json").read_text("utf-8"))
    assert [error.split(":")[0] for error in errors] == ["line 1", "line 3"]
    assert "not JSON" in errors[1]
    with store.read() as session:
        orders = session.exec(select(Order)).all()
    assert sorted(o.shop_order_id for o in orders) == ["1", "2"]  # nothing of the bad file


def test_a_refused_files_errors_are_in_the_operators_language(store: Store, tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "bad.jsonl").write_text("{not json\n[1]\n", encoding="utf-8")
    shop = connector("FS", "file", {"inbox": str(inbox), "outbox": str(outbox)}, {})
    use_language("zh_CN")
    try:
        sync_once(store, shop, importer(store))
    finally:
        use_language("en")
    errors = json.loads((inbox / "failed" / "bad.jsonl.errors.json").read_text("utf-8"))
    assert errors[0].startswith("第 1 行：不是 JSON") and errors[1] == "第 2 行：应为 JSON 对象"


def test_each_event_is_one_whole_file_named_by_its_key_and_sent_once(
    store: Store, tmp_path: Path
) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "orders.jsonl").write_text(
        json.dumps(good_order(7, shop="FS", version=1)) + "\n", encoding="utf-8"
    )
    shop = connector("FS", "file", {"inbox": str(inbox), "outbox": str(outbox)}, {})
    sync_once(store, shop, importer(store))
    ship(store, "FS", "7", "1ZFILE0001")

    report = sync_once(store, shop, importer(store), now=LATER)
    again = sync_once(store, shop, importer(store), now=LATER)

    assert (report.delivered, again.delivered) == (1, 0)
    with store.read() as session:
        [event] = session.exec(select(Outbox)).all()
    assert event.state == OutboxState.DELIVERED
    [sent] = list(outbox.iterdir())  # no temporary file left beside it
    assert sent.name == f"{event.idempotency_key}.json" == event.reference
    document = json.loads(sent.read_text("utf-8"))
    assert (
        document["event"] == "fulfilment" and document["idempotency_key"] == event.idempotency_key
    )
    assert document["payload"]["tracking_numbers"] == ["1ZFILE0001"]


def test_a_batch_with_a_file_that_cannot_be_written_fails_and_the_resend_writes_only_it(
    store: Store, tmp_path: Path
) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    orders = [json.dumps(good_order(n, shop="FS", version=1)) for n in (1, 2)]
    (inbox / "orders.jsonl").write_text("\n".join(orders) + "\n", encoding="utf-8")
    shop = connector("FS", "file", {"inbox": str(inbox), "outbox": str(outbox)}, {})
    sync_once(store, shop, importer(store))
    ship(store, "FS", "1", "1ZFILE0001")
    ship(store, "FS", "2", "1ZFILE0002")
    with store.read() as session:
        first, second = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    # The second event's temporary file cannot be opened: a folder stands in its place.
    blocker = outbox / f".{second.idempotency_key}.json.{os.getpid()}.tmp"
    blocker.mkdir(parents=True)

    report = sync_once(store, shop, importer(store), now=LATER)

    assert (report.delivered, report.failed, report.dead, report.backlog) == (0, 2, 0, 2)
    with store.read() as session:
        events = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert [(e.state, e.attempts) for e in events] == [(OutboxState.PENDING, 1)] * 2
    assert all("IsADirectoryError" in e.last_error for e in events)
    written = outbox / f"{first.idempotency_key}.json"
    assert written.exists()  # the file that could be written is in place
    before = written.stat().st_mtime_ns

    blocker.rmdir()
    retried = sync_once(store, shop, importer(store), now=LATER + timedelta(hours=1))
    shop.close()

    assert (retried.delivered, retried.failed) == (2, 0)
    assert written.stat().st_mtime_ns == before  # found, not written again
    assert sorted(path.name for path in outbox.iterdir()) == sorted(
        f"{e.idempotency_key}.json" for e in events
    )
