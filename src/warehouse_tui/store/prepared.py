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
value, one more prepared statement each), and only a failed fast transaction is rolled back.

There the fast transactions also run in psycopg's pipeline mode, since a round trip to the
server costs about what a statement does: `send` queues a statement, and the queue goes to
the server when a result is first needed — the rows of a read, the count of a
compare-and-set, which must hold before the COMMIT — or with the COMMIT itself. A pack scan
is so three round trips (BEGIN with its read, the count-up, the rest with the COMMIT) where
it was six, and the pack view's three reads one (a read has no BEGIN or COMMIT: its
statements are one implicit transaction). On SQLite, in-process, `send` simply runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection, DateTime, Dialect, TextClause
from sqlalchemy.sql import Delete, Insert, Select, Update
from sqlalchemy.sql.cache_key import NO_CACHE
from sqlalchemy.types import TypeEngine

from warehouse_tui.store.engine import Store, begin_immediate

Statement = Select[Any] | Insert | Update | Delete | TextClause
Processor = Callable[[Any], Any]
RowT = TypeVar("RowT", bound=tuple[Any, ...])


@dataclass(frozen=True, slots=True)
class Tx:
    """A transaction's driver connection, and the dialect that compiles for it; on PostgreSQL's
    fast paths, also the psycopg pipeline its statements wait in."""

    dialect: Dialect
    driver: Any
    pipeline: Any = None

    @classmethod
    def of(cls, connection: Connection) -> Tx:
        return cls(connection.dialect, connection.connection.driver_connection)


def fast_write(store: Store) -> AbstractContextManager[Tx]:
    """One write transaction straight on a pooled driver connection: committed on success,
    rolled back on any exception."""
    return _fast_transaction(store, write=True)


def fast_read(store: Store) -> AbstractContextManager[Tx]:
    """One short read transaction on a pooled driver connection: deferred on SQLite, so it
    never waits for a writer; on PostgreSQL no BEGIN or COMMIT, only the pipeline's implicit
    transaction, whose reads all go in one round trip when none is read before the end."""
    return _fast_transaction(store, write=False)


@contextmanager
def _fast_transaction(store: Store, *, write: bool) -> Iterator[Tx]:
    pooled = store.engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None  # None only once the pool has invalidated the connection
        if not store.is_sqlite:
            with _pipelined(driver, write=write) as pipeline:
                yield Tx(store.engine.dialect, driver, pipeline)
            return
        if write:
            begin_immediate(driver)  # pysqlite's own BEGIN is off (engine.py)
        else:
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
def _pipelined(driver: Any, *, write: bool) -> Iterator[Any]:
    """A psycopg pipeline for one transaction. psycopg would send its own BEGIN and wait for
    it, and both its COMMIT and the pipeline's end wait for a Sync; so the connection is in
    autocommit meanwhile and BEGIN and COMMIT are statements in the pipeline, the BEGIN going
    with the first statement and the COMMIT with the last ones, in the Sync that ends the
    pipeline. A read has neither: its statements up to that Sync are one implicit transaction.
    A failed transaction is rolled back (which drops the prepared statements, as before)."""
    driver.autocommit = True
    try:
        with driver.pipeline() as pipeline:
            if write:
                driver.execute("BEGIN", prepare=False)
            yield pipeline
            if write:
                driver.execute("COMMIT", prepare=False)
    except BaseException:
        driver.rollback()  # nothing to do unless a BEGIN's transaction is still open
        raise
    finally:
        if not driver.closed:
            driver.autocommit = False


@contextmanager
def write_transaction(store: Store) -> Iterator[Connection]:
    """One write transaction on a Core connection: committed on success, rolled back on any
    exception."""
    with store.engine.begin() as connection:
        yield connection


