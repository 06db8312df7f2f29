"""Shared helpers of the mart suites: marts are small, so each is read whole."""

from __future__ import annotations

import duckdb

from expectations.core import ERROR, in_warehouse, meta
from expectations.declared import Declared, gxe


def resolve_mart(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The qualified name of a mart, wherever the dbt target put it (schemas differ by target)."""
    rows = con.execute(
        """
        SELECT table_schema FROM information_schema.tables
        WHERE table_name = ? AND table_schema NOT IN ('raw', 'quality')
        ORDER BY table_schema = 'marts' DESC, table_schema = 'main' DESC, table_schema
        """,
        [name],
    ).fetchall()
    if not rows:
        raise LookupError(f"mart {name!r} not found in the warehouse: build the marts first")
    return in_warehouse(con, f'"{rows[0][0]}"."{name}"')


def within(column: str, low: float | None, high: float | None, check: str, why: str) -> Declared:
    """An error-severity range expectation."""
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high, meta=meta(check, ERROR, why)
    )
