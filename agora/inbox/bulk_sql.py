"""Rows as the source of one SQL statement, the fastest way on each database: a multi-row
``VALUES`` list on SQLite; on PostgreSQL one array per column, unnested by the server
(``unnest(%s::bigint[], %s::text[], …)``), so that the statement has one parameter per column
whatever the number of rows: psycopg parses a statement's placeholders on the client, and with
``VALUES`` lists of thousands of rows that parsing cost more than the insert itself
(bench/ingest_command.py)."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Model


def column_types(model: type[Model], columns: Sequence[str]) -> list[str]:
    """The database types of ``columns`` (field names or attnames) of ``model``."""
    return [
        str(model._meta.get_field(name).db_type(connection))  # type: ignore[union-attr]
        for name in columns
    ]


def rows_source(
    rows: Sequence[Sequence[Any]], types: Sequence[str], columns: Sequence[str]
) -> tuple[str, list[Any]]:
    """(SQL, parameters) of ``rows`` as a row source for ``INSERT INTO t (columns) <SQL>``
    or, wrapped in parentheses, for ``FROM``/``WITH`` (column names ``columns``)."""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        names = ", ".join(columns)
        params = (
            [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in types]
        )
        # Fixed identifiers and types; every value is a parameter.
        return f"SELECT * FROM unnest({arrays}) AS rows_source ({names})", params  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(types)) + ")"
    return "VALUES " + ", ".join([one] * len(rows)), [value for row in rows for value in row]


# From this many rows on, ``row_sources`` stages them by COPY on PostgreSQL (fewer: the arrays
# of ``rows_source`` cost as little, without a temporary table).
STAGE_MIN_ROWS = 500
_stage_names = itertools.count(1)
_MODIFIER = re.compile(r"\(.*\)")
_STAGED = {"jsonb": "text", "smallint": "bigint", "integer": "bigint"}


def row_sources(
    rows: Sequence[Sequence[Any]],
    types: Sequence[str],
    columns: Sequence[str],
    chunk: int,
) -> Iterator[tuple[str, list[Any]]]:
    """(SQL, parameters) row sources that together give ``rows``, as ``rows_source`` does
    (column names ``columns``), for statements run with ``execute``.

    On PostgreSQL, inside a transaction, for ``STAGE_MIN_ROWS`` rows or more: one source, a
    temporary table (dropped at commit) filled by a binary ``COPY``. psycopg writes a COPY
    row in C, where each element of ``rows_source``'s arrays goes through Python (the
    client's largest cost in an import), and the server reads it without parsing arrays
    (bench/ingest_command.py). Otherwise ``rows_source`` per ``chunk`` rows (the statement's
    parameter limit)."""
    if (
        connection.vendor == "postgresql"
        and len(rows) >= STAGE_MIN_ROWS
        and connection.in_atomic_block
        and _plain()
    ):
        yield _staged(rows, types, columns), []
        return
    for start in range(0, len(rows), chunk):
        yield rows_source(rows[start : start + chunk], types, columns)


def _staged(rows: Sequence[Sequence[Any]], types: Sequence[str], columns: Sequence[str]) -> str:
    """COPYs ``rows`` into a new temporary table dropped at commit; returns its source."""
    import psycopg

    name = f"agora_stage_{next(_stage_names)}"
    # Staged wide (no length limits, integers as bigint, jsonb as text), then cast to the
    # column's type as the arrays are (an explicit cast: texts cut to their length, integers
    # checked against their range by the server; binary COPY writes an integer in the width it
    # is told, without checking). Values must be of the column's Python type, as ingestion
    # writes them.
    stored = [_STAGED.get(kind, _MODIFIER.sub("", kind).strip()) for kind in types]
    selected = ", ".join(
        column if kind == plain else f"{column}::{kind} AS {column}"
        for column, kind, plain in zip(columns, types, stored, strict=True)
    )
    definition = ", ".join(f"{c} {k}" for c, k in zip(columns, stored, strict=True))
    registry = psycopg.adapters.types
    oids = [registry.get_oid(kind) for kind in stored]
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
        # Fixed identifiers and types; the rows travel by COPY.
        raw.execute(f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP")
        with raw.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(oids)
            for row in rows:
                copy.write_row(row)
    return f"SELECT {selected} FROM {name}"  # noqa: S608


def _plain() -> bool:
    """Whether statements may skip Django's cursor (see ``execute``)."""
    return not (
        connection.queries_logged
        or connection.execute_wrappers
        or connection.vendor not in ("sqlite", "postgresql")
    )


def db_bool(value: bool) -> bool | int:
    """A boolean for a row of ``rows_source``: 0/1 on SQLite, whose driver binds an exact int
    directly but looks every ``bool`` up in its adapter registry first (a third of the cost of
    binding it); the boolean elsewhere (PostgreSQL's arrays are typed)."""
    return int(value) if connection.vendor == "sqlite" else value


def in_list(values: Sequence[Any], db_type: str) -> tuple[str, list[Any]]:
    """(SQL, parameters) of ``IN (values)`` after a column: ``= ANY(%s::type[])`` on
    PostgreSQL (one parameter), ``IN (%s, …)`` elsewhere. ``values`` must not be empty."""
    if connection.vendor == "postgresql":
        return f"= ANY(%s::{db_type}[])", [list(values)]
    return "IN (" + ", ".join(["%s"] * len(values)) + ")", list(values)


def execute(cursor: CursorWrapper, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Runs ``sql`` (``%s`` placeholders, no literal ``%``) with ``params`` on ``cursor``'s
    connection and returns the rows it gives (none for a statement without results).

    The bulk statements of ingestion skip what made them slow in Django's general path: on
    SQLite, Django rewrites each placeholder with a regular expression on every execution
    (as costly as the insert itself on statements of thousands of rows), so the statement
    goes to the driver with ``?`` written here; on PostgreSQL, Django binds on the client,
    quoting every element of ``rows_source``'s arrays in Python (a quarter of the command's
    time), so the statement runs on a server-binding cursor of the same connection (the same
    transaction) with binary parameters. Through Django as usual when queries are being
    logged or wrapped (DEBUG, tests that count them); the driver's errors are translated as
    Django does either way (bench/ingest_command.py)."""
    if not _plain():
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []
    with connection.wrap_database_errors:
        if connection.vendor == "sqlite":
            raw = cursor.cursor
            sqlite3.Cursor.execute(raw, sql.replace("%s", "?"), params)
            return raw.fetchall() if raw.description else []
        import psycopg

        with psycopg.Cursor(connection.connection) as server:
            server.execute(sql.replace("%s", "%b"), params)
            return server.fetchall() if server.description else []
