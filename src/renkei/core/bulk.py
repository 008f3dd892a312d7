"""Bulk inserts and lookups for hot paths (registration, 付番): one statement, driver-ready tuples, executemany.

SQLAlchemy Core builds and type-processes a parameter dict per row, and renders large IN lists slowly; at tens
of thousands of residents a second that cost more than the database itself (decision 0011). Here statements are
written once from the table's column names, only date and timestamp columns are converted (to the text forms
SQLAlchemy's own SQLite types read back), and IN lists are bound as plain driver parameters. On PostgreSQL rows
go in through COPY and IN lists become one array parameter (`= ANY(%s)`).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.db import UTCDateTime

IN_CHUNK = 5_000


@functools.lru_cache(maxsize=64)
def _sqlite_timestamp(value: Any) -> Any:
    # Cached: a batch stamps every row with the same instant.
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def read_timestamp(value: Any) -> dt.datetime | None:
    """A timestamp column as `select_in` returns it (SQLite: the UTC text `insert_rows` writes; PostgreSQL: a
    datetime), as an aware UTC datetime."""
    if value is None:
        return None
    stamp: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _sqlite_date(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _marker(session: Session) -> str:
    return "?" if session.connection().dialect.paramstyle == "qmark" else "%s"


def insert_rows(
    session: Session, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (tuples in `columns` order) into `table` within the session's transaction."""
    if not rows:
        return
    conn = session.connection()
    marker = _marker(session)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    if conn.dialect.name == "sqlite":
        for index, name in enumerate(columns):
            kind = table.c[name].type
            if isinstance(kind, UTCDateTime | sa.DateTime):
                converters.append((index, _sqlite_timestamp))
            elif isinstance(kind, sa.Date):
                converters.append((index, _sqlite_date))
    else:
        for name in columns:
            table.c[name]
    if conn.dialect.name == "postgresql":
        _copy(conn, table.name, columns, rows)
        return
    if converters:
        converted = []
        for row in rows:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            converted.append(tuple(values))
        rows = converted
    conn.exec_driver_sql(sql, list(rows))  # type: ignore[arg-type]


def insert_rows_returning_ids(
    session: Session, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """`insert_rows`, and the new rows' integer primary keys (`id`), in the rows' order.

    SQLite gives the rows of one statement consecutive rowids (the transaction holds the write lock), so the ids
    are the block ending at last_insert_rowid(); on PostgreSQL the ids are drawn from the table's sequence first
    and inserted with the rows (COPY returns nothing)."""
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        ids = [
            int(r[0])
            for r in conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table.name, len(rows)),
            )
        ]
        insert_rows(session, table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)])
        return ids
    insert_rows(session, table, columns, rows)
    last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    return list(range(last - len(rows) + 1, last + 1))


def _copy(conn: sa.Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    # COPY is PostgreSQL's bulk path: several times faster than executemany, same transaction.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def select_in(
    session: Session,
    table: sa.Table,
    columns: Sequence[str],
    key: str,
    values: Sequence[Any],
    *,
    equal: Mapping[str, Any] | None = None,
    null: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """SELECT `columns` FROM `table` WHERE `key` IN `values`, in chunks; columns come back as the driver gives them.

    `equal` adds `column = value` conditions (ahead of the IN, so a composite index leading with them is used)
    and `null` adds `column IS NULL` ones."""
    equal = dict(equal or {})
    for name in (*columns, key, *equal, *null):
        table.c[name]
    if not values:
        return []
    marker = _marker(session)
    conn = session.connection()
    prefix = "".join(f"{name} = {marker} AND " for name in equal) + "".join(
        f"{name} IS NULL AND " for name in null
    )
    fixed = tuple(equal.values())
    found: list[tuple[Any, ...]] = []
    if conn.dialect.name == "postgresql":
        # One array parameter instead of thousands of bound values.
        sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {prefix}{key} = ANY(%s)"
        return [tuple(r) for r in conn.exec_driver_sql(sql, (*fixed, list(values))).fetchall()]
    for i in range(0, len(values), IN_CHUNK):
        part = list(values[i : i + IN_CHUNK])
        # Pad to a multiple of 500 (repeating a value changes nothing) so SQLite's statement cache holds a
        # handful of statements instead of one per list length, which kept memory creeping up with file size.
        part += part[:1] * (-len(part) % 500)
        sql = (
            f"SELECT {', '.join(columns)} FROM {table.name} "
            f"WHERE {prefix}{key} IN ({', '.join([marker] * len(part))})"
        )
        found.extend(tuple(r) for r in conn.exec_driver_sql(sql, (*fixed, *part)).fetchall())
    return found


@contextmanager
def sparse_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a bulk file is processed.

    A chunk allocates hundreds of thousands of short-lived objects (rows, tuples, ciphertexts); at the default
    threshold (700) the collector ran about 900 times per 20,000 residents and re-scanned everything the
    process holds (SQLAlchemy and pydantic structures) in the older generations: 15–20 % of the CPU time.
    Most of those objects are freed by reference counting anyway; cyclic garbage is still collected, every
    50,000 net allocations, so memory stays bounded. The previous thresholds come back afterwards.
    """
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
