"""The same project builds on PostgreSQL and gives the same headline marts as DuckDB.

A real PostgreSQL server (session fixture) receives the raw zone of a generated scenario,
`dbt build --target postgres` runs every model, data test and unit test, and the headline
marts are compared with the DuckDB build of the same raw data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import psycopg2
import pytest
from dbt_harness import BuiltWarehouse

from inference_ledger.dbt_runner import DbtInvocation, run_dbt
from inference_ledger.serving.postgres import sync_raw_zone

pytestmark = pytest.mark.postgres


HEADLINE = {
    "fct_cost_per_outcome": "date_day, model_version, prompt_version, feature, tenant_id",
    "cost_per_outcome_event_window": "date_day",
    "fct_control_surface_drift": "week_start, trigger_type",
    "fct_control_surface_weekly": "week_start",
    "fct_margin_fragility": "month_start, tenant_id",
    "fct_margin_10x_test": "week_start, scope, scope_id",
    "fct_audit_completeness": "date_day, model_version, feature",
    "audit_gaps": "output_id",
    "fct_metric_health": "metric, period_grain, period_start, scope, scope_id",
}


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _normal(a), _normal(b)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.fixture(scope="module")
def postgres_build(
    postgres_server: Any,
    build_scenario: Callable[[str], BuiltWarehouse],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BuiltWarehouse, str]:
    built = build_scenario("undo-margin-killer")
    work = tmp_path_factory.mktemp("dbt-postgres")
    sync_raw_zone(built.path, postgres_server.dsn)
    env = {
        "LEDGER_DBT_TARGET": "postgres",
        "LEDGER_PG_HOST": postgres_server.host,
        "LEDGER_PG_PORT": str(postgres_server.port),
        "LEDGER_PG_USER": postgres_server.user,
        "LEDGER_PG_PASSWORD": "",
        "LEDGER_PG_DBNAME": postgres_server.dbname,
    }
    run_dbt(
        DbtInvocation(
            command="build",
            target="postgres",
            target_path=work / "target",
            log_path=work / "logs",
        ),
        env=env,
    )
    return built, postgres_server.dsn


def _sorted(rows: list[tuple], names: list[str], keys: list[str]) -> list[tuple]:
    # Sort in Python: the engines' string collations differ, the key values do not.
    index = [names.index(key) for key in keys]
    return sorted(
        rows, key=lambda row: tuple((row[i] is None, str(_normal(row[i]))) for i in index)
    )


@pytest.mark.parametrize("table", sorted(HEADLINE))
def test_headline_marts_equal_duckdb(
    postgres_build: tuple[BuiltWarehouse, str], table: str
) -> None:
    built, dsn = postgres_build
    keys = [key.strip() for key in HEADLINE[table].split(",")]
    con = duckdb.connect(str(built.path), read_only=True)
    try:
        cursor = con.execute(f"select * from marts.{table}")
        duck_names = [d[0] for d in cursor.description]
        duck_rows = _sorted(cursor.fetchall(), duck_names, keys)
    finally:
        con.close()
    pg = psycopg2.connect(dsn)
    try:
        with pg.cursor() as cur:
            cur.execute(f"select * from marts.{table}")
            pg_names = [d[0] for d in cur.description]
            pg_rows = _sorted(cur.fetchall(), pg_names, keys)
    finally:
        pg.close()
    assert duck_rows, table
    assert pg_names == duck_names, table
    assert len(pg_rows) == len(duck_rows), table
    for duck_row, pg_row in zip(duck_rows, pg_rows, strict=True):
        assert all(_same(a, b) for a, b in zip(duck_row, pg_row, strict=True)), (
            table,
            duck_row,
            pg_row,
        )