class _Prepared:
    """A statement compiled on first use for each dialect it meets."""

    def __init__(self, statement: Statement, column_keys: list[str] | None) -> None:
        self._statement = statement
        self._column_keys = column_keys
        self._forms: dict[tuple[type, str], _Form] = {}
        self._last: tuple[Dialect | None, _Form | None] = (None, None)

    def sql(self, dialect: Dialect) -> str:
        """Its SQL for `dialect`, as sent to the driver."""
        return self._form(dialect).sql

    def _form(self, dialect: Dialect) -> _Form:
        last_dialect, form = self._last  # a process mostly meets one dialect: asked first
        if dialect is last_dialect and form is not None:
            return form
        key = (type(dialect), dialect.paramstyle)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _Form.compile(self._statement, dialect, self._column_keys)
        self._last = (dialect, form)
        return form


class Query(_Prepared, Generic[RowT]):
    """A SELECT; its rows come back as `row`, a NamedTuple whose fields are the selected
    columns' keys, in order."""

    def __init__(self, statement: Select[Any], row: type[RowT]) -> None:
        keys = tuple(column.key for column in statement.selected_columns)
        if keys != row._fields:  # type: ignore[attr-defined]
            raise ValueError(f"{row.__name__} does not name the columns {keys}")
        super().__init__(statement, None)
        self._row = row

    def rows(self, tx: Tx, params: Mapping[str, Any]) -> list[RowT]:
        if tx.pipeline is not None:
            return self.send(tx, params)()
        form = self._form(tx.dialect)
        return self._read(form, form.execute(tx, params))

    def send(self, tx: Tx, params: Mapping[str, Any]) -> Callable[[], list[RowT]]:
        """Send it; its rows when the function returned is called. In a pipeline they are
        read from the server then, with whatever was sent before, in one round trip (or
        they came with the pipeline's end, which is when a read transaction's reads are
        best read); elsewhere they are read at once."""
        form = self._form(tx.dialect)
        cursor = form.execute(tx, params)
        if tx.pipeline is None:
            rows = self._read(form, cursor)
            return lambda: rows
        return lambda: self._read(form, cursor)

    def _read(self, form: _Form, cursor: Any) -> list[RowT]:
        make = self._row._make  # type: ignore[attr-defined]
        processors = form.result_processors
        if not processors:
            return [make(raw) for raw in cursor.fetchall()]
        return [make(_processed(raw, processors)) for raw in cursor.fetchall()]


class Command(_Prepared):
    """An INSERT, UPDATE or DELETE (or a textual one)."""

    def __init__(
        self, statement: Insert | Update | Delete | TextClause, *, column_keys: Sequence[str] = ()
    ) -> None:
        """`column_keys` names the columns an INSERT or UPDATE sets from parameters (else all
        of them); values the statement gives itself are set too."""
        super().__init__(statement, list(column_keys) or None)

    def run(self, tx: Tx, params: Mapping[str, Any]) -> int:
        """Run it; the number of rows it touched."""
        return self.send(tx, params)()

    def send(self, tx: Tx, params: Mapping[str, Any]) -> Callable[[], int]:
        """Send it; the number of rows it touched when the function returned is called. In a
        pipeline it waits there, to go to the server with the next statement whose result is
        read, or with the COMMIT; asking for the number syncs the pipeline first (one round
        trip for all that was sent). A write whose count is never asked for costs no round
        trip of its own; one that fails fails the transaction when it is sent."""
        cursor = self._form(tx.dialect).execute(tx, params)
        if tx.pipeline is None:
            count = int(cursor.rowcount)
            return lambda: count
        pipeline = tx.pipeline

        def count_in_pipeline() -> int:
            if cursor.pgresult is None:  # not back from the server yet
                pipeline.sync()
            return int(cursor.rowcount)

        return count_in_pipeline

    def run_many(self, tx: Tx, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run it once per row of parameters, in one executemany on the driver; the number of
        rows it touched in all (both drivers sum them), so a compare-and-set run for many rows
        tells whether every one held."""
        form = self._form(tx.dialect)
        cursor = tx.driver.cursor()
        try:
            cursor.executemany(form.sql, [form.bind(params) for params in rows])
            if tx.pipeline is not None:
                tx.pipeline.sync()
            return int(cursor.rowcount)
        finally:
            cursor.close()


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
    positional: Callable[[dict[str, Any]], tuple[Any, ...]] | None  # the values in SQL order
    bind_processors: tuple[tuple[str, Processor], ...]  # the parameters' (not the fixed values')
    result_processors: tuple[tuple[int, Processor], ...]
    integer: Processor | None  # on PostgreSQL, what sends a Python int as a bigint

    @classmethod
    def compile(
        cls, statement: Statement, dialect: Dialect, column_keys: list[str] | None
    ) -> _Form:
        compiled = cast(Any, statement.compile(dialect=dialect, column_keys=column_keys))
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a prepared statement must not need Python-side column defaults")
        types = {name: bind.type for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup) if dialect.positional else tuple(types)
        escaped = compiled.escaped_bind_names
        bind_processors = {}
        for name, type_ in types.items():
            processor = _bind_processor(type_, dialect)
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
            _picker(names) if dialect.positional else None,
            tuple((name, bind_processors[name]) for name in bind_processors if name not in fixed),
            result_processors,
            integer,
        )

    def execute(self, tx: Tx, params: Mapping[str, Any]) -> Any:
        """Run it on the transaction's driver connection with `params` (in a pipeline: send
        it); the driver's cursor. PostgreSQL prepares it on its first run on the connection,
        so only that run is planned."""
        if self.integer is not None:
            return tx.driver.execute(self.sql, self.bind(params), prepare=True)
        return tx.driver.execute(self.sql, self.bind(params))

    def bind(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters, in the dialect's paramstyle: the statement's own values,
        then `params`, those of a type with a bind processor through it (plain values, integers
        mostly, are taken as they are, which saves most of the time)."""
        values = {**self.fixed, **params}
        for name, processor in self.bind_processors:
            values[name] = processor(params[name])
        integer = self.integer
        if integer is not None:
            for name in params:
                if type(values[name]) is int:
                    values[name] = integer(values[name])
        if self.positional is not None:
            return self.positional(values)
        return {key: values[name] for key, name in zip(self.keys, self.names, strict=True)}


