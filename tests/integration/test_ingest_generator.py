"""Generator output of every format, ingested and reconciled with its ground truth."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from inference_ledger.generator import GenerationOptions, generate
from inference_ledger.ingest import ingest_landing
from inference_ledger.settings import load_settings

CORRUPTIBLE = ("jsonl", "jsonl.gz", "mixed")


def _query(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "parquet", "csv", "otlp", "mixed"])
def test_generator_format_reconciles_with_ground_truth(
    fmt: str, tmp_path: Path, ledger_home: Path
) -> None:
    landing = tmp_path / "landing"
    generate(
        GenerationOptions(
            out=landing,
            format=fmt,
            days=2,
            events_per_day=250,
            seed=11,
            corrupt_rate=0.03 if fmt in CORRUPTIBLE else 0.0,
        )
    )
    truth = json.loads((landing / "ground_truth.json").read_text())
    totals = truth["totals"]
    result = ingest_landing(landing, load_settings())
    assert not result.failed

    events, inference, total, tokens_in, tokens_out, outputs = _query(
        ledger_home,
        "SELECT count(*), sum(inference_cost_usd), sum(inference_cost_usd "
        "+ coalesce(orchestration_cost_usd, 0) + coalesce(tool_cost_usd, 0)), "
        "sum(input_tokens), sum(output_tokens), count(DISTINCT output_id) "
        "FROM raw.inference_events",
    )[0]
    assert events == totals["inference_events"]
    assert inference == pytest.approx(totals["inference_cost_usd"], rel=1e-9)
    assert total == pytest.approx(totals["total_cost_usd"], rel=1e-9)
    assert (tokens_in, tokens_out) == (totals["input_tokens"], totals["output_tokens"])
    assert outputs == totals["outputs"]
    for table, key in (
        ("tool_calls", "tool_calls"),
        ("approvals", "approvals"),
        ("output_transitions", "transitions"),
    ):
        assert _query(ledger_home, f"SELECT count(*) FROM raw.{table}")[0][0] == totals[key]

    expected_bad = {
        (c["file"], c["line"], c["reason"])
        for c in truth["corruption"]
        if c["reason"] != "duplicate"
    }
    quarantined = set(
        _query(ledger_home, "SELECT source_file, source_line, reason FROM raw.quarantine")
    )
    assert quarantined == expected_bad
    if fmt in CORRUPTIBLE:
        assert expected_bad, "the corrupt rate should have injected bad lines"
    assert result.total("records_duplicate") == truth["duplicates_injected"]
    for f in result.files:
        assert f.records_read == f.records_loaded + f.records_quarantined + f.records_duplicate

    rerun = ingest_landing(landing, load_settings())
    assert rerun.files == []
    assert _query(ledger_home, "SELECT count(*) FROM raw.inference_events")[0][0] == events


def _snapshot(home: Path) -> dict[str, list[tuple]]:
    snap = {}
    for table in (
        "inference_events",
        "output_transitions",
        "tool_calls",
        "approvals",
        "revenue",
        "model_prices",
        "quarantine",
    ):
        snap[table] = _query(
            home,
            f"SELECT * EXCLUDE (ingest_run_id"
            f"{', quarantined_at' if table == 'quarantine' else ''}) FROM raw.{table} ORDER BY ALL",
        )
    snap["manifest"] = _query(
        home,
        "SELECT source_file, content_hash, version, records_read, records_loaded, "
        "records_quarantined, records_duplicate, status FROM raw.ingest_manifest "
        "WHERE is_current ORDER BY ALL",
    )
    con = duckdb.connect()
    snap["parquet_events"] = con.execute(
        f"SELECT * EXCLUDE (ingest_run_id) FROM read_parquet("
        f"'{home}/raw/inference_events/*/*.parquet', hive_partitioning = true) ORDER BY ALL"
    ).fetchall()
    return snap


def test_killed_run_then_rerun_equals_one_clean_run(
    tmp_path: Path, ledger_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    generate(
        GenerationOptions(
            out=landing, format="jsonl", days=4, events_per_day=3000, seed=5, corrupt_rate=0.01
        )
    )
    killed_home = tmp_path / "killed"
    env = {k: v for k, v in os.environ.items() if k not in ("LEDGER_WAREHOUSE", "LEDGER_RAW_DIR")}
    env["LEDGER_HOME"] = str(killed_home)
    process = subprocess.Popen(
        [sys.executable, "-m", "inference_ledger.cli", "ingest", "--landing", str(landing)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Kill as soon as the first events file is committed: the next file is mid-load.
    assert process.stderr is not None
    for line in process.stderr:
        if "ingested" in line and "events/" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    monkeypatch.setenv("LEDGER_HOME", str(killed_home))
    resumed = ingest_landing(landing, load_settings())
    assert not resumed.failed and resumed.unchanged_files >= 1
    killed_snapshot = _snapshot(killed_home)

    monkeypatch.setenv("LEDGER_HOME", str(ledger_home))
    ingest_landing(landing, load_settings())
    clean_snapshot = _snapshot(ledger_home)
    for table, rows in clean_snapshot.items():
        assert killed_snapshot[table] == rows, table
    truth = json.loads((landing / "ground_truth.json").read_text())
    assert len(clean_snapshot["inference_events"]) == truth["totals"]["inference_events"]
