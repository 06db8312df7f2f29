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
from browser import CHARTS, dump_dom
from local_servers import wait_for

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


def _ledger(
    home: Path, *args: str, timeout: float = 600, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LEDGER, *args],
        env={**_env(home), **env},
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
    # Rendered by a real browser: every chart drawn, hidden recompute critical mid-crisis.
    dom = dump_dom(home, reports[-1])
    assert set(dom.charts) == CHARTS
    assert all(sum(tags.values()) > 0 for tags in dom.charts.values())
    assert dom.by_id["mode-control_surface_drift"]["data-status"] == "critical"
    assert (home / "reports" / "data_docs" / "index.html").exists()

    warehouse = home / "warehouse.duckdb"
    assert _count(warehouse, "select count(*) from quality.dq_validation_results") > 0
    critical_hidden = _count(
        warehouse,
        "select count(*) from main.alert_log where metric = 'hidden_recompute_ratio'"
        " and status = 'critical'",
    )
    assert critical_hidden >= 1


def test_backfill_rerun_alerts_once_and_a_concurrent_run_is_turned_away(first_run):
    home, _ = first_run
    warehouse = home / "warehouse.duckdb"
    alerts_before = _count(warehouse, "select count(*) from main.alert_log")
    rows_before = _count(warehouse, "select count(*) from raw.inference_events")

    env = _env(home)
    # The first writer is a backfill over the last week: one run, dbt rebuilds that window.
    first = subprocess.Popen(
        [*LEDGER, "backfill", "--start", "2025-06-02", "--end", RUN_DAY],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lock = home / ".run.lock"
    deadline = time.monotonic() + 120
    while f"pid {first.pid} " not in (lock.read_text() if lock.exists() else ""):
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
    truth = json.loads((home / "landing" / "ground_truth.json").read_text())
    published = home / "published" / "inference_ledger.duckdb"
    cost = _count(published, "select sum(total_cost_usd) from fct_cost_per_outcome")
    assert cost == pytest.approx(truth["totals"]["total_cost_usd"], rel=1e-9)


def test_impossible_data_blocks_publication_and_is_alerted(first_run, receiver):
    """A well-formed event dated years ahead loads (it is evidence), fails a blocking check,
    and the run publishes nothing: BI keeps the previous publication."""
    home, _ = first_run
    publication = (home / "published" / "manifest.json").read_text()
    event = {
        "event_id": "from-the-future",
        "event_ts": "2031-01-01T00:00:00Z",
        "trace_id": "trace-future",
        "model_version": "gpt-4o-mini",
        "prompt_version": "p1",
        "context_hash": "ab" * 8,
        "trigger_type": "user_explicit",
        "input_tokens": 100,
        "output_tokens": 10,
        "inference_cost_usd": 0.001,
    }
    (home / "landing" / "events" / "clock-skew.jsonl").write_text(json.dumps(event) + "\n")

    hook = f"json://127.0.0.1:{receiver.port}/hook"
    result = _ledger(home, "run", "--partition", RUN_DAY, LEDGER_ALERT_URLS=hook)

    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "blocking check failed: raw/inference_events:event_ts_plausible" in result.stdout
    assert (home / "published" / "manifest.json").read_text() == publication
    wait_for(lambda: len(receiver.at("/hook")) >= 2)
    bodies = b"\n".join(body for _, _, body in receiver.at("/hook")).decode()
    assert "failed" in bodies and "event_ts_plausible" in bodies
