"""A small, realistic set of marts in a DuckDB file.

Used to preview the ops report and the BI publication without running the pipeline, and
by the tests. The story: six weeks ending 2025-05-18 in which undo and auto-save recompute
climb until the hidden-recompute ratio turns critical in 2025-W20, cost per outcome rises,
and the cache hit rate falls.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

SAMPLE_WEEK = "2025-W20"
FIRST_DAY = date(2025, 4, 7)
DAYS = 42
WEEKS = [FIRST_DAY + timedelta(weeks=i) for i in range(DAYS // 7)]
HIDDEN_RATIO = [0.12, 0.16, 0.22, 0.29, 0.36, 0.46]
TRIGGERS = ("user_explicit", "user_edit", "undo", "auto_save", "retry", "background")


def build_sample_warehouse(path: Path | str) -> Path:
    """Create (or replace) the sample marts in the DuckDB file at `path`."""
    path = Path(path)
    con = duckdb.connect(str(path))
    try:
        # Where the dbt project builds its marts.
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("USE marts")
        _cost_per_outcome(con)
        _control_surface(con)
        _margin(con)
        _audit(con)
        _ops(con)
        _metric_health(con)
        _dq(con)
    finally:
        con.close()
    return path


def _cost_per_outcome(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_cost_per_outcome AS
        WITH days AS (
            SELECT (DATE '2025-04-07' + i::INTEGER)::DATE AS date_day, i FROM range(42) t(i)
        ), dims AS (
            SELECT * FROM (VALUES ('gpt-4o-2024-08-06', 'p-12'), ('claude-3-5-sonnet', 'p-7'))
                m(model_version, prompt_version),
            (VALUES ('drafting'), ('summarize')) f(feature),
            (VALUES ('acme'), ('globex')) t(tenant_id)
        )
        SELECT date_day, model_version, prompt_version, feature, tenant_id,
               (200 + i * 3)::BIGINT AS inference_events,
               round((4.0 + i * 0.12) * (CASE tenant_id WHEN 'acme' THEN 1.5 ELSE 1 END), 4)
                   AS total_cost_usd,
               round((3.0 + i * 0.08), 4) AS inference_cost_usd,
               0.5 AS orchestration_cost_usd, 0.3 AS tool_cost_usd,
               round(0.1 + i * 0.01, 4) AS retry_cost_usd, round(0.5 + i * 0.05, 4)
                   AS hidden_cost_usd,
               (120 + i)::BIGINT AS committed_outcomes,
               total_cost_usd / nullif(committed_outcomes, 0) AS cost_per_outcome
        FROM days, dims
        """
    )


def _control_surface(con: duckdb.DuckDBPyConnection) -> None:
    rows = []
    weekly = []
    base_share = {"user_edit": 0.15, "retry": 0.04, "background": 0.06}
    for w, week in enumerate(WEEKS):
        hidden = HIDDEN_RATIO[w]
        undo = hidden * 0.55
        auto_save = hidden * 0.30
        shares = {
            "undo": undo,
            "auto_save": auto_save,
            "retry": base_share["retry"],
            "background": base_share["background"],
            "user_edit": base_share["user_edit"],
        }
        shares["user_explicit"] = max(0.05, 1 - sum(shares.values()))
        total = 900.0 + 60 * w
        for trigger in TRIGGERS:
            share = shares[trigger]
            is_hidden = trigger in ("undo", "auto_save", "retry", "background")
            limit = {"undo": 0.15, "auto_save": 0.15, "retry": 0.10, "background": 0.20}
            investigate = (
                share < 0.30 if trigger == "user_explicit" else share > limit.get(trigger, 0.30)
            )
            rows.append(
                (
                    week,
                    trigger,
                    int(5000 * share),
                    total * share,
                    share,
                    share,
                    is_hidden,
                    investigate,
                )
            )
        weekly.append((week, hidden, hidden * 0.9, hidden * 1.1, 1.1 + hidden * 2))
    con.execute(
        "CREATE OR REPLACE TABLE fct_control_surface_drift (week_start DATE, trigger_type "
        "VARCHAR, inference_events BIGINT, total_cost_usd DOUBLE, event_share DOUBLE, "
        "cost_share DOUBLE, is_hidden BOOLEAN, is_investigate BOOLEAN)"
    )
    con.executemany("INSERT INTO fct_control_surface_drift VALUES (?,?,?,?,?,?,?,?)", rows)
    con.execute(
        "CREATE OR REPLACE TABLE fct_control_surface_weekly (week_start DATE, "
        "hidden_recompute_ratio DOUBLE, hidden_recompute_ratio_legacy3 DOUBLE, "
        "hidden_cost_share DOUBLE, recompute_multiplier DOUBLE)"
    )
    con.executemany("INSERT INTO fct_control_surface_weekly VALUES (?,?,?,?,?)", weekly)


