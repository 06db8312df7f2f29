"""Disk and memory limits: a tiny DuckDB memory limit, or a spill directory capped below what
a step needs (`LEDGER_DUCKDB_MAX_TEMP_SIZE`), fails with a clear message, commits nothing
partial, leaves no spill files, and keeps the previous publication byte for byte; the next
run with room loads everything. Under soak, a whole `ledger run` with a low memory limit
completes with every record or fails without a partial publication."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from pipeline_truth import truth_mismatches
from publication import check_publication, leftover_temporaries
from rel_helpers import LEDGER, START, child_env, make_landing

from inference_ledger.dbt_runner import PROJECT_DIR
from inference_ledger.publish import publish_marts
from inference_ledger.publish.publisher import PublishError
from inference_ledger.report.sample_marts import build_sample_warehouse

# Smaller than one DuckDB block, so any spill at all fails; at this memory limit the dbt build
# of a few days must spill (ingestion of the same data fits in memory).
TEMP_CAP = "64KB"
SPILL_MEMORY = "32MB"
# dbt's console script beside this interpreter (the project's virtualenv).
DBT = str(Path(sys.executable).with_name("dbt"))


def _ingest(home: Path, landing: Path, limit: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*LEDGER, "ingest", "--landing", str(landing)],
        env=child_env(home, LEDGER_DUCKDB_MEMORY_LIMIT=limit, **extra),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _accounting(warehouse: Path) -> tuple[int, int, int, int]:
    """(events in raw, events the manifest says were loaded, files failed and not loaded since,
    files whose counts break `read = loaded + quarantined + duplicate`)"""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        events = con.execute("SELECT count(*) FROM raw.inference_events").fetchone()[0]
        claimed, broken = con.execute(
            "SELECT coalesce(sum(records_loaded) FILTER (WHERE source_file LIKE 'events/%'), 0), "
            "count(*) FILTER (WHERE records_read <> records_loaded + records_quarantined "
            "+ records_duplicate) FROM raw.ingest_manifest WHERE is_current"
        ).fetchone()
        # A failed file has a `failed` manifest row and no current one until it loads.
        failed = con.execute(
            "SELECT count(*) FROM (SELECT bool_or(is_current) AS loaded, "
            "bool_or(status = 'failed') AS failed FROM raw.ingest_manifest "
            "GROUP BY source_file) WHERE failed AND NOT loaded"
        ).fetchone()[0]
    finally:
        con.close()
    return events, claimed, failed, broken


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file and symlink under `root` with its content hash (or link target)."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_out_of_memory_ingest_says_so_and_the_next_run_loses_nothing(tmp_path: Path):
    landing = tmp_path / "landing"
    make_landing(landing, days=3, events_per_day=40, seed=9)
    home = tmp_path / "home"
    # 1MB fails opening the warehouse; 4MB fails inside files. Ingesting this landing needs
    # about 20MB, so 4MB stays a failure on machines whose DuckDB allocates less.
    for limit in ("1MB", "4MB"):
        starved = _ingest(home, landing, limit)
        assert starved.returncode == 1
        assert "Traceback" not in starved.stderr
        assert "memory" in starved.stderr.lower()
        if limit == "1MB":
            assert "LEDGER_DUCKDB_MEMORY_LIMIT" in starved.stderr
    fed = _ingest(home, landing, "1GB")
    assert fed.returncode == 0, fed.stderr
    events, claimed, failed, broken = _accounting(home / "warehouse.duckdb")
    assert events == claimed == 3 * 40 and failed == 0 and broken == 0
    assert leftover_temporaries(home) == []


def test_dbt_applies_the_temp_directory_cap(tmp_path: Path):
    # A query that must spill at this memory limit: it fails only if the profile passes the
    # cap to DuckDB (an empty value, the default, is exercised by every pipeline run).
    query = "select count(*) as n from (select distinct i from range(4000000) t(i))"
    env = child_env(
        tmp_path,
        LEDGER_WAREHOUSE=str(tmp_path / "warehouse.duckdb"),
        LEDGER_DUCKDB_MEMORY_LIMIT="64MB",
        LEDGER_DUCKDB_THREADS="1",
        LEDGER_DUCKDB_MAX_TEMP_SIZE=TEMP_CAP,
    )
    args = [
        DBT, "show", "--inline", query,
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ]  # fmt: skip
    capped = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert capped.returncode != 0
    assert "max_temp_directory_size" in capped.stdout + capped.stderr
    assert not any((tmp_path / "warehouse.duckdb.tmp").glob("*"))


@dataclass
class CappedRun:
    home: Path
    published_before: dict[str, str]
    run: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def capped_run(tmp_path_factory) -> CappedRun:
    """A `ledger run` whose dbt build must spill, with the spill directory capped below one
    block, over a home whose publication (from an earlier run) a BI tool is reading."""
    home = tmp_path_factory.mktemp("capped") / "home"
    make_landing(home / "landing", days=3, events_per_day=40, seed=9)
    earlier = build_sample_warehouse(home.parent / "earlier.duckdb")
    publish_marts(earlier, home / "published", ["fct_cost_per_outcome", "audit_gaps"])
    before = _tree_digest(home / "published")
    run = subprocess.run(
        [*LEDGER, "run", "--partition", "2025-06-04"],
        env=child_env(
            home,
            LEDGER_DUCKDB_MEMORY_LIMIT=SPILL_MEMORY,
            LEDGER_DUCKDB_THREADS="1",
            LEDGER_DUCKDB_MAX_TEMP_SIZE=TEMP_CAP,
        ),
        capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return CappedRun(home, before, run)


def test_run_out_of_temp_space_fails_and_keeps_the_publication(capped_run: CappedRun):
    run, home = capped_run.run, capped_run.home
    output = run.stdout + run.stderr
    failed = [line.strip() for line in run.stdout.splitlines() if "failed step" in line]
    print(f"capped run: exit {run.returncode}, {failed or 'completed'}")
    assert leftover_temporaries(home) == []
    if run.returncode == 0:
        # Completing is only acceptable with every record in the marts and a whole copy.
        assert truth_mismatches(home / "warehouse.duckdb", home / "landing") == []
        check_publication(home / "published")
        return
    assert run.returncode == 1, output[-3000:]
    assert "FAILED" in run.stdout and "failed step" in run.stdout
    # The failure names the cap that was hit, not a generic error.
    assert "max_temp_directory_size" in output
    assert _tree_digest(home / "published") == capped_run.published_before


def test_run_out_of_temp_space_names_the_ledger_setting(capped_run: CappedRun):
    assert capped_run.run.returncode == 1
    hint = f"ran out of temp space (LEDGER_DUCKDB_MAX_TEMP_SIZE={TEMP_CAP})"
    # dbt's limit follows LEDGER_DUCKDB_MEMORY_LIMIT here, and the hint names dbt's own knob.
    remedy = f"raise LEDGER_DBT_MEMORY_LIMIT ({SPILL_MEMORY})"
    assert any(
        line.strip().startswith("ledger_dbt_models: DuckDB") and hint in line and remedy in line
        for line in capped_run.run.stdout.splitlines()
    ), capped_run.run.stdout[-3000:]


def test_run_whose_ingest_runs_out_of_memory_fails_before_any_mart(tmp_path: Path):
    # Out of memory is not a bad file: the run must stop, not build marts without the rows.
    home = tmp_path / "home"
    make_landing(home / "landing", days=3, events_per_day=40, seed=9)
    run = subprocess.run(
        [*LEDGER, "run", "--partition", "2025-06-04"],
        env=child_env(home, LEDGER_DUCKDB_MEMORY_LIMIT="4MB"),
        capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "failed step: ingest_landing" in run.stdout
    assert "ingest_landing: DuckDB ran out of memory (LEDGER_DUCKDB_MEMORY_LIMIT=4MB)" in run.stdout
    assert not (home / "published").exists()
    rerun = subprocess.run(
        [*LEDGER, "run", "--partition", "2025-06-04"],
        env=child_env(home),
        capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    events, claimed, failed, broken = _accounting(home / "warehouse.duckdb")
    assert events == claimed == 3 * 40 and failed == 0 and broken == 0


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
    digest = _tree_digest(home / "published")
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
        assert after == before and _tree_digest(home / "published") == digest
    else:
        assert truth_mismatches(home / "warehouse.duckdb", home / "landing") == []
    assert leftover_temporaries(home) == []


def test_session_limits_carry_the_temp_cap_and_the_publisher_applies_them(tmp_path: Path):
    # The publisher and the quality checks open DuckDB sessions of their own that can spill;
    # both take `duckdb_config(settings)`, so neither runs unbounded.
    settings_env = child_env(tmp_path, LEDGER_DUCKDB_MAX_TEMP_SIZE=TEMP_CAP)
    config = subprocess.run(
        [sys.executable, "-c",
         "from inference_ledger.settings import duckdb_config, load_settings;"
         "print(sorted(duckdb_config(load_settings()).items()))"],
        env=settings_env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"('max_temp_directory_size', '{TEMP_CAP}')" in config
    assert f"('temp_directory', '{tmp_path / 'tmp' / 'duckdb'}')" in config
    warehouse = build_sample_warehouse(tmp_path / "sample.duckdb")
    publish_marts(warehouse, tmp_path / "pub", ["audit_gaps"], run_id="roomy")
    before = _tree_digest(tmp_path / "pub")
    with pytest.raises(PublishError, match="(?s)previous publication kept.*pin block"):
        publish_marts(
            warehouse, tmp_path / "pub", ["audit_gaps"], duckdb_config={"memory_limit": "1MB"}
        )
    assert _tree_digest(tmp_path / "pub") == before
