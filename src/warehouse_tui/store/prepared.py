"""Prepared statements: the fast path for a service's hottest transaction.

A scan at the pack station is a handful of indexed statements, and SQLAlchemy's per-execution
machinery (compile cache lookup, parameter processing, result set set-up: tens of microseconds
each) costs more than the statements themselves; so does opening a `Connection` and its
transaction. A prepared statement is a Core statement compiled once per dialect and run
straight on the driver's connection, with the dialect's own bind and result processors — so
it keeps SQLAlchemy's SQL and types, and skips only the per-execution work. Values are always
bound parameters; nothing is written into the SQL text. A `Query` reads rows into the
NamedTuple it is declared with (checked against the statement's columns), a `Command` writes.

They run on a `Tx`, a transaction's driver connection and dialect, which comes from
- `fast_write`: a write transaction on a pooled driver connection, begun and ended here, for
  the hot path that needs nothing but prepared statements;
- `fast_read`: the same for a screen's re-read after a scan, a short deferred read; or
- `write_transaction`: the engine's ordinary write transaction as a Core `Connection` (an ORM
  `Session` can be opened on it for a rare branch), with `Tx.of(connection)` for the
  prepared statements in it.
Both begin IMMEDIATE on SQLite, as every write transaction does (ARCHITECTURE.md, Known traps).

On PostgreSQL each statement is also prepared on the server, on its first run on a connection,
so the server plans it once rather than on every scan. psycopg keeps a connection's prepared
statements by SQL text and parameter types, and forgets them all whenever a transaction on
that connection is rolled back; so the SQL here never varies with the values, every Python
integer is sent as a bigint (psycopg would otherwise pick smallint, integer or bigint by the
value, one more prepared statement each), and `fast_read` ends its transaction with a commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection, Dialect, TextClause
from sqlalchemy.sql import Delete, Insert, Select, Update

from warehouse_tui.store.engine import Store, begin_immediate

Statement = Select[Any] | Insert | Update | Delete | TextClause
Processor = Callable[[Any], Any]
RowT = TypeVar("RowT", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class Tx:
    """A transaction's driver connection, and the dialect that compiles for it."""

    dialect: Dialect
    driver: Any

    @classmethod
    def of(cls, connection: Connection) -> Tx:
        return cls(connection.dialect, connection.connection.driver_connection)


@contextmanager
def fast_write(store: Store) -> Iterator[Tx]:
    """One write transaction straight on a pooled driver connection: committed on success,
    rolled back on any exception."""
    pooled = store.engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None  # None only once the pool has invalidated the connection
        if store.is_sqlite:
            begin_immediate(driver)  # pysqlite's own BEGIN is off (engine.py)
        try:
            yield Tx(store.engine.dialect, driver)
        except BaseException:
            driver.rollback()
            raise
        driver.commit()
    finally:
        pooled.close()


@contextmanager
def fast_read(store: Store) -> Iterator[Tx]:
    """One short read transaction on a pooled driver connection (deferred on SQLite, so it
    never waits for a writer). It changed nothing, so it ends with a commit, which costs what
    a rollback does and keeps the connection's prepared statements on PostgreSQL (a rollback
    drops them all, and every screen re-read after a scan would plan the scan's statements
    anew); only a failed read is rolled back."""
    pooled = store.engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None  # None only once the pool has invalidated the connection
        if store.is_sqlite:
            driver.execute("BEGIN DEFERRED")
        try:
            yield Tx(store.engine.dialect, driver)
        except BaseException:
            driver.rollback()
            raise
        driver.commit()
    finally:
        pooled.close()


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

    def rows(self, tx: Tx, params: Mapping[str, Any]) -> list[RowT]:
        form = _form_of(self._forms, self._statement, tx.dialect, None)
        cursor = form.execute(tx.driver, params)
        make = self._row._make  # type: ignore[attr-defined]
        processors = form.result_processors
        if not processors:
            return [make(raw) for raw in cursor.fetchall()]
        return [make(_processed(raw, processors)) for raw in cursor.fetchall()]


