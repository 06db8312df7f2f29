"""Every query the report and the alerts run against the marts, in one place.

Mart and column names are the public interface of the dbt project; where a mart's name or
a column's name has more than one accepted spelling, the candidates are listed here, so a
rename is a one-line change. A missing table or column yields no rows (the caller shows
"no data"), never an exception.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

COST_PER_OUTCOME = ("fct_cost_per_outcome",)
DRIFT = ("fct_control_surface_drift",)
DRIFT_WEEKLY = ("fct_control_surface_weekly",)
MARGIN = ("fct_margin_fragility",)
MARGIN_10X = ("fct_margin_10x_test",)
AUDIT = ("fct_audit_completeness",)
AUDIT_GAPS = ("audit_gaps", "fct_audit_gaps")
METRIC_HEALTH = ("fct_metric_health",)
DQ_RESULTS = ("quality.dq_validation_results", "dq_validation_results")
# Operations marts: a breakdown (by endpoint, by tool) when one exists, else the weekly
# reliability mart, which the report then shows as a trend over weeks.
RELIABILITY = ("fct_reliability_weekly",)
LATENCY = ("fct_latency_percentiles", "fct_latency_by_endpoint", *RELIABILITY)
TOOL_SUCCESS = ("fct_tool_success", "fct_tool_success_weekly", *RELIABILITY)
RETRY_BY_ENDPOINT = ("fct_retry_rate_by_endpoint", "fct_retry_by_endpoint", *RELIABILITY)
CACHE_HIT = ("fct_cache_hit_rate", *RELIABILITY)

# dbt builds marts in the `marts` schema; `main` is where older layouts kept them.
MART_SCHEMAS = ("marts", "main")

Row = dict[str, Any]


@contextlib.contextmanager
def open_warehouse(path: Path | str, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def find_table(con: duckdb.DuckDBPyConnection, candidates: Sequence[str]) -> str | None:
    """The first candidate present (as `"schema"."table"`), or None.

    An unqualified name is looked up in the dbt marts schema first, then in `main`.
    """
    for name in candidates:
        schema, table = name.rpartition(".")[::2]
        for where in (schema,) if schema else MART_SCHEMAS:
            hit = con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                [where, table],
            ).fetchone()
            if hit:
                return f'"{where}"."{table}"'
    return None


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]


def pick(cols: Sequence[str], *candidates: str) -> str | None:
    """The first candidate column that exists, quoted for SQL, or None."""
    lowered = {c.lower(): c for c in cols}
    for name in candidates:
        if name.lower() in lowered:
            return f'"{lowered[name.lower()]}"'
    return None


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    # DECIMAL sums come back as Decimal; the report and alerts only format and compare them.
    return [
        {n: float(v) if isinstance(v, Decimal) else v for n, v in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


def week_bounds(week_start: date) -> tuple[date, date]:
    return week_start, week_start + timedelta(days=7)


def latest_week(con: duckdb.DuckDBPyConnection) -> date | None:
    """Monday of the latest week that has cost or metric-health data."""
    found: list[date] = []
    for candidates, col in ((COST_PER_OUTCOME, "date_day"), (METRIC_HEALTH, "period_start")):
        table = find_table(con, candidates)
        if table and pick(columns(con, table), col):
            value = con.execute(f'SELECT max("{col}")::DATE FROM {table}').fetchone()[0]
            if value:
                found.append(value)
    if not found:
        return None
    day = max(found)
    return day - timedelta(days=day.weekday())


# --- cost -----------------------------------------------------------------------------


def cost_per_outcome_daily(con: duckdb.DuckDBPyConnection, end: date, days: int = 30) -> list[Row]:
    """Daily cost per outcome, components added before dividing (never averaged ratios)."""
    table = find_table(con, COST_PER_OUTCOME)
    if not table:
        return []
    return fetch(
        con,
        f"""
        SELECT date_day::DATE AS date_day, sum(total_cost_usd) AS total_cost_usd,
               sum(committed_outcomes) AS committed_outcomes,
               sum(total_cost_usd) / nullif(sum(committed_outcomes), 0) AS cost_per_outcome
        FROM {table}
        WHERE date_day >= ? AND date_day < ?
        GROUP BY 1 ORDER BY 1
        """,
        [end - timedelta(days=days), end],
    )


def hidden_recompute_weekly(
    con: duckdb.DuckDBPyConnection, end: date, weeks: int = 12
) -> list[Row]:
    table = find_table(con, DRIFT_WEEKLY)
    if not table:
        return []
    return fetch(
        con,
        f"""
        SELECT week_start::DATE AS week_start, hidden_recompute_ratio
        FROM {table}
        WHERE week_start >= ? AND week_start < ?
        ORDER BY 1
        """,
        [end - timedelta(weeks=weeks), end],
    )


def cost_by_trigger(con: duckdb.DuckDBPyConnection, week_start: date) -> list[Row]:
    table = find_table(con, DRIFT)
    if not table:
        return []
    cols = columns(con, table)
    investigate = pick(cols, "is_investigate") or "NULL"
    hidden = pick(cols, "is_hidden") or "NULL"
    share = pick(cols, "cost_share") or "NULL"
    return fetch(
        con,
        f"""
        SELECT trigger_type, total_cost_usd, {share} AS cost_share,
               {hidden} AS is_hidden, {investigate} AS is_investigate
        FROM {table}
        WHERE week_start = ?
        ORDER BY total_cost_usd DESC
        """,
        [week_start],
    )


# --- operations -------------------------------------------------------------------------


def _week_filter(cols: Sequence[str], start: date, end: date) -> tuple[str, list[Any]]:
    """A WHERE clause on whichever time key the ops mart has (all rows when it has none)."""
    key = pick(cols, "week_start", "date_day", "hour", "period_start")
    if not key:
        return "TRUE", []
    return f"{key} >= ? AND {key} < ?", [start, end]


def latency_percentiles(con: duckdb.DuckDBPyConnection, week_start: date) -> list[Row]:
    """p50/p95/p99 per endpoint for the week, or per week (last 8) without a breakdown."""
    table = find_table(con, LATENCY)
    if not table:
        return []
    cols = columns(con, table)
    dim = pick(cols, "endpoint", "model_version", "feature")
    p50 = pick(cols, "p50_ms", "latency_p50_ms", "p50_latency_ms")
    p95 = pick(cols, "p95_ms", "latency_p95_ms", "p95_latency_ms")
    p99 = pick(cols, "p99_ms", "latency_p99_ms", "p99_latency_ms")
    if not (p50 and p95 and p99):
        return []
    if not dim:
        return _weekly_trend(
            con,
            table,
            cols,
            week_start,
            f"max({p50}) AS p50_ms, max({p95}) AS p95_ms, max({p99}) AS p99_ms",
        )
    where, params = _week_filter(cols, *week_bounds(week_start))
    # Percentiles cannot be re-aggregated exactly; the worst value across the week's rows
    # is shown so a bad day is never hidden by a good one.
    return fetch(
        con,
        f"""
        SELECT {dim}::VARCHAR AS name, '{dim.strip('"')}' AS by, max({p50}) AS p50_ms,
               max({p95}) AS p95_ms, max({p99}) AS p99_ms
        FROM {table} WHERE {where} GROUP BY 1 ORDER BY p95_ms DESC NULLS LAST
        """,
        params,
    )


def _weekly_trend(
    con: duckdb.DuckDBPyConnection,
    table: str,
    cols: Sequence[str],
    week_start: date,
    measures: str,
    weeks: int = 8,
) -> list[Row]:
    """`measures` per week for the `weeks` weeks ending with `week_start`, named by week."""
    key = pick(cols, "week_start", "date_day")
    if not key:
        return []
    return fetch(
        con,
        f"""
        SELECT strftime(date_trunc('week', {key}), '%m-%d') AS name, 'week' AS by, {measures}
        FROM {table} WHERE {key} >= ? AND {key} < ?
        GROUP BY date_trunc('week', {key}) ORDER BY date_trunc('week', {key})
        """,
        [week_start - timedelta(weeks=weeks - 1), week_start + timedelta(days=7)],
    )


def retry_rate_by_endpoint(con: duckdb.DuckDBPyConnection, week_start: date) -> list[Row]:
    """Retry rate per endpoint for the week, or per week (`name`) without a breakdown."""
    table = find_table(con, RETRY_BY_ENDPOINT)
    if not table:
        return []
    cols = columns(con, table)
    requests = pick(cols, "requests", "inference_events", "events")
    retried = pick(cols, "retried_requests", "retry_requests", "retry_events", "retries")
    rate = pick(cols, "retry_rate")
    endpoint = pick(cols, "endpoint")
    if not (rate or (requests and retried)):
        return []
    value = (
        f"sum({retried}) / nullif(sum({requests}), 0)" if requests and retried else f"avg({rate})"
    )
    if not endpoint:
        return _weekly_trend(con, table, cols, week_start, f"{value} AS retry_rate")
    where, params = _week_filter(cols, *week_bounds(week_start))
    return fetch(
        con,
        f"SELECT {endpoint}::VARCHAR AS name, 'endpoint' AS by, {value} AS retry_rate FROM {table} "
        f"WHERE {where} GROUP BY 1 ORDER BY 2 DESC NULLS LAST",
        params,
    )


def tool_success(con: duckdb.DuckDBPyConnection, week_start: date) -> list[Row]:
    """Per tool for the week (`tool_name`), or all tools for the week without a breakdown."""
    table = find_table(con, TOOL_SUCCESS)
    if not table:
        return []
    cols = columns(con, table)
    tool = pick(cols, "tool_name", "tool")
    calls = pick(cols, "calls", "tool_calls")
    successes = pick(cols, "successes", "successful_calls", "tool_successes")
    rate = pick(cols, "success_rate", "tool_success_rate")
    p95 = pick(cols, "p95_latency_ms", "tool_latency_p95_ms") if tool else None
    if not (calls and (successes or rate)):
        return []
    where, params = _week_filter(cols, *week_bounds(week_start))
    ok = f"sum({successes})" if successes else f"sum({rate} * {calls})"
    rows = fetch(
        con,
        f"""
        SELECT {f"{tool}::VARCHAR" if tool else "'all tools'"} AS tool_name,
               sum({calls}) AS calls, {ok} / nullif(sum({calls}), 0) AS success_rate,
               {f"max({p95})" if p95 else "NULL"} AS p95_latency_ms
        FROM {table} WHERE {where} GROUP BY 1 ORDER BY success_rate ASC NULLS LAST
        """,
        params,
    )
    return [r for r in rows if r["calls"]]


def cache_hit_rate_weekly(con: duckdb.DuckDBPyConnection, end: date, weeks: int = 12) -> list[Row]:
    table = find_table(con, CACHE_HIT)
    if not table:
        return []
    cols = columns(con, table)
    key = pick(cols, "week_start", "date_day")
    hits = pick(cols, "cache_hits", "hits")
    misses = pick(cols, "cache_misses", "misses")
    lookups = pick(cols, "cache_lookups", "lookups")
    rate = pick(cols, "cache_hit_rate")
    if hits and lookups:
        value = f"sum({hits}) / nullif(sum({lookups}), 0)"
    elif hits and misses:
        value = f"sum({hits}) / nullif(sum({hits}) + sum({misses}), 0)"
    elif rate:
        value = f"avg({rate})"
    else:
        return []
    if not key:
        return []
    return fetch(
        con,
        f"""
        SELECT date_trunc('week', {key})::DATE AS week_start, {value} AS cache_hit_rate
        FROM {table} WHERE {key} >= ? AND {key} < ? GROUP BY 1 ORDER BY 1
        """,
        [end - timedelta(weeks=weeks), end],
    )


# --- health, margin, audit, quality ------------------------------------------------------


def _health_dims(cols: Sequence[str]) -> tuple[str, str]:
    """SQL for the period grain and a readable scope (`tenant=acme`; `all` stays `all`)."""
    grain = pick(cols, "period_grain", "grain")
    scope_id = pick(cols, "scope_id")
    scope = (
        f"CASE WHEN {scope_id} IS NULL OR {scope_id}::VARCHAR = scope::VARCHAR "
        f"THEN scope::VARCHAR ELSE scope || '=' || {scope_id} END"
        if scope_id
        else "scope::VARCHAR"
    )
    return (f"{grain}::VARCHAR" if grain else "NULL::VARCHAR"), scope


def metric_health_as_of(con: duckdb.DuckDBPyConnection, end: date) -> list[Row]:
    """Per metric, grain and scope, the latest period that started before `end`."""
    table = find_table(con, METRIC_HEALTH)
    if not table:
        return []
    grain, scope = _health_dims(columns(con, table))
    return fetch(
        con,
        f"""
        SELECT metric, {grain} AS grain, {scope} AS scope, period_start::DATE AS period_start,
               value, status, warning_threshold, critical_threshold
        FROM {table}
        WHERE period_start < ?
        QUALIFY row_number() OVER (
            PARTITION BY metric, {grain}, {scope} ORDER BY period_start DESC) = 1
        ORDER BY metric, grain, scope
        """,
        [end],
    )


def metric_health_history(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every metric-health row with the previous period's status of the same metric, grain
    and scope, and how many periods back from the latest it is (1 = latest)."""
    table = find_table(con, METRIC_HEALTH)
    if not table:
        return []
    cols = columns(con, table)
    grain, scope = _health_dims(cols)
    source = pick(cols, "threshold_source") or "NULL"
    return fetch(
        con,
        f"""
        SELECT metric, {grain} AS grain, {scope} AS scope, period_start::DATE AS period_start,
               value, status, warning_threshold, critical_threshold,
               {source} AS threshold_source,
               lag(status) OVER w AS previous_status,
               row_number() OVER (
                   PARTITION BY metric, {grain}, {scope} ORDER BY period_start DESC
               ) AS periods_back
        FROM {table}
        WINDOW w AS (PARTITION BY metric, {grain}, {scope} ORDER BY period_start)
        ORDER BY metric, grain, scope, period_start
        """,
    )


