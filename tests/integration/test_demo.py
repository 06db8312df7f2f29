"""`ledger demo` from an empty home: generates the story mid-crisis, runs the whole pipeline,
and tells the user the hidden-recompute status and where everything went."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb


def test_demo_runs_the_story_and_reports_where_things_are(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "DAGSTER_"))}
    env.update(LEDGER_PARTITIONS_START="2025-05-01", LEDGER_DUCKDB_MEMORY_LIMIT="1GB")
    args = ["demo", "--home", str(home), "--days", "40", "--observe-days", "24"]
    result = subprocess.run(
        [sys.executable, "-m", "inference_ledger.cli", *args, "--events-per-day", "100"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    hidden = next(line for line in lines if line.strip().startswith("hidden_recompute_ratio"))
    assert "CRITICAL" in hidden

    published = home / "published" / "inference_ledger.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("select count(*) from fct_metric_health").fetchone()[0] > 0
    finally:
        con.close()
    assert (home / "published" / "parquet" / "fct_cost_per_outcome.parquet").exists()
    assert list((home / "reports").glob("ops-report-20*.html"))
    assert (home / "reports" / "data_docs" / "index.html").exists()
    for label in ("warehouse", "published (BI)", "weekly report", "data docs"):
        assert any(line.strip().startswith(label) for line in lines), label
