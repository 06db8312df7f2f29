"""Validation history: every outcome of every run, appended to the warehouse.

Table `quality.dq_validation_results` (schema `quality`, so dbt never owns or drops it):
one row per run x suite x partition x expectation. Nothing is updated in place, so the
history answers "when did this check start failing?".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from expectations.runner import SuiteResult

SCHEMA = "quality"
TABLE = f"{SCHEMA}.dq_validation_results"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {TABLE} (
    run_id VARCHAR NOT NULL,
    partition_key VARCHAR,
    suite VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    expectation_type VARCHAR NOT NULL,
    column_name VARCHAR,
    severity VARCHAR NOT NULL,
    success BOOLEAN NOT NULL,
    observed_value VARCHAR,
    element_count BIGINT,
    unexpected_count BIGINT,
    unexpected_percent DOUBLE,
    sample_keys VARCHAR,
    exception VARCHAR,
    validated_at TIMESTAMP NOT NULL
);
"""

COLUMNS = (
    "run_id, partition_key, suite, table_name, check_name, expectation_type, column_name, "
    "severity, success, observed_value, element_count, unexpected_count, unexpected_percent, "
    "sample_keys, exception, validated_at"
)


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def append_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    results: Sequence[SuiteResult],
    validated_at: dt.datetime | None = None,
) -> int:
    """Append one row per outcome; returns the number of rows written."""
    ensure_table(con)
    at = validated_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (
            run_id,
            result.partition.isoformat() if result.partition else None,
            o.suite,
            o.table,
            o.check,
            o.expectation_type,
            o.column,
            o.severity,
            o.success,
            None if o.observed_value is None else json.dumps(o.observed_value),
            o.element_count,
            o.unexpected_count,
            o.unexpected_percent,
            json.dumps(list(o.sample)),
            o.exception,
            at,
        )
        for result in results
        for o in result.outcomes
    ]
    if rows:
        # One bulk insert from a frame: `executemany` binds row by row, which took tens of
        # seconds for a run over many days (thousands of outcomes).
        import pandas as pd

        names = [c.strip() for c in COLUMNS.split(",")]
        frame = pd.DataFrame(rows, columns=names).astype(
            {"element_count": "Int64", "unexpected_count": "Int64", "unexpected_percent": "Float64"}
        )
        con.register("_ledger_dq_rows", frame)
        try:
            con.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM _ledger_dq_rows")
        finally:
            con.unregister("_ledger_dq_rows")
    return len(rows)
