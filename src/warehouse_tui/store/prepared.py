"""Prepared statements: the fast path for a service's hottest transaction.

A scan at the pack station is a handful of indexed statements, and SQLAlchemy's per-execution
machinery (compile cache lookup, parameter processing, result set set-up: tens of microseconds
each) costs more than the statements themselves. A prepared statement is a Core statement
compiled once per dialect and run straight on the driver's connection, inside the transaction
of the `Connection` it is given, with the dialect's own bind and result processors — so it
keeps SQLAlchemy's SQL and types, and skips only the per-execution work. Values are always
bound parameters; nothing is written into the SQL text. A `Query` reads rows into the
NamedTuple it is declared with (checked against the statement's columns), a `Command` writes.

`write_transaction` is the transaction such statements run in: the engine's write
transaction (BEGIN IMMEDIATE on SQLite) as a bare Core connection, with no ORM session to set
up. A service that needs the ORM for a rare branch can still open a `Session` on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import Delete, Insert, Select, Update

from warehouse_tui.store.engine import Store

Statement = Select[Any] | Insert | Update | Delete
Processor = Callable[[Any], Any]
RowT = TypeVar("RowT", bound=tuple[Any, ...])


@contextmanager
def write_transaction(store: Store) -> Iterator[Connection]:
    """One write transaction on a Core connection: committed on success, rolled back on any
    exception."""
    with store.engine.begin() as connection:
        yield connection


class Query(Generic[RowT]):
    """A SELECT, compiled on first use for each dialect it meets; its rows come back as `row`,
    a NamedTuple whose fields are the selected columns' keys, in order."""

    def __init__(self, statement: Select[Any], row: type[RowT]) -> None:
        keys = tuple(column.key for column in statement.selected_columns)
        if keys != row._fields:  # type: ignore[attr-defined]
            raise ValueError(f"{row.__name__} does not name the columns {keys}")
        self._statement = statement
        self._row = row
        self._forms: dict[tuple[type, str], _Form] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[RowT]:
        form = _form_of(self._forms, self._statement, connection.dialect, None)
        cursor = connection.connection.driver_connection.execute(form.sql, form.bind(params))
        make = self._row._make  # type: ignore[attr-defined]
        processors = form.result_processors
        if not processors:
            return [make(raw) for raw in cursor.fetchall()]
        return [make(_processed(raw, processors)) for raw in cursor.fetchall()]


class Command:
    """An INSERT, UPDATE or DELETE, compiled on first use for each dialect it meets."""

    def __init__(
        self, statement: Insert | Update | Delete, *, column_keys: Sequence[str] | None = None
    ) -> None:
        """`column_keys` names the columns an INSERT or UPDATE sets (else all of them)."""
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._forms: dict[tuple[type, str], _Form] = {}

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run it; the number of rows it touched."""
        form = _form_of(self._forms, self._statement, connection.dialect, self._column_keys)
        cursor = connection.connection.driver_connection.execute(form.sql, form.bind(params))
        return int(cursor.rowcount)


def _form_of(
    forms: dict[tuple[type, str], _Form],
    statement: Statement,
    dialect: Dialect,
    column_keys: list[str] | None,
) -> _Form:
    key = (type(dialect), dialect.paramstyle)
    form = forms.get(key)
    if form is None:
        form = forms[key] = _Form.compile(statement, dialect, column_keys)
    return form


def _processed(raw: Sequence[Any], processors: tuple[tuple[int, Processor], ...]) -> list[Any]:
    values = list(raw)
    for index, processor in processors:
        values[index] = processor(values[index])
    return values


@dataclass(frozen=True)
class _Form:
    """One statement's SQL for one dialect, with how to bind its parameters and read its rows."""

    sql: str
    names: tuple[str, ...]
    keys: tuple[str, ...]
    fixed: dict[str, Any]
    positional: bool
    bind_processors: tuple[tuple[str, Processor], ...]
    result_processors: tuple[tuple[int, Processor], ...]

    @classmethod
    def compile(
        cls, statement: Statement, dialect: Dialect, column_keys: list[str] | None
    ) -> _Form:
        compiled = cast(Any, statement.compile(dialect=dialect, column_keys=column_keys))
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a prepared statement must not need Python-side column defaults")
        positional = bool(dialect.positional)
        types = {name: bind.type for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup) if positional else tuple(types)
        escaped = compiled.escaped_bind_names
        fixed = {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if not bind.required
        }
        bind_processors = []
        for name, type_ in types.items():
            processor = type_.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind_processors.append((name, processor))
        result_processors: tuple[tuple[int, Processor], ...] = ()
        if isinstance(statement, Select):
            columns = list(statement.selected_columns)
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
            result_processors = tuple(
                (index, processor)
                for index, processor in enumerate(processors)
                if processor is not None
            )
        return cls(
            compiled.string,
            names,
            tuple(escaped.get(name, name) for name in names),
            fixed,
            positional,
            tuple(bind_processors),
            result_processors,
        )

    def bind(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters: the statement's own literals, then `params`, each through
        its type's bind processor, in the dialect's paramstyle."""
        values = {**self.fixed, **params}
        for name, processor in self.bind_processors:
            values[name] = processor(values[name])
        if self.positional:
            return tuple(map(values.__getitem__, self.names))
        return {key: values[name] for key, name in zip(self.keys, self.names, strict=True)}