def margin_10x(con: duckdb.DuckDBPyConnection, end: date | None = None) -> list[Row]:
    """The 10x test per scope ('all' first), as of the latest week before `end`."""
    table = find_table(con, MARGIN_10X)
    if not table:
        return []
    cols = columns(con, table)
    extras = [
        f"{col} AS {alias}"
        for col, alias in (
            (pick(cols, "projected_cost_10x_usd", "projected_cost_10x"), "projected_cost_10x"),
            (pick(cols, "n_points", "points", "fit_points"), "points"),
            (pick(cols, "r_squared", "fit_r2", "r2"), "r_squared"),
        )
        if col
    ]
    scope_id = pick(cols, "scope_id")
    scope = (
        f"CASE WHEN {scope_id} IS NULL OR {scope_id}::VARCHAR = scope::VARCHAR "
        f"THEN scope::VARCHAR ELSE {scope_id}::VARCHAR END"
        if scope_id
        else "scope::VARCHAR"
    )
    week = pick(cols, "week_start")
    where, params, latest = "TRUE", [], ""
    if week:
        where = f"{week} < ?" if end else "TRUE"
        params = [end] if end else []
        latest = f"QUALIFY row_number() OVER (PARTITION BY {scope} ORDER BY {week} DESC) = 1"
    select = ", ".join([f"{scope} AS scope", "elasticity", "verdict", *extras])
    return fetch(
        con,
        # 'all' first, then the most fragile scopes (highest elasticity).
        f"SELECT {select} FROM {table} WHERE {where} {latest} "
        "ORDER BY scope <> 'all', elasticity DESC NULLS LAST, scope",
        params,
    )


