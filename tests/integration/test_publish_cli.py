"""`python -m inference_ledger.publish` in a real process, with settings from the env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from inference_ledger.report.sample_marts import build_sample_warehouse


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGER_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "inference_ledger.publish", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_publish_cli_uses_settings_and_reports_failures(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    build_sample_warehouse(home / "warehouse.duckdb")

    done = run_cli(home, "--mart", "fct_cost_per_outcome", "--mart", "audit_gaps")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((home / "published" / "manifest.json").read_text())
    assert manifest["row_counts"] == {"fct_cost_per_outcome": 336, "audit_gaps": 600}

    failed = run_cli(home, "--mart", "fct_not_built_yet")
    assert failed.returncode == 1
    assert "fct_not_built_yet" in failed.stderr and "previous publication kept" in failed.stderr
    assert json.loads((home / "published" / "manifest.json").read_text()) == manifest
