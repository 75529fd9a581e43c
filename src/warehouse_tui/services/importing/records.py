"""A file's text as (line number, record): JSON Lines or CSV, before any field is looked at.

Kept apart from the checks and the writers because it is the part that meets raw bytes: what
cannot be read at all (not UTF-8, broken CSV quoting) stops here as one `BadFile`; what can be
read but is not a record (a line that is not JSON, a CSV row with the wrong number of cells)
travels on as a `RowError` in the record's place, so every bad line of a file is reported
together. Pure: no database.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from warehouse_tui.i18n import _


class ImportKind(StrEnum):
    CATALOG = "catalog"
    LOCATIONS = "locations"
    STOCK = "stock"
    ORDERS = "orders"


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


def format_of(path: Path, override: str | None = None) -> FileFormat:
    """CSV or JSON Lines by the file's extension (.csv; .jsonl, .ndjson, .json) or override."""
    if override:
        return FileFormat(override.lower())
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return FileFormat.CSV
    if suffix in (".jsonl", ".ndjson", ".json"):
        return FileFormat.JSONL
    raise ValueError(
        _("Cannot tell the format of {name}: use --format csv or jsonl").format(name=path.name)
    )


class BadFile(Exception):
    """The file as a whole cannot be read: one (line, reason), nothing read."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.error = RowError(line, reason)


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(data.count(b"\n", 0, error.start) + 1, _("not UTF-8 text")) from None


def jsonl_records(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or a RowError) for every non-blank line."""
    return _parsed_lines(enumerate(text.split("\n"), start=1))


def jsonl_file_records(path: Path) -> Iterator[tuple[int, Any]]:
    """`jsonl_records` of a file, read a line at a time, so a file of any size is never in
    memory whole. A line that is not UTF-8 raises `BadFile` naming it, when it is reached."""
    with path.open("rb") as file:
        yield from _parsed_lines(_decoded_lines(file))


def _decoded_lines(file: BinaryIO) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(file, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise BadFile(number, _("not UTF-8 text")) from None
        yield number, line


def _parsed_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, Any]]:
    for number, line in lines:
        if not line.strip():
            continue
        record: Any
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            record = RowError(number, _("not valid JSON: {problem}").format(problem=error.msg))
        except RecursionError:
            record = RowError(number, _("not valid JSON: nested too deeply"))
        except ValueError:  # an integer of more digits than Python will convert
            record = RowError(number, _("not valid JSON: a number with too many digits"))
        yield number, record


def csv_records(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, {column: text} or a RowError) for every non-blank row after the header;
    the header itself comes first as (1, list of column names)."""
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    start = 1
    header: list[str] | None = None
    try:
        for row in reader:
            number, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [name.strip() for name in row]
                yield number, header
            elif len(row) != len(header):
                yield (
                    number,
                    RowError(
                        number,
                        _("expected {want} fields, found {got}").format(
                            want=len(header), got=len(row)
                        ),
                    ),
                )
            else:
                yield number, dict(zip(header, row, strict=True))
    except csv.Error as error:
        raise BadFile(start, _("not valid CSV: {problem}").format(problem=error)) from None
