"""`python -m bench compare` at its smallest size: every alternative equals the marts.

No timing is asserted (CI machines vary); this keeps the harness and the hand-written
alternatives honest as the marts evolve. PostgreSQL runs when its binaries are installed.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _have_postgres() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("initdb"))


@pytest.mark.timeout(600)
def test_alternatives_agree_with_the_marts(tmp_path: Path) -> None:
    argv = ["--sizes", "20k", "--days", "7", "--repeat", "1", "--workdir", str(tmp_path)]
    argv += ["--formats", "jsonl", "--skip-incremental", "--no-doc"]
    if not _have_postgres():
        argv.append("--skip-postgres")
    # `bench` is a top-level folder, not an installed package: run it as `make bench` does.
    done = subprocess.run(
        [sys.executable, "-m", "bench", "compare", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    # Non-zero when any alternative differs from the marts.
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    store = json.loads((tmp_path / "compare-results.json").read_text())
    results = store["20k"]["results"]
    expected = {"pipeline|jsonl", "duckdb|jsonl", "pandas|jsonl"}
    if _have_postgres():
        expected.add("postgres|jsonl")
    assert expected <= results.keys()
    stages = results["pipeline|jsonl"]["stages"]
    assert stages["ingest"] > 0 and stages["dbt"] > 0
    marts = json.loads((tmp_path / "20k" / "marts-jsonl.json").read_text())
    assert len(marts["cost_per_outcome"]) == 7