class Command:
    """An INSERT, UPDATE or DELETE (or a textual one), compiled on first use for each dialect
    it meets."""

    def __init__(
        self, statement: Insert | Update | Delete | TextClause, *, column_keys: Sequence[str] = ()
    ) -> None:
        """`column_keys` names the columns an INSERT or UPDATE sets from parameters (else all
        of them); values the statement gives itself are set too."""
        self._statement = statement
        self._column_keys = list(column_keys) or None
        self._forms: dict[tuple[type, str], _Form] = {}

    def run(self, tx: Tx, params: Mapping[str, Any]) -> int:
        """Run it; the number of rows it touched."""
        form = _form_of(self._forms, self._statement, tx.dialect, self._column_keys)
        return int(form.execute(tx.driver, params).rowcount)

    def run_many(self, tx: Tx, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run it once per row of parameters, in one executemany on the driver; the number of
        rows it touched in all (both drivers sum them), so a compare-and-set run for many rows
        tells whether every one held."""
        form = _form_of(self._forms, self._statement, tx.dialect, self._column_keys)
        cursor = tx.driver.cursor()
        try:
            cursor.executemany(form.sql, [form.bind(params) for params in rows])
            return int(cursor.rowcount)
        finally:
            cursor.close()


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
    """One statement's SQL for one dialect, with how to bind its parameters and read its rows.
    The statement's own values (its literals) are bound once, here; only the parameters of
    each run go through their type's bind processor."""

    sql: str
    names: tuple[str, ...]
    keys: tuple[str, ...]
    fixed: dict[str, Any]
    positional: bool
    bind_processors: dict[str, Processor]
    result_processors: tuple[tuple[int, Processor], ...]
    integer: Processor | None  # on PostgreSQL, what sends a Python int as a bigint

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
        bind_processors = {}
        for name, type_ in types.items():
            processor = type_.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind_processors[name] = processor
        integer = _bigint_of(dialect)
        fixed = {}
        for bind, name in compiled.bind_names.items():
            if not bind.required:
                processor = bind_processors.get(name)
                value = bind.effective_value
                value = processor(value) if processor is not None else value
                fixed[name] = integer(value) if integer and type(value) is int else value
        result_processors: tuple[tuple[int, Processor], ...] = ()
        if isinstance(statement, Select):
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
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
            bind_processors,
            result_processors,
            integer,
        )

    def execute(self, driver: Any, params: Mapping[str, Any]) -> Any:
        """Run it on the driver's connection with `params`; the driver's cursor. PostgreSQL
        prepares it on its first run on the connection, so only that run is planned."""
        if self.integer is not None:
            return driver.execute(self.sql, self.bind(params), prepare=True)
        return driver.execute(self.sql, self.bind(params))

    def bind(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters, in the dialect's paramstyle: the statement's own values,
        then `params`, each through its type's bind processor."""
        processors = self.bind_processors
        if processors:
            values = dict(self.fixed)
            for name, value in params.items():
                processor = processors.get(name)
                values[name] = processor(value) if processor is not None else value
        else:  # plain values (integers, mostly): taken as they are, which saves most of the time
            values = {**self.fixed, **params}
        integer = self.integer
        if integer is not None:
            for name in params:
                if type(values[name]) is int:
                    values[name] = integer(values[name])
        if self.positional:
            return tuple(map(values.__getitem__, self.names))
        return {key: values[name] for key, name in zip(self.keys, self.names, strict=True)}


def _bigint_of(dialect: Dialect) -> Processor | None:
    """psycopg's bigint wrapper for a Python int, on PostgreSQL; None elsewhere. A bigint is
    taken wherever these statements bind an integer: compared with a column, added to one, or
    stored in one (SQLAlchemy casts the parameter to the column's type, or PostgreSQL's
    assignment cast does)."""
    if dialect.driver != "psycopg":
        return None
    from psycopg.types.numeric import Int8

    return Int8