def _picker(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """What takes a statement's values in SQL order, as a tuple, out of them by name."""
    if len(names) == 1:
        (name,) = names
        return lambda values: (values[name],)
    return itemgetter(*names) if names else lambda _values: ()


_MOMENTS: dict[tuple[Any, ...], _SameMoment] = {}
"""One bind processor per date-time type (by SQLAlchemy's cache key) and dialect."""


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    """The type's bind processor for `dialect`; a date-time type's is shared by every statement
    and remembers its last value (`_SameMoment`)."""
    processor = type_.dialect_impl(dialect).bind_processor(dialect)
    if processor is None or type_._type_affinity is not DateTime:
        return processor
    type_key = type_._static_cache_key  # what SQLAlchemy's own statement cache tells types by
    if type_key is NO_CACHE:
        return processor
    key = (type(dialect), dialect.paramstyle, type_key)
    return _MOMENTS.setdefault(key, _SameMoment(processor))


class _SameMoment:
    """A date-time type's bind processor that remembers its last value and what it made of
    it. A scan binds one moment to several statements (the ledger row, the heartbeat, the
    journal row), and formatting it (SQLite stores text) is much of binding each; a date-time
    is immutable, so the same object always comes out the same. The pair is swapped whole,
    so threads sharing it never see one's value with another's result."""

    __slots__ = ("_last", "_process")

    def __init__(self, process: Processor) -> None:
        self._process = process
        self._last: tuple[Any, Any] = (None, None)

    def __call__(self, value: Any) -> Any:
        last_value, last_result = self._last
        if value is last_value and value is not None:
            return last_result
        result = self._process(value)
        self._last = (value, result)
        return result


def _bigint_of(dialect: Dialect) -> Processor | None:
    """psycopg's bigint wrapper for a Python int, on PostgreSQL; None elsewhere. A bigint is
    taken wherever these statements bind an integer: compared with a column, added to one, or
    stored in one (SQLAlchemy casts the parameter to the column's type, or PostgreSQL's
    assignment cast does)."""
    if dialect.driver != "psycopg":
        return None
    from psycopg.types.numeric import Int8

    return Int8
