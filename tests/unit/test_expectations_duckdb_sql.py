"""Great Expectations' SQL engine on DuckDB: counts come back, regexes run, nothing is left
behind in the warehouse connection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pytest

from expectations import QualityRun, suite_by_name
from expectations.core import SCRATCH_CATALOG, present
from expectations.duckdb_sql import DuckDBExecutionEngine, datasource_on
from expectations.runner import validate_warehouse
from expectations.sample_data import create_raw_tables, insert_synthetic_day


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute(
        """CREATE TABLE calls AS SELECT i AS id,
             CASE WHEN i % 4 = 0 THEN NULL ELSE format('{:016x}', i) END AS input_hash,
             CASE WHEN i % 10 = 0 THEN 'SHA256:XYZ' ELSE format('{:016x}', i) END AS output_hash
           FROM range(1000) t(i)"""
    )
    yield con
    con.close()


def test_ge_counts_and_matches_regexes_on_duckdb_through_sql(con):
    context = gx.get_context(mode="ephemeral")
    source = datasource_on(context, con, "main")
    assert isinstance(source.get_execution_engine(), DuckDBExecutionEngine)
    batch = source.add_table_asset("calls", table_name="calls")
    batch = batch.add_batch_definition_whole_table("all").get_batch()
    # Without fetching inside the connection, every metric came back empty (an exception).
    missing = batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="input_hash"))
    assert not missing.exception_info.get("raised_exception")
    assert missing.result["element_count"] == 1000
    assert missing.result["unexpected_count"] == 250
    # Without an operator for DuckDB, a regex expectation raised "not supported".
    hexes = batch.validate(
        gxe.ExpectColumnValuesToMatchRegex(column="output_hash", regex=r"^[0-9a-f]{16}$"),
        result_format={"result_format": "BASIC", "return_unexpected_index_query": True},
    )
    assert not hexes.exception_info.get("raised_exception")
    assert hexes.result["unexpected_count"] == 100
    # A search, as in pandas and PostgreSQL: an unanchored pattern matches inside a value.
    inside = batch.validate(gxe.ExpectColumnValuesToMatchRegex(column="output_hash", regex="XY"))
    assert inside.result["unexpected_count"] == 900


def test_placeholders_are_missing_whatever_their_case_and_padding():
    values = ["unknown", " None ", "NULL", "", "  ", "unknown-model", "n", "abc", None]
    got = duckdb.sql(
        f"SELECT {present('v')} FROM (SELECT unnest(?::VARCHAR[]) AS v)", params=[values]
    ).fetchall()
    assert [row[0] for row in got] == [
        None,
        None,
        None,
        None,
        None,
        "unknown-model",
        "n",
        "abc",
        None,
    ]


def test_a_run_leaves_no_scratch_catalog_in_the_warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_raw_tables(con)
    day = dt.date(2026, 1, 9)
    insert_synthetic_day(con, day, 200)
    results = validate_warehouse(con, QualityRun(), [suite_by_name("inference_events")], day)
    assert results[0].rows == 200 and results[0].success
    listed = con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    databases = {row[0] for row in listed}
    assert SCRATCH_CATALOG not in databases
    # A second run in the same connection attaches it afresh.
    (again,) = validate_warehouse(con, QualityRun(), [suite_by_name("inference_events")], day)
    assert again.success
    con.close()
