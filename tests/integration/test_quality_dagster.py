"""The quality suites as Dagster asset checks inside real materializations.

A small graph stands in for ingestion and dbt: a partitioned asset writes the raw tables
into a temporary DuckDB, a mart asset builds `fct_cost_per_outcome` from them and a
publish asset reads the mart. The checks are the product's (`build_quality_checks`).
"""

# No `from __future__ import annotations`: Dagster inspects the config and context types.

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from expectations.sample_data import create_raw_tables, insert_synthetic_day
from orchestration.defs.quality import build_quality_checks
from orchestration.defs.resources import LedgerResource

DAY = "2026-03-04"
partitions = dg.DailyPartitionsDefinition(start_date="2026-03-01", end_offset=1)


class RawConfig(dg.Config):
    negative_cost_events: int = 0
    unknown_state_events: int = 0
    missing_prompt_share: float = 0.0


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", t])
        for t in ("inference_events", "output_transitions", "tool_calls", "approvals")
    ],
    partitions_def=partitions,
)
def raw_zone(context: dg.AssetExecutionContext, config: RawConfig, ledger: LedgerResource):
    day = dt.date.fromisoformat(context.partition_key)
    with duckdb.connect(str(ledger.settings().warehouse_path)) as con:
        create_raw_tables(con)
        con.execute("DELETE FROM raw.inference_events WHERE event_date = ?", [day])
        insert_synthetic_day(con, day, 1000)
        con.execute(
            "UPDATE raw.inference_events SET inference_cost_usd = -1 WHERE event_date = ? "
            "AND event_id IN (SELECT event_id FROM raw.inference_events WHERE event_date = ? "
            "ORDER BY event_id LIMIT ?)",
            [day, day, config.negative_cost_events],
        )
        con.execute(
            "UPDATE raw.inference_events SET state = 'speculative' WHERE event_date = ? "
            "AND event_id IN (SELECT event_id FROM raw.inference_events WHERE event_date = ? "
            "ORDER BY event_id DESC LIMIT ?)",
            [day, day, config.unknown_state_events],
        )
        con.execute(
            "UPDATE raw.inference_events SET prompt_version = 'none' WHERE event_date = ? "
            "AND (hash(event_id) % 1000) < ?",
            [day, int(config.missing_prompt_share * 1000)],
        )
    for key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key)


@dg.asset(deps=[dg.AssetKey(["raw", "inference_events"])], partitions_def=partitions)
def fct_cost_per_outcome(ledger: LedgerResource) -> None:
    with duckdb.connect(str(ledger.settings().warehouse_path)) as con:
        con.execute(
            """
            CREATE OR REPLACE TABLE main.fct_cost_per_outcome AS
            SELECT event_date AS date_day, model_version, prompt_version, feature, tenant_id,
                count(*) AS inference_events,
                sum(inference_cost_usd + orchestration_cost_usd + tool_cost_usd)
                    AS total_cost_usd,
                sum(inference_cost_usd) AS inference_cost_usd,
                sum(orchestration_cost_usd) AS orchestration_cost_usd,
                sum(tool_cost_usd) AS tool_cost_usd,
                sum(CASE WHEN is_retry THEN inference_cost_usd ELSE 0 END) AS retry_cost_usd,
                sum(CASE WHEN trigger_type IN ('undo', 'auto_save', 'retry', 'background')
                    THEN inference_cost_usd ELSE 0 END) AS hidden_cost_usd,
                count(*) FILTER (user_action = 'generate') AS committed_outcomes
            FROM raw.inference_events GROUP BY ALL
            """
        )


@dg.asset(deps=[fct_cost_per_outcome], partitions_def=partitions)
def published_marts() -> None:
    """Stands for publication: must not run when a mart has a blocking failure."""


