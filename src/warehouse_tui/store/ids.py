"""The id of a row that is already in the database."""

from typing import Protocol


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def required_id(row: _Row) -> int:
    """The row's primary key. A table's id is None only until the row is flushed, so code that
    read the row or flushed it can rely on one; None here is a bug, not an operator's mistake."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id
