"""Bulk reads and writes past SQLAlchemy's per-row work: the fast paths of imports and the audit.

A promotion day's file is 100k orders and 300k lines, and the audit reads them all back. Through
SQLAlchemy's usual path, the per-row and per-value handling (parameter dictionaries, result rows,
type processing one value at a time) costs more than the database's own work. These helpers
keep what SQLAlchemy is good at (the statement compiled once for this database, each column
type's own value conversion) and hand the rows to the driver in one call.

Values always travel as bound parameters, never inside the SQL text: a shop's address or a
file's SKU code can hold anything. Services call these functions with SQLAlchemy statements and
plain tuples; only this module touches the DBAPI cursor (an import-linter contract keeps the
DBAPI modules out of services and sync).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

IN_CHUNK = 500
"""Keys per `IN (…)` look-up: well under SQLite's limit on bound parameters."""

T = TypeVar("T")
Processor = Callable[[Any], Any]


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_of(session: Session, statement: Executable) -> CursorResult[*tuple[Any, ...]]:
    """Plain Core rows on the session's connection, past the ORM's per-row work."""
    return session.connection().execute(statement)


def driver_rows(session: Session, statement: Executable) -> Sequence[tuple[Any, ...]]:
    """A query's rows as the driver returns them: tuples of stored values, without the work
    SQLAlchemy does per row and value, which costs more than the query itself on 100k-row
    reads. The statement's parameters (an `IN` list included) go to the driver bound, each
    through its column type's conversion, in the driver's own paramstyle."""
    connection = session.connection()
    compiled = _compiled(connection, statement)
    expanded = compiled.construct_expanded_state()
    processors = _processors(compiled, connection, expanded.parameter_expansion)
    values = {
        name: processors[name](value) if name in processors else value
        for name, value in expanded.parameters.items()
    }
    params: Sequence[Any] | Mapping[str, Any] = values
    if expanded.positiontup is not None:
        params = tuple(values[name] for name in expanded.positiontup)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(expanded.statement, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """An executemany of `rows` (values in `columns` order) into `table`, by `bulk_execute`.
    `columns` names every column that has a default: a plain executemany applies none."""
    statement = insert(table).inline().values({name: bindparam(name) for name in columns})
    bulk_execute(session, statement, columns, rows)


def bulk_insert_new(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Sequence[str],
) -> list[int | None]:
    """Insert those of `rows` (values in `columns` order) whose `key` (columns among
    `columns`, unique together in the table) is not taken yet, as `bulk_insert` does; the new
    rows' ids in the order of `rows`, None for a row whose key was taken (nothing inserted).
    So an import of new rows needs no look-up first: only the rows skipped are looked up.

    A plain executemany is several times faster than one with RETURNING. The new rows' ids
    are all above the highest id before the insert (on PostgreSQL too: they come from the
    sequence later), and `key` tells them apart, so one range query finds them all."""
    if not rows:
        return []
    id_column = table.c.id
    highest = session.execute(select(func.coalesce(func.max(id_column), 0))).scalar_one()
    dialect = session.connection().dialect.name
    insert_new = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    statement = insert_new.on_conflict_do_nothing(
        index_elements=[table.c[name] for name in key]
    ).values({name: bindparam(name) for name in columns})
    bulk_execute(session, statement, columns, rows)
    positions = [columns.index(name) for name in key]
    found = rows_of(
        session, select(*(table.c[name] for name in key), id_column).where(id_column > highest)
    )
    ids: dict[tuple[Any, ...], int] = {tuple(row[:-1]): row[-1] for row in found}
    return [ids.get(tuple(row[index] for index in positions)) for row in rows]


def bulk_execute(
    session: Session, statement: Executable, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """An executemany of `statement` straight through the driver: each row gives the values of
    its bound parameters `names` (every one of them), in that order.

    The same statement and the same value conversions SQLAlchemy would use (compiled once for
    this database, each parameter type's own bind processor), without its per-row parameter
    handling, which otherwise costs more than the database's own work: the values are put in
    the driver's order and converted a column at a time, when there is any of that to do."""
    if not rows:
        return
    connection = session.connection()
    compiled = _compiled(connection, statement)
    order = list(compiled.positiontup or names)  # the order the driver wants
    missing = sorted(set(order) - set(names))
    if missing:
        raise ValueError(f"bulk rows give no value for {', '.join(missing)}")
    processors = _processors(compiled, connection, {})
    params: list[Any] = list(rows)
    if any(name in processors for name in order) or compiled.positiontup != list(names):
        given = dict(zip(names, zip(*rows, strict=True), strict=True))
        values = [
            _converted(processors[name], given[name]) if name in processors else given[name]
            for name in order
        ]
        params = list(zip(*values, strict=True))
        if compiled.positiontup is None:
            params = [dict(zip(order, row, strict=True)) for row in params]
    connection.exec_driver_sql(compiled.string, params)


def ids_by(session: Session, column: Column[Any], values: Sequence[str]) -> dict[str, int]:
    """{value: id} for the rows of `column`'s table whose `column` holds one of `values`."""
    table = column.table
    found: dict[str, int] = {}
    for chunk in batches(values, IN_CHUNK):
        rows = rows_of(session, select(column, table.c.id).where(column.in_(chunk)))
        found.update({value: row_id for value, row_id in rows})
    return found


def _compiled(connection: Connection, statement: Executable) -> SQLCompiler:
    compiled = statement.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    return compiled


def _processors(
    compiled: SQLCompiler, connection: Connection, expansion: Mapping[str, list[str]]
) -> dict[str, Processor]:
    """The bind processor of each parameter that has one, by the name the driver sees (each
    value of an expanded `IN` list takes its list's processor)."""
    dialect = connection.dialect
    found: dict[str, Processor] = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found.update(dict.fromkeys(expansion.get(name, [name]), processor))
    return found


def _converted(processor: Processor, values: Sequence[Any]) -> list[Any]:
    """`values` through a bind processor, each object once: the same import time, flag or
    cut-off time (parsed once per text) stands on many rows."""
    distinct = {id(value): value for value in values}
    done = {key: processor(value) for key, value in distinct.items()}
    return [done[id(value)] for value in values]
