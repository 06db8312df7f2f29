"""Disk and memory limits: a tiny DuckDB memory limit fails with a clear message and commits
nothing partial; the next run with enough memory loads everything. Under soak, a whole
`ledger run` with a low limit completes or fails without a partial publication."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from publication import check_publication, leftover_temporaries
from rel_helpers import LEDGER, START, child_env, make_landing


def _ingest(home: Path, landing: Path, limit: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LEDGER, "ingest", "--landing", str(landing)],
        env=child_env(home, LEDGER_DUCKDB_MEMORY_LIMIT=limit),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_out_of_memory_ingest_says_so_and_the_next_run_loses_nothing(tmp_path: Path):
    landing = tmp_path / "landing"
    make_landing(landing, days=3, events_per_day=40, seed=9)
    home = tmp_path / "home"
    for limit in ("1MB", "16MB"):  # fails in the raw-zone export / inside files
        starved = _ingest(home, landing, limit)
        assert starved.returncode == 1
        assert "Traceback" not in starved.stderr
        assert "memory" in starved.stderr.lower()
        if limit == "1MB":
            assert "LEDGER_DUCKDB_MEMORY_LIMIT" in starved.stderr
    fed = _ingest(home, landing, "1GB")
    assert fed.returncode == 0, fed.stderr
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        events = con.execute("SELECT count(*) FROM raw.inference_events").fetchone()[0]
        bad = con.execute(
            "SELECT count(*) FROM raw.ingest_manifest WHERE is_current AND "
            "records_read <> records_loaded + records_quarantined + records_duplicate"
        ).fetchone()[0]
    finally:
        con.close()
    assert events == 3 * 40 and bad == 0
    assert leftover_temporaries(home) == []


@pytest.mark.soak
def test_pipeline_with_a_low_memory_limit_never_publishes_partially(tmp_path: Path):
    home = tmp_path / "home"
    make_landing(home / "landing", days=7, events_per_day=40, seed=4, start=START)
    first = subprocess.run(
        [*LEDGER, "run", "--partition", "2025-06-08"],
        env=child_env(home),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert first.returncode == 0, first.stderr[-3000:]
    before = check_publication(home / "published")
    shutil.copytree(home / "landing/events", home / "landing/events_again")  # unknown kind
    low = subprocess.run(
        [*LEDGER, "run", "--partition", "2025-06-08"],
        env=child_env(home, LEDGER_DUCKDB_MEMORY_LIMIT="48MB", LEDGER_DUCKDB_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert low.returncode in (0, 1)
    after = check_publication(home / "published")
    if low.returncode == 1:
        assert "FAILED" in low.stdout and "failed step" in low.stdout
        assert after == before
    assert leftover_temporaries(home) == []