def margin_by_tenant(con: duckdb.DuckDBPyConnection, end: date) -> list[Row]:
    table = find_table(con, MARGIN)
    if not table:
        return []
    return fetch(
        con,
        f"""
        SELECT tenant_id, month_start::DATE AS month_start, revenue_usd, total_cost_usd,
               gross_margin_pct, cache_hit_rate
        FROM {table}
        WHERE month_start = (SELECT max(month_start) FROM {table} WHERE month_start < ?)
        ORDER BY gross_margin_pct ASC NULLS LAST
        """,
        [end],
    )


def audit_completeness_week(con: duckdb.DuckDBPyConnection, week_start: date) -> Row | None:
    table = find_table(con, AUDIT)
    if not table:
        return None
    rows = fetch(
        con,
        f"""
        SELECT sum(outputs) AS outputs, sum(t1_outputs) AS t1_outputs,
               sum(t1_outputs) / nullif(sum(outputs), 0) AS completeness_rate
        FROM {table} WHERE date_day >= ? AND date_day < ?
        """,
        week_bounds(week_start),
    )
    return rows[0] if rows and rows[0]["outputs"] else None


def top_audit_gaps(con: duckdb.DuckDBPyConnection, week_start: date, limit: int = 8) -> list[Row]:
    """Missing elements ranked by how many incomplete outputs lack them."""
    table = find_table(con, AUDIT_GAPS)
    if not table:
        return []
    cols = columns(con, table)
    missing = pick(cols, "missing", "missing_elements")
    if not missing:
        return []
    day = pick(cols, "date_day", "first_event_day")
    where, params = ("TRUE", [])
    if day:
        where, params = f"{day} >= ? AND {day} < ?", list(week_bounds(week_start))
    return fetch(
        con,
        f"""
        WITH elements AS (
            SELECT output_id, trim(unnest(string_split({missing}::VARCHAR, ';'))) AS element
            FROM {table} WHERE {where}
        )
        SELECT element, count(DISTINCT output_id) AS outputs, min(output_id) AS example_output_id
        FROM elements WHERE element <> ''
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(limit)}
        """,
        params,
    )


