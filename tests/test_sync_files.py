"""The file shop: `*.jsonl` orders from an inbox, a good file to done/, a file with any bad line
to failed/ beside `FILE.errors.json` (`line N: reason`) with nothing of it imported, and each
event delivered as one whole file named by its idempotency key, once however often it is sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from tests.support.import_files import good_order
from tests.support.sync import connector, importer, ship
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
