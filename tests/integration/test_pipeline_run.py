"""`ledger run` end to end in real processes: landing files → raw zone → dbt marts → quality
checks → BI publication, report and alerts; a re-run sends no alert twice; a second
concurrent run does not write and says why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from inference_ledger.generator import GenerationOptions, generate

LEDGER = [sys.executable, "-m", "inference_ledger.cli"]
RUN_DAY = "2025-06-08"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "DAGSTER_"))}
    env.update(
        LEDGER_HOME=str(home),
        LEDGER_DUCKDB_MEMORY_LIMIT="1GB",
        LEDGER_PARTITIONS_START="2025-05-01",
    )
    return env


def _ledger(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LEDGER, *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _count(database: Path, sql: str) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("pipeline") / "home"
    generate(
        GenerationOptions(
            out=home / "landing",
            scenario="undo-margin-killer",
            days=60,
            observe_days=35,
            events_per_day=120,
            seed=21,
        )
    )
    result = _ledger(home, "run", "--partition", RUN_DAY)
    return home, result


def test_run_builds_publishes_and_reports(first_run):
    home, result = first_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "succeeded" in result.stdout

    truth = json.loads((home / "landing" / "ground_truth.json").read_text())
    published = home / "published" / "inference_ledger.duckdb"
    events = _count(published, "select sum(inference_events) from fct_cost_per_outcome")
    assert events == truth["totals"]["inference_events"]
    assert (home / "published" / "parquet" / "fct_cost_per_outcome.parquet").exists()

    reports = sorted((home / "reports").glob("ops-report-20*.html"))
    assert reports, "the weekly report was not written"
    assert "<svg" in reports[-1].read_text(encoding="utf-8")
    assert (home / "reports" / "data_docs" / "index.html").exists()

    warehouse = home / "warehouse.duckdb"
    assert _count(warehouse, "select count(*) from quality.dq_validation_results") > 0
    critical_hidden = _count(
        warehouse,
        "select count(*) from main.alert_log where metric = 'hidden_recompute_ratio'"
        " and status = 'critical'",
    )
    assert critical_hidden >= 1


def test_rerun_sends_nothing_twice_and_a_concurrent_run_waits_its_turn(first_run):
    home, _ = first_run
    warehouse = home / "warehouse.duckdb"
    alerts_before = _count(warehouse, "select count(*) from main.alert_log")
    rows_before = _count(warehouse, "select count(*) from raw.inference_events")

    env = _env(home)
    first = subprocess.Popen(
        [*LEDGER, "run", "--partition", RUN_DAY],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lock = home / ".run.lock"
    deadline = time.monotonic() + 120
    while "pid" not in (lock.read_text() if lock.exists() else ""):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first run never took the run lock"
        time.sleep(0.2)
    second = _ledger(home, "run", "--partition", RUN_DAY, timeout=120)
    out, err = first.communicate(timeout=600)

    assert second.returncode == 75
    assert "busy" in second.stderr and f"pid {first.pid}" in second.stderr
    assert first.returncode == 0, out[-3000:] + err[-3000:]
    assert _count(warehouse, "select count(*) from raw.inference_events") == rows_before
    assert _count(warehouse, "select count(*) from main.alert_log") == alerts_before