def _dq_time_column(cols: Sequence[str]) -> str | None:
    return pick(cols, "validated_at", "run_at", "run_time", "checked_at", "created_at")


def _dq_expectation(cols: Sequence[str]) -> str:
    """What failed, in words: the check's name, else the expectation type."""
    names = [
        c
        for c in (
            pick(cols, "expectation"),
            pick(cols, "check_name"),
            pick(cols, "expectation_type"),
        )
        if c
    ]
    expectation = f"coalesce({', '.join(names)})" if names else "'expectation'"
    column = pick(cols, "column_name")
    if column:
        # The same check on two columns is two expectations.
        expectation = (
            f"{expectation} || CASE WHEN {column} IS NULL THEN '' ELSE '(' || {column} || ')' END"
        )
    return expectation


def dq_latest_run(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Results of the most recent validation run."""
    table = find_table(con, DQ_RESULTS)
    if not table:
        return []
    cols = columns(con, table)
    when = _dq_time_column(cols)
    order = f"max({when})" if when else "max(run_id)"
    return fetch(
        con,
        f"""
        SELECT suite, {_dq_expectation(cols)} AS expectation, lower(severity) AS severity,
               success, observed_value, unexpected_count, run_id
        FROM {table}
        WHERE run_id = (SELECT run_id FROM {table} GROUP BY run_id ORDER BY {order} DESC LIMIT 1)
        ORDER BY success, severity, suite, expectation
        """,
    )


def dq_failures(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Failed expectations of every run, with the period an alert about them belongs to."""
    table = find_table(con, DQ_RESULTS)
    if not table:
        return []
    cols = columns(con, table)
    when = _dq_time_column(cols)
    period = pick(cols, "partition_key", "period", "date_day")
    # Same failure, same data period: one alert. Without a data period, a run's day is
    # the period, so a failure that persists alerts once a day, not once per re-run.
    fallback = f"{when}::DATE::VARCHAR" if when else "run_id"
    period_sql = f"coalesce({period}::VARCHAR, {fallback})" if period else fallback
    return fetch(
        con,
        f"""
        SELECT run_id, suite, {_dq_expectation(cols)} AS expectation, severity, observed_value,
               unexpected_count, {period_sql} AS period
        FROM {table}
        WHERE NOT success AND lower(coalesce(severity, 'error')) IN ('error', 'warn', 'warning',
              'critical')
        ORDER BY suite, expectation, run_id
        """,
    )
