"""The file shop: orders come in as `*.jsonl` files in an inbox, fulfilments go out as files.

Pull takes the inbox's files in name order, one file a page, each all or nothing like a hand
import: a good file moves to `done/`, a file with any bad line to `failed/` beside a
`FILE.errors.json` listing `line N: reason`. A crash before the move only means the file is
read again, and a second import of the same versions changes nothing.

Deliver writes each event as one file named by its idempotency key, through a temporary file,
fsync and rename, so a reader never sees half an event and a resend finds the file already
there. A batch's files are written and fsynced by a few threads at once, while the outbox goes
on to the next event: the filesystem then commits their fsyncs together instead of one by one.
`flush` (before the outbox marks the batch) waits for them, renames each into place and fsyncs
the folder once. A kill before the renames leaves only temporary files (the events go again);
a kill after them leaves the events' files, which a resend finds (`already_applied`) and does
not write again.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import Applied, Event, Page, PermanentError

PATTERN = "*.jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9._:@=+-]")
WRITERS = 8
"""Threads writing a batch's files: enough fsyncs in flight for the filesystem to commit them
together; each thread spends its time waiting for the disk, not holding the interpreter."""


class FileConnector:
    kind = "file"

    def __init__(self, code: str, inbox: Path, outbox: Path) -> None:
        self.code = code
        self.inbox = inbox
        self.outbox = outbox
        self._writing: dict[Path, Future[Path]] = {}  # an event's file: its synced temporary
        self._writers: ThreadPoolExecutor | None = None

    # --- pull -------------------------------------------------------------------------------

    def pull(self, cursor: str) -> Page:
        waiting = sorted(self.inbox.glob(PATTERN)) if self.inbox.is_dir() else []
        if not waiting:
            return Page([], cursor, done=True)
        path = waiting[0]
        records, lines, rejected = read_jsonl(path)
        return Page(
            records,
            cursor,
            done=len(waiting) == 1,
            all_or_nothing=True,
            source=path.name,
            lines=tuple(lines),
            rejected=rejected,
        )

    def settle(self, page: Page, applied: Applied) -> None:
        path = self.inbox / page.source
        if not page.source or not path.exists():
            return
        folder = self.inbox / ("failed" if applied.rejected else "done")
        folder.mkdir(exist_ok=True)
        if applied.rejected:
            errors = [
                _("line {line}: {reason}").format(line=page.line_of(index), reason=reason)
                for index, reason in sorted(applied.rejected.items())
            ]
            write_durably(
                folder / f"{page.source}.errors.json",
                json.dumps(errors, ensure_ascii=False, indent=1),
            )
        os.replace(path, folder / page.source)
        sync_folder(self.inbox)

    # --- deliver ----------------------------------------------------------------------------

    def deliver(self, event: Event) -> str:
        """The event's file begins to be written; it is in place once `flush` returns. A
        resend asks `already_applied` first (the outbox does), so a first send writes without
        looking: a look at the folder waits behind the batch's fsyncs in it."""
        path = self._path(event)
        if path not in self._writing:
            document = {
                "event": event.kind,
                "idempotency_key": event.idempotency_key,
                "payload": event.payload,
            }
            text = json.dumps(document, ensure_ascii=False, sort_keys=True)
            if not self._writing:  # the batch's first file: the folder, once per batch
                self.outbox.mkdir(parents=True, exist_ok=True)
            self._writing[path] = self._writer().submit(write_synced, path, text)
        return path.name

    def flush(self) -> None:
        """The batch's files in place, and their renames made durable with one fsync of the
        folder. A file that could not be written raises (after the others are in place): the
        outbox sends its batch again, and finds the files that were."""
        writing, self._writing = self._writing, {}
        wait(writing.values())
        failures = [
            error for written in writing.values() if (error := written.exception()) is not None
        ]
        for path, written in writing.items():
            if written.exception() is None:
                os.replace(written.result(), path)
        if self.outbox.is_dir():
            sync_folder(self.outbox)
        if failures:
            raise failures[0]

    def _writer(self) -> ThreadPoolExecutor:
        if self._writers is None:
            self._writers = ThreadPoolExecutor(WRITERS, thread_name_prefix=f"outbox-{self.code}")
        return self._writers

    def already_applied(self, event: Event) -> str | None:
        path = self._path(event)
        return path.name if path.exists() else None

    def _path(self, event: Event) -> Path:
        name = _UNSAFE.sub("_", event.idempotency_key)
        if not name.strip("."):
            raise PermanentError(
                _("event {event} has no usable idempotency key").format(event=event.id)
            )
        return self.outbox / f"{name}.json"

    def secrets(self) -> list[str]:
        return []

    def close(self) -> None:
        if self._writers is not None:
            self._writers.shutdown()
            self._writers = None


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], list[int], dict[int, str]]:
    """Records of a JSON Lines file, the line each came from, and the lines that are no JSON
    object (by record index; an empty record stands in for them)."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    rejected: dict[int, str] = {}
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [{}], [1], {0: _("the file is not UTF-8")}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            record, reason = {}, _("not JSON ({error})").format(error=error.msg)
        else:
            reason = "" if isinstance(record, dict) else _("expected a JSON object")
        if reason:
            rejected[len(records)] = reason
            record = {}
        records.append(record)
        lines.append(number)
    return records, lines, rejected


def write_durably(path: Path, text: str, *, sync_parent: bool = True) -> None:
    """Write `path` whole or not at all: a temporary file beside it, fsync, rename, and (unless
    the caller syncs the folder once for several files) an fsync of the folder."""
    os.replace(write_synced(path, text), path)
    if sync_parent:
        sync_folder(path.parent)


def write_synced(path: Path, text: str) -> Path:
    """`text` in a temporary file beside `path`, fsynced: renaming it to `path` is the write."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
