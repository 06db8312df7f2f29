"""The same project builds on PostgreSQL for every scenario and gives the same headline marts
as DuckDB.

A real PostgreSQL server (session fixture) receives the raw zone of each generated scenario
in a database of its own. `dbt build --target postgres` runs every model, data test and unit
test on one scenario, then an incremental run of its last day's partition window (every
incremental branch, on PostgreSQL); the other scenarios build every model and data test (the
unit tests do not depend on the data, running them once is enough). Each scenario's headline
marts are then compared with the DuckDB build of the same raw data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import psycopg2
import pytest
from dbt_harness import BuiltWarehouse

from inference_ledger.dbt_runner import DbtInvocation, run_dbt, window_vars
from inference_ledger.generator import SCENARIOS
from inference_ledger.serving.postgres import sync_raw_zone

pytestmark = pytest.mark.postgres

# The scenario whose PostgreSQL build also runs the unit tests.
FULLY_TESTED = "undo-margin-killer"

HEADLINE = {
    "fct_cost_per_outcome": "date_day, model_version, prompt_version, feature, tenant_id",
    "cost_per_outcome_event_window": "date_day",
    "fct_control_surface_drift": "week_start, trigger_type",
    "fct_control_surface_weekly": "week_start",
    "fct_control_surface_monthly": "month_start",
    "fct_margin_fragility": "month_start, tenant_id",
    "fct_margin_10x_test": "week_start, scope, scope_id",
    "fct_audit_completeness": "date_day, model_version, feature",
    "audit_gaps": "output_id",
    "fct_reliability_weekly": "week_start",
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


def _database(scenario: str) -> str:
    return "scenario_" + scenario.replace("-", "_")


@pytest.fixture(scope="module")
def postgres_builds(
    postgres_server: Any,
    build_scenario: Callable[[str], BuiltWarehouse],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[BuiltWarehouse, str, list[str]]]:
    """Per scenario: the DuckDB build, the DSN of its PostgreSQL database, the node types run."""
    admin = psycopg2.connect(postgres_server.dsn)
    admin.autocommit = True
    builds: dict[str, tuple[BuiltWarehouse, str, list[str]]] = {}
    try:
        for scenario in SCENARIOS:
            built = build_scenario(scenario)
            database = _database(scenario)
            with admin.cursor() as cur:
                cur.execute(f"drop database if exists {database}")
                cur.execute(f"create database {database}")
            dsn = (
                f"host={postgres_server.host} port={postgres_server.port}"
                f" user={postgres_server.user} dbname={database}"
            )
            sync_raw_zone(built.path, dsn)
            work = tmp_path_factory.mktemp(f"dbt-postgres-{scenario}")
            exclude = () if scenario == FULLY_TESTED else ("resource_type:unit_test",)
            env = {
                "LEDGER_DBT_TARGET": "postgres",
                "LEDGER_PG_HOST": postgres_server.host,
                "LEDGER_PG_PORT": str(postgres_server.port),
                "LEDGER_PG_USER": postgres_server.user,
                "LEDGER_PG_PASSWORD": "",
                "LEDGER_PG_DBNAME": database,
            }
            invocation = DbtInvocation(
                command="build",
                target="postgres",
                target_path=work / "target",
                log_path=work / "logs",
                exclude=exclude,
                # The server does the work; more threads overlap dbt's round trips.
                threads=4,
            )
            started = time.perf_counter()
            result = run_dbt(invocation, env=env)
            kinds = sorted({str(r.node.resource_type) for r in result.result.results})
            if scenario == FULLY_TESTED:
                last = dt.date.fromisoformat(built.ground_truth["per_day"][-1]["date_day"])
                window = window_vars(last.isoformat(), (last + dt.timedelta(days=1)).isoformat())
                # run_dbt raises when any model fails.
                incremental = run_dbt(
                    dataclasses.replace(invocation, command="run", exclude=(), vars=window),
                    env=env,
                )
                if incremental.result.results:
                    kinds.append("incremental")
            print(f"{scenario}: postgres dbt build {time.perf_counter() - started:.1f} s {kinds}")
            builds[scenario] = (built, dsn, kinds)
    finally:
        admin.close()
    return builds


def _sorted(rows: list[tuple], names: list[str], keys: list[str]) -> list[tuple]:
    # Sort in Python: the engines' string collations differ, the key values do not.
    index = [names.index(key) for key in keys]
    return sorted(
        rows, key=lambda row: tuple((row[i] is None, str(_normal(row[i]))) for i in index)
    )


def test_every_scenario_ran_models_and_data_tests_unit_tests_and_increments_once(
    postgres_builds: dict[str, tuple[BuiltWarehouse, str, list[str]]],
) -> None:
    assert set(postgres_builds) == set(SCENARIOS)
    for scenario, (_, _, kinds) in postgres_builds.items():
        assert {"model", "test", "seed"} <= set(kinds), scenario
        assert ("unit_test" in kinds) == (scenario == FULLY_TESTED), scenario
        assert ("incremental" in kinds) == (scenario == FULLY_TESTED), scenario


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_headline_marts_equal_duckdb(
    postgres_builds: dict[str, tuple[BuiltWarehouse, str, list[str]]], scenario: str
) -> None:
    built, dsn, _ = postgres_builds[scenario]
    duck = duckdb.connect(str(built.path), read_only=True)
    pg = psycopg2.connect(dsn)
    try:
        for table, key_list in sorted(HEADLINE.items()):
            keys = [key.strip() for key in key_list.split(",")]
            cursor = duck.execute(f"select * from marts.{table}")
            duck_names = [d[0] for d in cursor.description]
            duck_rows = _sorted(cursor.fetchall(), duck_names, keys)
            with pg.cursor() as cur:
                cur.execute(f"select * from marts.{table}")
                pg_names = [d[0] for d in cur.description]
                pg_rows = _sorted(cur.fetchall(), pg_names, keys)
            assert duck_rows, (scenario, table)
            assert pg_names == duck_names, (scenario, table)
            assert len(pg_rows) == len(duck_rows), (scenario, table)
            for duck_row, pg_row in zip(duck_rows, pg_rows, strict=True):
                assert all(_same(a, b) for a, b in zip(duck_row, pg_row, strict=True)), (
                    scenario,
                    table,
                    duck_row,
                    pg_row,
                )
    finally:
        duck.close()
        pg.close()
