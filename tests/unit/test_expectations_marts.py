"""Mart invariants on hand-built marts in a real DuckDB, validated by real GE runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from expectations import MART_SUITES, QualityRun, suite_by_name
from expectations.runner import validate_warehouse


@pytest.fixture(scope="module")
def run() -> QualityRun:
    return QualityRun(run_id="marts")


@pytest.fixture
def marts(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute(
        """
        CREATE TABLE fct_cost_per_outcome AS SELECT * FROM (VALUES
            (DATE '2026-01-05', 'gpt-4o', 'p1', 'chat', 't-001', 10, 1.0, 0.8, 0.1, 0.1, 0.05,
             0.2, 4),
            (DATE '2026-01-05', 'o3', 'p1', 'chat', 't-002', 5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.1, 0)
        ) t(date_day, model_version, prompt_version, feature, tenant_id, inference_events,
            total_cost_usd, inference_cost_usd, orchestration_cost_usd, tool_cost_usd,
            retry_cost_usd, hidden_cost_usd, committed_outcomes);
        CREATE TABLE fct_control_surface_drift AS SELECT * FROM (VALUES
            (DATE '2026-01-05', 'user_explicit', 60, 6.0, 0.6, 0.6),
            (DATE '2026-01-05', 'undo', 40, 4.0, 0.4, 0.4),
            (DATE '2026-01-12', 'user_explicit', 10, 0.0, 1.0, NULL)
        ) t(week_start, trigger_type, inference_events, total_cost_usd, event_share, cost_share);
        CREATE TABLE fct_audit_completeness AS SELECT * FROM (VALUES
            (DATE '2026-01-05', 'gpt-4o', 'chat', 100, 98, 96, 90, 0.96),
            (DATE '2026-01-05', NULL, 'chat', 10, 0, 0, 0, 0.0)
        ) t(date_day, model_version, feature, outputs, t0_outputs, t1_outputs, t2_outputs,
            completeness_rate);
        CREATE TABLE fct_margin_fragility AS SELECT * FROM (VALUES
            (DATE '2026-01-01', 't-001', 100.0, 40.0, 60.0, 0.75, 0.2),
            (DATE '2026-01-01', 't-002', NULL, 5.0, NULL, 0.5, 0.1)
        ) t(month_start, tenant_id, revenue_usd, total_cost_usd, gross_margin_usd,
            cache_hit_rate, hidden_cost_share);
        """
    )
    yield con
    con.close()


def test_consistent_marts_pass(marts, run):
    results = validate_warehouse(marts, run, MART_SUITES)
    assert [(r.spec.name, r.rows) for r in results] == [
        ("fct_cost_per_outcome", 2),
        ("fct_control_surface_drift", 3),
        ("fct_margin_fragility", 2),
        ("fct_audit_completeness", 2),
    ]
    assert [(o.suite, o.check) for r in results for o in r.outcomes if not o.success] == []


def test_broken_invariants_are_blocking_errors_naming_the_rows(marts, run):
    marts.execute(
        "UPDATE fct_control_surface_drift SET cost_share = 0.5 WHERE trigger_type = 'undo'"
    )
    marts.execute("UPDATE fct_audit_completeness SET completeness_rate = 1.4 WHERE outputs = 100")
    marts.execute("UPDATE fct_cost_per_outcome SET retry_cost_usd = 2.0 WHERE tenant_id = 't-001'")
    marts.execute("UPDATE fct_margin_fragility SET gross_margin_usd = 70 WHERE tenant_id = 't-001'")
    results = {r.spec.name: r for r in validate_warehouse(marts, run, MART_SUITES)}
    failed = {name: sorted(o.check for o in r.blocking_failures) for name, r in results.items()}
    assert failed == {
        "fct_control_surface_drift": ["cost_shares_sum_to_one"],
        "fct_audit_completeness": [
            "completeness_rate_in_unit_range",
            "completeness_rate_is_t1_share",
        ],
        "fct_cost_per_outcome": ["retry_cost_within_total"],
        "fct_margin_fragility": ["gross_margin_is_revenue_minus_cost"],
    }
    drift = results["fct_control_surface_drift"].outcome("cost_shares_sum_to_one")
    assert drift.unexpected_count == 2
    assert {s["trigger_type"] for s in drift.sample} == {"user_explicit", "undo"}
    assert {s["week_start"][:10] for s in drift.sample} == {dt.date(2026, 1, 5).isoformat()}


def test_a_missing_mart_fails_its_suite_with_the_reason(tmp_path, run):
    con = duckdb.connect(str(tmp_path / "empty.duckdb"))
    (result,) = validate_warehouse(con, run, [suite_by_name("fct_margin_fragility")])
    assert not result.success and len(result.blocking_failures) == len(result.outcomes)
    assert "not found in the warehouse" in result.outcomes[0].exception
