"""`python -m inference_ledger.alerts` as cron would run it: real process, env-configured."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb

from inference_ledger.report.sample_marts import build_sample_warehouse

SECRET = "hunter2-webhook-token"


def run_cli(warehouse: Path, urls: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEDGER_HOME": str(home),
        "LEDGER_WAREHOUSE": str(warehouse),
        "LEDGER_ALERT_URLS": urls,
    }
    return subprocess.run(
        [sys.executable, "-m", "inference_ledger.alerts"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_failing_sink_exits_non_zero_without_printing_its_secret(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    urls = f"json://ledger:{SECRET}@127.0.0.1:{port}/hooks/{SECRET}"

    done = run_cli(warehouse, urls, tmp_path / "home")

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert SECRET not in output
    assert f"json://127.0.0.1:{port}/***" in output
    assert "6 new alert(s), 0 already logged; delivery: failed" in done.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT delivery, failed_sinks FROM alert_log").fetchall()
    assert rows == [("failed", f"json://127.0.0.1:{port}/***")]

    # Without sinks the same alerts are retried and logged once; then nothing is new.
    assert "delivery: logged" in run_cli(warehouse, "", tmp_path / "home").stdout
    again = run_cli(warehouse, "", tmp_path / "home")
    assert again.returncode == 0
    assert "0 new alert(s), 6 already logged" in again.stdout
