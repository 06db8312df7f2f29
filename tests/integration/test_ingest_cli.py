"""`ledger ingest` as a user runs it: summary output, exit status, unreadable files retried."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb


def _ledger(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    # A derived path left in the environment (LEDGER_WAREHOUSE, ...) must not beat --home.
    env = {**os.environ, "LEDGER_WAREHOUSE": str(home.parent / "elsewhere.duckdb")}
    return subprocess.run(
        [sys.executable, "-m", "inference_ledger.cli", "ingest", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_cli_summarizes_and_retries_unreadable_files(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "events").mkdir(parents=True)
    record = {"event_id": "e1", "event_ts": "2026-01-05T00:00:00Z", "inference_cost_usd": 0.25}
    (landing / "events/good.jsonl").write_text(json.dumps(record) + "\nnot json\n")
    (landing / "events/broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    home = tmp_path / "home"

    first = _ledger("--landing", str(landing), home=home)
    assert first.returncode == 1, first.stderr
    assert "could not read events/broken.jsonl.gz" in first.stderr
    lines = {line.split()[0]: line.split() for line in first.stdout.splitlines() if line}
    assert lines["events/good.jsonl"][1:6] == ["ingested", "2", "1", "1", "0"]
    assert lines["events/broken.jsonl.gz"][1] == "failed"

    # Once the file is replaced by a readable one, the next run loads it; the good file is
    # not read again.
    (landing / "events/broken.jsonl.gz").write_bytes(
        gzip.compress((json.dumps({**record, "event_id": "e2"}) + "\n").encode())
    )
    second = _ledger("--landing", str(landing), home=home)
    assert second.returncode == 0, second.stderr
    assert "1 file(s) processed, 1 unchanged" in second.stdout
    assert not (tmp_path / "elsewhere.duckdb").exists()
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT event_id FROM raw.inference_events ORDER BY 1").fetchall() == [
            ("e1",),
            ("e2",),
        ]
        statuses = con.execute(
            "SELECT status FROM raw.ingest_manifest WHERE source_file = 'events/broken.jsonl.gz' "
            "ORDER BY ingested_at"
        ).fetchall()
    finally:
        con.close()
    assert statuses == [("failed",), ("ingested",)]


def test_cli_rejects_missing_landing(tmp_path: Path) -> None:
    result = _ledger("--landing", str(tmp_path / "nope"), home=tmp_path / "home")
    assert result.returncode == 2
    assert "landing directory not found" in result.stderr