raw_checks, mart_checks = build_quality_checks(
    raw_partitions_def=partitions, mart_partitions_def=partitions, pool=None
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Every path explicitly: an earlier import may have exported other LEDGER_* paths.
    for name, value in {
        "LEDGER_HOME": tmp_path,
        "LEDGER_WAREHOUSE": tmp_path / "warehouse.duckdb",
        "LEDGER_REPORT_DIR": tmp_path / "reports",
    }.items():
        monkeypatch.setenv(name, str(value))
    return tmp_path


def _materialize(config: RawConfig | None = None) -> dg.ExecuteInProcessResult:
    run_config = dg.RunConfig({"raw_zone": config or RawConfig()})
    return dg.materialize(
        [raw_zone, fct_cost_per_outcome, published_marts, raw_checks, mart_checks],
        partition_key=DAY,
        resources={"ledger": LedgerResource()},
        run_config=run_config,
        raise_on_error=False,
        selection=dg.AssetSelection.all()
        - dg.AssetSelection.assets(
            "fct_control_surface_drift", "fct_margin_fragility", "fct_audit_completeness"
        ),
    )


def _evaluations(
    result: dg.ExecuteInProcessResult,
) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_clean_day_passes_every_check_and_publishes(home: Path):
    result = _materialize()
    assert result.success
    evaluations = _evaluations(result)
    assert ("raw/inference_events", "provenance_model_version") in evaluations
    assert ("fct_cost_per_outcome", "retry_cost_within_total") in evaluations
    assert [k for k, e in evaluations.items() if not e.passed] == []
    assert "published_marts" in _materialized(result)
    state = evaluations[("raw/inference_events", "state_canonical")]
    assert state.metadata["success"].value is True
    assert state.metadata["partition"].value == DAY
    assert state.metadata["rows_validated"].value == 1000

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute(
            "SELECT run_id, count(*), count(DISTINCT suite) FROM quality.dq_validation_results "
            "GROUP BY run_id"
        ).fetchall()
    # Four raw tables (five suites) and the one mart in the graph, under the Dagster run id.
    assert [(r[0], r[2]) for r in runs] == [(result.run_id, 6)]
    assert runs[0][1] == len(evaluations)
    html = (home / "reports" / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "inference_events" in html and "fct_cost_per_outcome" in html


def test_impossible_raw_data_blocks_the_marts(home: Path):
    result = _materialize(RawConfig(negative_cost_events=3, unknown_state_events=2))
    assert not result.success
    evaluations = _evaluations(result)
    failed = {k[1] for k, e in evaluations.items() if not e.passed}
    assert failed == {"inference_cost_usd_non_negative", "state_canonical"}
    cost = evaluations[("raw/inference_events", "inference_cost_usd_non_negative")]
    assert cost.severity == dg.AssetCheckSeverity.ERROR
    assert cost.metadata["unexpected_count"].value == 3
    sample = cost.metadata["sample_failing_keys"].value
    assert len(sample) == 3 and all(s["event_id"].startswith("evt-") for s in sample)
    state = evaluations[("raw/inference_events", "state_canonical")]
    assert state.metadata["observed_value"].value == {"value": 0.002}
    # The raw zone was written; nothing downstream of it was.
    assert _materialized(result) == {
        "raw/inference_events",
        "raw/output_transitions",
        "raw/tool_calls",
        "raw/approvals",
    }
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        failed_rows = con.execute(
            "SELECT check_name, severity FROM quality.dq_validation_results WHERE NOT success "
            "ORDER BY 1"
        ).fetchall()
    assert failed_rows == [
        ("inference_cost_usd_non_negative", "error"),
        ("state_canonical", "error"),
    ]


def test_auditability_gap_warns_and_the_pipeline_continues(home: Path):
    result = _materialize(RawConfig(missing_prompt_share=0.2))
    assert result.success
    evaluations = _evaluations(result)
    failed = [k for k, e in evaluations.items() if not e.passed]
    assert failed == [("raw/inference_events", "provenance_prompt_version")]
    gap = evaluations[failed[0]]
    assert gap.severity == dg.AssetCheckSeverity.WARN
    assert 0.15 < gap.metadata["observed_value"].value["value"] < 0.25
    assert "published_marts" in _materialized(result)


def test_code_location_registers_the_checks_on_the_pipeline_assets():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    specs = {
        (k.asset_key.to_user_string(), k.name): graph.get_check_spec(k)
        for k in graph.asset_check_keys
    }
    assert specs[("raw/inference_events", "state_canonical")].blocking
    assert not specs[("raw/inference_events", "provenance_trace_id")].blocking
    assert specs[("fct_control_surface_drift", "cost_shares_sum_to_one")].blocking
    assert specs[("fct_audit_completeness", "completeness_rate_in_unit_range")].blocking
    ours = {k for k, s in specs.items() if (s.metadata or {}).get("suite")}
    assert {k[0] for k in ours} == {
        "raw/inference_events",
        "raw/output_transitions",
        "raw/tool_calls",
        "raw/approvals",
        "fct_cost_per_outcome",
        "fct_control_surface_drift",
        "fct_margin_fragility",
        "fct_audit_completeness",
    }
    assert json.dumps(sorted(ours))  # stable, reviewable key list
