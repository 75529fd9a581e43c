"""The file shop: orders come in as `*.jsonl` files in an inbox, fulfilments go out as files.

Pull takes the inbox's files in name order, one file a page, each all or nothing like a hand
import: a good file moves to `done/`, a file with any bad line to `failed/` beside a
`FILE.errors.json` listing `line N: reason`. A crash before the move only means the file is
read again, and a second import of the same versions changes nothing.

Deliver writes each event as one file named by its idempotency key, through a temporary file,
fsync and rename, so a reader never sees half an event and a resend finds the file already
there. A batch's files are written, fsynced and renamed into place by a few threads at once,
while the outbox goes on to the next events: the filesystem then commits their fsyncs together
instead of one by one. The files go to the threads a few at a time (`FILES_PER_TASK`), since
handing over one file cost the outbox more than anything else it does per event. `flush`
(before the outbox marks the batch) waits for them and fsyncs the folder once. A kill before
it leaves some events' files in place and temporary files of the others: the batch goes again,
and a resend finds the files in place (`already_applied`) and does not write them again.
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
FILES_PER_TASK = 4
"""Files a thread is handed at once: waking a thread for each file cost ~30 µs of the outbox's
time per event; a few at a time still keep every thread busy through a batch of 50."""
# An event's file: the document, keys sorted (one encoder: json.dumps builds one per call).
_DOCUMENT = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


class FileConnector:
    kind = "file"

    def __init__(self, code: str, inbox: Path, outbox: Path) -> None:
        self.code = code
        self.inbox = inbox
        self.outbox = outbox
        self._batch: set[Path] = set()  # the files of the batch being delivered
        self._waiting: list[tuple[Path, str]] = []  # files not handed to a thread yet
        self._writing: list[Future[None]] = []  # files being written, a few per thread
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
        """The event's file is on its way; it is in place once `flush` returns. A resend asks
        `already_applied` first (the outbox does), so a first send writes without looking: a
        look at the folder waits behind the batch's fsyncs in it."""
        path = self._path(event)
        if path not in self._batch:
            if not self._batch:  # the batch's first file: the folder, once per batch
                self.outbox.mkdir(parents=True, exist_ok=True)
            self._batch.add(path)
            document = {
                "event": event.kind,
                "idempotency_key": event.idempotency_key,
                "payload": event.payload,
            }
            self._waiting.append((path, _DOCUMENT.encode(document)))
            if len(self._waiting) == FILES_PER_TASK:
                self._hand_over()
        return path.name

    def flush(self) -> None:
        """The batch's files in place, and their renames made durable with one fsync of the
        folder. A file that could not be written raises (after the others are in place): the
        outbox sends its batch again, and finds the files that were."""
        if self._waiting:
            self._hand_over()
        writing, self._writing, self._batch = self._writing, [], set()
        wait(writing)
        failures = [error for written in writing if (error := written.exception()) is not None]
        if self.outbox.is_dir():
            sync_folder(self.outbox)
        if failures:
            raise failures[0]

    def _hand_over(self) -> None:
        files, self._waiting = self._waiting, []
        self._writing.append(self._writer().submit(write_all_durably, files))

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


def write_all_durably(files: list[tuple[Path, str]]) -> None:
    """Each (path, text) written as `write_durably` does, but not its folder (the caller syncs
    it once); a file that cannot be written raises once the others are in place."""
    failure: Exception | None = None
    for path, text in files:
        try:
            write_durably(path, text, sync_parent=False)
        except Exception as error:  # this file failed; the others still go in place
            failure = failure or error
    if failure is not None:
        raise failure


def write_durably(path: Path, text: str, *, sync_parent: bool = True) -> None:
    """Write `path` whole or not at all: a temporary file beside it, fsync, rename, and (unless
    the caller syncs the folder once for several files) an fsync of the folder."""
    os.replace(write_synced(path, text), path)
    if sync_parent:
        sync_folder(path.parent)


def write_synced(path: Path, text: str) -> Path:
    """`text` in a temporary file beside `path`, fsynced: renaming it to `path` is the write.
    Written straight through the file descriptor: a buffered file object costs more than the
    write itself, thousands of times over when the outbox delivers a backlog."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = memoryview(text.encode())
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        while data:  # a write may take less than all it is given
            data = data[os.write(descriptor, data) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return temporary


def sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