def _margin(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_margin_fragility AS
        SELECT * FROM (VALUES
            (DATE '2025-04-01', 'acme', 9000.0, 5200.0, 11000, 0.422, 0.74),
            (DATE '2025-04-01', 'globex', 4000.0, 3100.0, 6000, 0.225, 0.66),
            (DATE '2025-05-01', 'acme', 9000.0, 6900.0, 11800, 0.233, 0.61),
            (DATE '2025-05-01', 'globex', NULL, 3900.0, 6300, NULL, 0.44)
        ) t(month_start, tenant_id, revenue_usd, total_cost_usd, committed_outcomes,
            gross_margin_pct, cache_hit_rate)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_margin_10x_test AS
        SELECT week_start, scope, scope_id, total_cost_usd, committed_outcomes, n_points,
               elasticity, r_squared, verdict,
               total_cost_usd * pow(10, elasticity) AS projected_cost_10x_usd
        FROM (VALUES
            (DATE '2025-05-05', 'all', 'all', 2500.0, 24000, 11, 1.02, 0.90, 'flat'),
            (DATE '2025-05-12', 'all', 'all', 2700.0, 24800, 12, 1.12, 0.91, 'collapse'),
            (DATE '2025-05-12', 'tenant', 'acme', 1620.0, 12400, 12, 1.08, 0.88, 'collapse'),
            (DATE '2025-05-12', 'tenant', 'globex', 1080.0, 12400, 12, 0.97, 0.79, 'flat'),
            (DATE '2025-05-12', 'tenant', 'initech', 40.0, 300, 3, NULL, NULL, NULL)
        ) t(week_start, scope, scope_id, total_cost_usd, committed_outcomes, n_points,
            elasticity, r_squared, verdict)
        """
    )


def _audit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_audit_completeness AS
        SELECT (DATE '2025-04-07' + i::INTEGER)::DATE AS date_day, m AS model_version, f AS feature,
               100::BIGINT AS outputs, 100::BIGINT AS t0_outputs,
               (CASE WHEN i < 21 THEN 72 ELSE 93 END)::BIGINT AS t1_outputs,
               60::BIGINT AS t2_outputs,
               t1_outputs / outputs AS completeness_rate,
               CASE WHEN completeness_rate < 0.8 THEN 'critical'
                    WHEN completeness_rate < 0.95 THEN 'warning' ELSE 'healthy' END AS status
        FROM range(42) r(i), (VALUES ('gpt-4o-2024-08-06'), ('claude-3-5-sonnet')) m(m),
             (VALUES ('drafting'), ('summarize')) f(f)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE audit_gaps AS
        SELECT 'out-' || lpad(i::VARCHAR, 5, '0') AS output_id,
               (DATE '2025-04-07' + (i % 42)::INTEGER)::DATE AS date_day,
               CASE i % 4 WHEN 0 THEN 'prompt_version;context_hash'
                          WHEN 1 THEN 'context_hash'
                          WHEN 2 THEN 'model_version;prompt_version'
                          ELSE 'trace_id' END AS missing
        FROM range(600) t(i)
        """
    )


def _ops(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_latency_percentiles AS
        SELECT w::DATE AS week_start, endpoint, p50_ms, p95_ms + 40 * k AS p95_ms,
               p99_ms + 90 * k AS p99_ms
        FROM (SELECT DATE '2025-04-07' + 7 * k::INTEGER AS w, k FROM range(6) t(k)),
             (VALUES ('/v1/draft', 640.0, 1850.0, 3900.0), ('/v1/summarize', 420.0, 1200.0,
                      2500.0), ('/v1/classify', 120.0, 380.0, 900.0))
                 e(endpoint, p50_ms, p95_ms, p99_ms)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_retry_rate_by_endpoint AS
        SELECT w::DATE AS week_start, endpoint, requests::BIGINT AS requests,
               (requests * rate)::BIGINT AS retried_requests, rate AS retry_rate
        FROM (SELECT DATE '2025-04-07' + 7 * k::INTEGER AS w FROM range(6) t(k)),
             (VALUES ('/v1/draft', 8000, 0.12), ('/v1/summarize', 5000, 0.04),
                     ('/v1/classify', 12000, 0.02)) e(endpoint, requests, rate)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_tool_success AS
        SELECT w::DATE AS week_start, tool_name, calls::BIGINT AS calls,
               (calls * rate)::BIGINT AS successes, rate AS success_rate, p95 AS p95_latency_ms
        FROM (SELECT DATE '2025-04-07' + 7 * k::INTEGER AS w FROM range(6) t(k)),
             (VALUES ('search_docs', 4000, 0.995, 310.0), ('crm_lookup', 1500, 0.962, 820.0),
                     ('send_email', 300, 0.91, 1500.0)) e(tool_name, calls, rate, p95)
        """
    )
    # The weekly reliability mart, as the dbt project builds it.
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_reliability_weekly AS
        SELECT w::DATE AS week_start, 5000::BIGINT AS inference_events,
               (5000 * (0.04 + k * 0.01))::BIGINT AS retry_events,
               (5000 * 0.01)::BIGINT AS timeout_events, (5000 * 0.02)::BIGINT AS error_events,
               (4000 * (0.78 - k * 0.056))::BIGINT AS cache_hits, 4000::BIGINT AS cache_lookups,
               1000::BIGINT AS outputs, (1000 * (0.03 + k * 0.006))::BIGINT AS escalated_outputs,
               5800::BIGINT AS tool_calls, 5700::BIGINT AS tool_successes,
               retry_events / inference_events AS retry_rate,
               timeout_events / inference_events AS timeout_rate,
               cache_hits / cache_lookups AS cache_hit_rate,
               escalated_outputs / outputs AS escalation_rate,
               tool_successes / tool_calls AS tool_success_rate,
               520.0 + 10 * k AS latency_p50_ms, 1700.0 + 90 * k AS latency_p95_ms,
               3600.0 + 250 * k AS latency_p99_ms
        FROM (SELECT DATE '2025-04-07' + 7 * k::INTEGER AS w, k FROM range(6) t(k))
        """
    )


