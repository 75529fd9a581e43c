"""One record's fields, checked one by one, every problem noted and none raised.

The per-kind row parsers read a record through `Fields`, so the rules for "a whole number", "a
date" or "a list of texts" are written once and read the same from CSV text and from JSON
values. Pure: no database.

Every value that passes can be stored as it is on SQLite and PostgreSQL alike, so a bad file is
refused here, row by row, and never by the database halfway through a write:
- whole numbers fit PostgreSQL's `integer` (at most 2,147,483,647);
- text holds no NUL (PostgreSQL refuses it) and no lone surrogate (not encodable as UTF-8);
- codes and ids (SKU, barcode, location, shop, order and line ids, carrier) are short enough to
  index (`KEY_LENGTH`) and hold printable characters only: no control or invisible character
  can hide in what a scanner or an operator must match, nor reach a terminal in a reason;
- other text is at most `TEXT_LENGTH` characters.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from warehouse_tui.i18n import _

INT_MAX = 2_147_483_647
"""The largest whole number a field may hold: PostgreSQL's `integer`."""
KEY_LENGTH = 200
"""Characters in a code or id: four bytes each stay well inside an index entry."""
TEXT_LENGTH = 2_000
"""Characters in any other text (a name, an address line, pack instructions)."""

_INTEGER = re.compile(r"[+-]?\d{1,19}")
_LIST_SEPARATOR = re.compile(r"[|\s]+")


class Fields:
    """One record's values, read field by field. Every problem is noted, none raised, so a row
    is reported with all that is wrong with it. CSV values are text, and an empty CSV cell is
    an absent value; JSON values must already have the right type, and null is absent."""

    def __init__(self, values: Mapping[str, Any], from_csv: bool, prefix: str = "") -> None:
        self.values = values
        self.from_csv = from_csv
        self.prefix = prefix
        self.problems: list[str] = []

    def problem(self, name: str, message: str) -> None:
        self.problems.append(f"{self.prefix}{name}: {message}")

    def raw(self, name: str, required: bool) -> Any:
        """The value as given, or None when absent (missing, null, or an empty CSV cell)."""
        value = self.values.get(name)
        if value == "" and self.from_csv:
            value = None
        if value is None and required:
            self.problem(name, _("missing"))
        return value

    def text(
        self, name: str, *, required: bool = True, nonempty: bool = False, key: bool = False
    ) -> str:
        """Text, stripped; `key` for a code or id (short, printable characters only)."""
        value = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()
            if nonempty and not value:
                self.problem(name, _("must not be empty"))
            limit = KEY_LENGTH if key else TEXT_LENGTH
            if len(value) > limit or not value.isprintable():  # else fine either way, quickly
                problem = key_problem(value) if key else text_problem(value)
                if problem:
                    self.problem(name, problem)
            return value
        if value is None:
            if required:
                self.problem(name, _("missing"))
        else:
            self.problem(name, _("expected text"))
        return ""

    def integer(
        self, name: str, *, required: bool = True, default: int = 0, minimum: int = 0
    ) -> int:
        value = self.values.get(name)
        if type(value) is int and minimum <= value <= INT_MAX:
            return value  # the usual case, first
        value = self.raw(name, required)
        if value is None:
            return default
        if self.from_csv and isinstance(value, str):
            digits = value.strip()
            if _INTEGER.fullmatch(digits):
                value = int(digits)
            elif digits.lstrip("+-").isdecimal():  # more digits than any field holds
                value = INT_MAX + 1
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(name, _("expected a whole number"))
            return default
        if value < minimum:
            self.problem(name, _("must be at least {minimum}").format(minimum=minimum))
            return default
        if value > INT_MAX:
            self.problem(name, _("must be at most {maximum}").format(maximum=INT_MAX))
            return default
        return value

    def number(self, name: str, *, minimum: float = 0.0) -> float:
        value = self.raw(name, True)
        if value is None:
            return 0.0
        if self.from_csv and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            self.problem(name, _("expected a number"))
            return 0.0
        if value < minimum:
            self.problem(name, _("must be at least {minimum}").format(minimum=minimum))
        return float(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw(name, False)
        if value is None:
            return default
        if self.from_csv and isinstance(value, str):
            word = value.strip().lower()
            if word in ("1", "true", "yes", "y"):
                return True
            if word in ("0", "false", "no", "n"):
                return False
        if not isinstance(value, bool):
            self.problem(name, _("expected true or false"))
            return default
        return value

    def day(self, name: str) -> date | None:
        value = self.raw(name, False)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.problem(name, _("expected a date (YYYY-MM-DD)"))
            return None

    def moment(self, name: str) -> datetime | None:
        """An ISO 8601 date and time; one without a UTC offset is taken as UTC."""
        value = self.raw(name, False)
        if value is None:
            return None
        try:
            return _utc_moment(value)
        except (TypeError, ValueError, OverflowError):
            self.problem(name, _("expected an ISO 8601 date and time"))
            return None

    def words(self, name: str) -> list[str]:
        """A list of texts: a JSON array, or CSV text separated by "|" or spaces."""
        value = self.raw(name, False)
        if value is None:
            return []
        if self.from_csv:
            words = [word for word in _LIST_SEPARATOR.split(value.strip()) if word]
        elif not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            self.problem(name, _("expected a list of texts"))
            return []
        else:
            words = [word.strip() for word in value if word.strip()]
        for word in words:
            problem = key_problem(word)
            if problem:
                self.problem(name, problem)
                return []
        return words

    def mapping(self, name: str, *, required: bool) -> Mapping[str, Any]:
        value = self.raw(name, required)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(name, _("expected an object"))
            return {}
        return value

    def identifier(self, name: str, *, required: bool = True) -> str:
        """A shop's own id: text, or a whole number as many shops send them."""
        value = self.values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            number = str(value)
            problem = key_problem(number)
            if problem:
                self.problem(name, problem)
            return number
        return self.text(name, required=required, nonempty=required, key=True)

    def unknown(self, known: frozenset[str]) -> None:
        if self.values.keys() <= known:
            return
        for name in self.values:
            if name not in known:
                self.problem(shown(name), _("unknown field"))


@functools.lru_cache(maxsize=4096)
def _utc_moment(text: str) -> datetime:
    """An ISO 8601 date and time in UTC, one without a UTC offset taken as UTC; the same object
    for the same text, as a file's cut-off times repeat. TypeError, ValueError or OverflowError
    for anything else."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def joined_reason(problems: list[str]) -> str:
    return "; ".join(problems)


def key_problem(value: str) -> str | None:
    """What makes `value` unfit as a code or id, or None."""
    if len(value) > KEY_LENGTH:
        return _("longer than {limit} characters").format(limit=KEY_LENGTH)
    if value.isprintable():
        return None
    bad = next(char for char in value if not char.isprintable())
    return _("holds {char}, which is not a printable character").format(char=ascii(bad))


def text_problem(value: str) -> str | None:
    """What keeps `value` from being stored as text, or None."""
    if len(value) > TEXT_LENGTH:
        return _("longer than {limit} characters").format(limit=TEXT_LENGTH)
    if "\x00" in value:
        return _("holds a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return _("holds {char}, which is not valid Unicode").format(
                char=ascii(value[error.start])
            )
    return None


def shown(value: str) -> str:
    """`value` as it may be shown in a reason: control and invisible characters and lone
    surrogates escaped (`\\x1b`, `\\ud800`), so file data cannot drive a terminal."""
    if value.isprintable():
        return value
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in value)
