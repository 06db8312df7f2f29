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
        SELECT * FROM (VALUES
            ('all', 1.12, 'collapse', 10800.0 * pow(10, 1.12), 12, 0.91),
            ('acme', 1.08, 'collapse', 6900.0 * pow(10, 1.08), 12, 0.88),
            ('globex', 0.97, 'flat', 3900.0 * pow(10, 0.97), 12, 0.79)
        ) t(scope, elasticity, verdict, projected_cost_10x, points, r_squared)
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
    con.execute(
        """
        CREATE OR REPLACE TABLE fct_cache_hit_rate AS
        SELECT (DATE '2025-04-07' + i::INTEGER)::DATE AS date_day,
               (1000 * (0.78 - i * 0.008))::BIGINT AS cache_hits,
               (1000 - 1000 * (0.78 - i * 0.008))::BIGINT AS cache_misses,
               cache_hits / (cache_hits + cache_misses) AS cache_hit_rate
        FROM range(42) t(i)
        """
    )


def _metric_health(con: duckdb.DuckDBPyConnection) -> None:
    rows = []

    def status(value: float, warn: float, crit: float, above: bool = True) -> str:
        worse = (lambda v, t: v > t) if above else (lambda v, t: v < t)
        return "critical" if worse(value, crit) else "warning" if worse(value, warn) else "healthy"

    for w, week in enumerate(WEEKS):
        hidden = HIDDEN_RATIO[w]
        cpo_wow = [0.02, 0.03, 0.05, 0.08, 0.12, 0.14][w]
        cache = 0.78 - w * 0.056
        escalation = [0.03, 0.03, 0.04, 0.04, 0.06, 0.06][w]
        for metric, value, warn, crit, above in (
            ("hidden_recompute_ratio", hidden, 0.20, 0.40, True),
            ("cost_per_outcome_wow_change", cpo_wow, 0.10, 0.20, True),
            ("cache_hit_rate", cache, 0.70, 0.50, False),
            ("escalation_rate", escalation, 0.05, 0.10, True),
            ("tool_success_rate", 0.985, 0.98, 0.95, False),
        ):
            rows.append(
                (
                    metric,
                    week,
                    "all",
                    value,
                    status(value, warn, crit, above),
                    warn,
                    crit,
                    "metric_thresholds:default",
                )
            )
    for d in range(DAYS):
        day = FIRST_DAY + timedelta(days=d)
        value = 0.72 if d < 21 else 0.93
        rows.append(
            (
                "completeness_rate",
                day,
                "all",
                value,
                status(value, 0.95, 0.80, False),
                0.95,
                0.80,
                "metric_thresholds:default",
            )
        )
    for month, margin in ((date(2025, 4, 1), 0.35), (date(2025, 5, 1), 0.24)):
        rows.append(
            (
                "gross_margin_pct",
                month,
                "all",
                margin,
                "warning" if margin < 0.3 else "healthy",
                0.30,
                0.15,
                "metric_thresholds:default",
            )
        )
    con.execute(
        "CREATE OR REPLACE TABLE fct_metric_health (metric VARCHAR, period_start DATE, "
        "scope VARCHAR, value DOUBLE, status VARCHAR, warning_threshold DOUBLE, "
        "critical_threshold DOUBLE, threshold_source VARCHAR)"
    )
    con.executemany("INSERT INTO fct_metric_health VALUES (?,?,?,?,?,?,?,?)", rows)


def _dq(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE dq_validation_results AS
        SELECT * FROM (VALUES
            ('run-2025-05-18', TIMESTAMPTZ '2025-05-19 02:10:00+00', 'inference_events',
             'expect_column_values_to_not_be_null(model_version)', 'error', true, '0.0', 0),
            ('run-2025-05-18', TIMESTAMPTZ '2025-05-19 02:10:00+00', 'inference_events',
             'expect_trigger_share_unknown_below(0.05)', 'warn', false, '0.071', 355),
            ('run-2025-05-18', TIMESTAMPTZ '2025-05-19 02:10:00+00', 'decision_envelopes',
             'expect_completeness_rate_above(0.95)', 'error', false, '0.93', 28),
            ('run-2025-05-18', TIMESTAMPTZ '2025-05-19 02:10:00+00', 'tool_calls',
             'expect_hashes_present', 'error', true, '1.0', 0)
        ) t(run_id, run_at, suite, expectation, severity, success, observed_value,
            unexpected_count)
        """
    )