def _metric_health(con: duckdb.DuckDBPyConnection) -> None:
    rows = []

    def add(
        metric: str,
        grain: str,
        period: date,
        value: float,
        warn: float | None,
        crit: float | None,
        above: bool = True,
    ) -> None:
        worse = (lambda v, t: v > t) if above else (lambda v, t: v < t)
        status = (
            "critical"
            if crit is not None and worse(value, crit)
            else "warning"
            if warn is not None and worse(value, warn)
            else "healthy"
        )
        rows.append(
            (
                metric,
                grain,
                period,
                "all",
                "all",
                value,
                status,
                "above" if above else "below",
                warn,
                crit,
                "default",
                "manual metrics reference",
            )
        )

    for w, week in enumerate(WEEKS):
        add("hidden_recompute_ratio", "week", week, HIDDEN_RATIO[w], 0.20, 0.40)
        add(
            "cost_per_outcome_wow_change",
            "week",
            week,
            [0.02, 0.03, 0.05, 0.08, 0.12, 0.14][w],
            0.10,
            0.20,
        )
        add("cache_hit_rate", "week", week, 0.78 - w * 0.056, 0.70, 0.50, above=False)
        add("escalation_rate", "week", week, [0.03, 0.03, 0.04, 0.04, 0.06, 0.06][w], 0.05, 0.10)
        add("tool_success_rate", "week", week, 0.983, 0.98, 0.95, above=False)
        add("completeness_rate", "week", week, 0.72 if w < 3 else 0.93, 0.95, 0.80, above=False)
    for d in range(DAYS):
        add(
            "completeness_rate",
            "day",
            FIRST_DAY + timedelta(days=d),
            0.72 if d < 21 else 0.93,
            0.95,
            0.80,
            above=False,
        )
    for month, margin in ((date(2025, 4, 1), 0.35), (date(2025, 5, 1), 0.24)):
        add("gross_margin_pct", "month", month, margin, 0.30, 0.15, above=False)
    con.execute(
        "CREATE OR REPLACE TABLE fct_metric_health (metric VARCHAR, period_grain VARCHAR, "
        "period_start DATE, scope VARCHAR, scope_id VARCHAR, value DOUBLE, status VARCHAR, "
        "direction VARCHAR, warning_threshold DOUBLE, critical_threshold DOUBLE, "
        "threshold_variant VARCHAR, threshold_source VARCHAR)"
    )
    con.executemany("INSERT INTO fct_metric_health VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def _dq(con: duckdb.DuckDBPyConnection) -> None:
    # The validation history table as the quality checks append it (schema `quality`).
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(
        """
        CREATE OR REPLACE TABLE quality.dq_validation_results AS
        SELECT * FROM (VALUES
            ('run-2025-05-18', '2025-05-18', 'inference_events', 'stg_raw__inference_events',
             'model_version_present', 'expect_column_values_to_not_be_null', 'model_version',
             'error', true, '0', 5000, 0, 0.0),
            ('run-2025-05-18', '2025-05-18', 'inference_events', 'stg_raw__inference_events',
             'unknown_trigger_share', 'expect_column_values_to_be_in_set', 'trigger_type',
             'warn', false, '0.071', 5000, 355, 7.1),
            ('run-2025-05-18', '2025-05-18', 'audit', 'fct_audit_completeness',
             'core_completeness', 'expect_column_mean_to_be_between', 'completeness_rate',
             'error', false, '0.93', 28, 28, 100.0),
            ('run-2025-05-18', '2025-05-18', 'tool_calls', 'stg_raw__tool_calls',
             'hashes_present', 'expect_column_values_to_not_be_null', 'input_hash',
             'error', true, '0', 5800, 0, 0.0)
        ) t(run_id, partition_key, suite, table_name, check_name, expectation_type,
            column_name, severity, success, observed_value, element_count, unexpected_count,
            unexpected_percent),
        (SELECT '[]' AS sample_keys, NULL::VARCHAR AS exception,
                TIMESTAMP '2025-05-19 02:10:00' AS validated_at)
        """
    )
