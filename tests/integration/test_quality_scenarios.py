"""The suites on generated scenarios, ingested by the product's ingestion.

compliance-gap: provenance is missing on ~30% of outputs until a fix; the provenance
expectations must warn on every day before the fix, pass on every day after it, and their
failing samples must name outputs the generator lists as audit gaps. baseline: every raw
and mart suite passes (marts built by the real dbt project).
"""

# No `from __future__ import annotations`: Dagster inspects annotations it is given.
import csv
import dataclasses
import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from expectations import ALL_SUITES, RAW_SUITES, WARN, QualityRun, suite_by_name
from expectations.runner import validate_warehouse
from inference_ledger.dbt_runner import DbtInvocation, run_dbt
from inference_ledger.generator import GenerationOptions, generate
from inference_ledger.generator.scenarios import knobs_for
from inference_ledger.ingest import ingest_landing
from inference_ledger.settings import Settings, load_settings
from orchestration.defs.ingest.assets import ingest_raw_zone
from orchestration.defs.quality import quality_checks
from orchestration.defs.resources import LedgerResource

# Long enough for a gap, a fix and healthy days after it; small enough for CI.
DAYS = 16
EVENTS_PER_DAY = 150
BASELINE_DAYS = 7
PROVENANCE_CHECKS = ("provenance_model_version", "provenance_prompt_version")


def _settings(home: Path) -> Settings:
    return dataclasses.replace(
        load_settings(),
        home=home,
        landing_dir=home / "landing",
        raw_dir=home / "raw",
        warehouse_path=home / "warehouse.duckdb",
        report_dir=home / "reports",
        duckdb_memory_limit="1GB",
        duckdb_threads=1,
    )


def _env(home: Path) -> dict[str, str]:
    return {
        "LEDGER_HOME": str(home),
        "LEDGER_LANDING_DIR": str(home / "landing"),
        "LEDGER_RAW_DIR": str(home / "raw"),
        "LEDGER_WAREHOUSE": str(home / "warehouse.duckdb"),
        "LEDGER_REPORT_DIR": str(home / "reports"),
        "LEDGER_PUBLISH_DIR": str(home / "published"),
    }


def _generate(home: Path, scenario: str, days: int) -> dict:
    generate(
        GenerationOptions(
            out=home / "landing", scenario=scenario, days=days, events_per_day=EVENTS_PER_DAY
        )
    )
    return json.loads((home / "landing" / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compliance_gap(tmp_path_factory: pytest.TempPathFactory):
    """Generated, then ingested and checked by Dagster for one day before and one after."""
    home = tmp_path_factory.mktemp("compliance-gap")
    truth = _generate(home, "compliance-gap", DAYS)
    start = dt.date.fromisoformat(truth["start_date"])
    before = [i for i in range(DAYS) if knobs_for("compliance-gap", i, DAYS).retry_logged == 0]
    after = [i for i in range(DAYS) if knobs_for("compliance-gap", i, DAYS).retry_logged == 1]
    raw_checks = quality_checks[0]
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        # Every path explicitly: an earlier import may have exported other LEDGER_* paths.
        for name, value in _env(home).items():
            patch.setenv(name, value)
        for index in (before[2], after[-1]):
            runs[index] = dg.materialize(
                [ingest_raw_zone, raw_checks],
                partition_key=(start + dt.timedelta(days=index)).isoformat(),
                resources={"ledger": LedgerResource(landing_dir=str(home / "landing"))},
            )
    return home, start, before, after, runs


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["raw", "inference_events"])
    }


def test_dagster_run_warns_on_provenance_before_the_fix_and_passes_after(compliance_gap):
    home, start, before, after, runs = compliance_gap
    assert before and after and max(before) < min(after)
    pre, post = _evaluations(runs[before[2]]), _evaluations(runs[after[-1]])
    assert runs[before[2]].success and runs[after[-1]].success  # warnings never block
    for check in PROVENANCE_CHECKS:
        assert not pre[check].passed and pre[check].severity == dg.AssetCheckSeverity.WARN
        assert 0.2 < pre[check].metadata["observed_value"].value["value"] < 0.5
        assert post[check].passed
    assert [c for c, e in pre.items() if not e.passed and c not in PROVENANCE_CHECKS] in (
        [],
        ["retries_tagged"],
    )
    assert [c for c, e in post.items() if not e.passed] == []


def test_provenance_fails_exactly_before_the_fix_and_samples_name_audit_gaps(compliance_gap):
    home, start, before, after, _ = compliance_gap
    with (home / "landing" / "ground_truth_audit_gaps.csv").open(encoding="utf-8") as handle:
        gaps = {row["output_id"]: row["missing"].split(";") for row in csv.DictReader(handle)}
    events = suite_by_name("inference_events")
    run = QualityRun(run_id="compliance-gap")
    status: dict[int, dict[str, bool]] = {}
    sampled: set[str] = set()
    untagged = {"before": 0, "after": 0}
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        for index in before + after:
            (result,) = validate_warehouse(con, run, [events], start + dt.timedelta(days=index))
            assert result.blocking_failures == [], index
            status[index] = {c: result.outcome(c).success for c in PROVENANCE_CHECKS}
            for check in PROVENANCE_CHECKS:
                outcome = result.outcome(check)
                assert outcome.severity == WARN
                column = check.removeprefix("provenance_")
                for row in outcome.sample:
                    if row["output_id"] is not None:
                        assert column in gaps[row["output_id"]], row
                        sampled.add(row["output_id"])
            retries = result.outcome("retries_tagged").unexpected_count
            untagged["before" if index in before else "after"] += retries
    assert all(not any(status[i].values()) for i in before)
    assert all(all(status[i].values()) for i in after)
    assert len(sampled) > 30
    # Retries logged as ordinary calls before the fix are caught; none after it.
    assert untagged["before"] > 5 and untagged["after"] == 0


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dt.date]:
    home = tmp_path_factory.mktemp("baseline")
    truth = _generate(home, "baseline", BASELINE_DAYS)
    settings = _settings(home)
    ingest_landing(home / "landing", settings)
    run_dbt(
        DbtInvocation(command="build", target_path=home / "target", log_path=home / "logs"),
        env={
            "LEDGER_WAREHOUSE": str(settings.warehouse_path),
            "LEDGER_DBT_TARGET": "duckdb",
            "LEDGER_DUCKDB_MEMORY_LIMIT": "1GB",
            "LEDGER_DUCKDB_THREADS": "1",
        },
    )
    return home, dt.date.fromisoformat(truth["start_date"])


def test_baseline_passes_every_suite(baseline):
    home, start = baseline
    run = QualityRun(run_id="baseline")
    failures = []
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        marts = validate_warehouse(con, run, [s for s in ALL_SUITES if s.is_mart])
        assert all(r.rows > 0 for r in marts)
        results = list(marts)
        # The first day (no volume history), a middle and the last day.
        for index in (0, 3, BASELINE_DAYS - 1):
            results += validate_warehouse(con, run, RAW_SUITES, start + dt.timedelta(days=index))
    failures = [
        (r.partition, o.suite, o.check) for r in results for o in r.outcomes if not o.success
    ]
    assert failures == []
    assert sum(r.rows for r in results if r.spec.name == "inference_events") == 3 * EVENTS_PER_DAY
    volume = [r for r in results if r.spec.name == "inference_events_volume"]
    assert volume[0].outcome("volume_events_in_band").observed_value is None
    assert 0.5 < volume[-1].outcome("volume_events_in_band").observed_value < 2
