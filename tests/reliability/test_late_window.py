"""The nightly dbt window widens to the oldest event date ingested since the last build."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from rel_helpers import make_landing

from inference_ledger.ingest import ingest_landing
from inference_ledger.settings import load_settings
from orchestration.lib.late_data import pending_window, record_build


def test_pending_window_tracks_late_rows(isolated_env: Path, tmp_path: Path):
    full = tmp_path / "full"
    make_landing(full, days=6, events_per_day=20, seed=2)
    landing = isolated_env / "landing"
    shutil.copytree(full, landing)
    late = sorted((landing / "events").glob("*.jsonl"))[:2]
    for path in late:
        path.unlink()
    warehouse = isolated_env / "warehouse.duckdb"

    ingest_landing(landing, load_settings())
    oldest, newest = pending_window(warehouse)
    assert oldest is None and newest  # no build recorded yet: a first build does everything
    record_build(warehouse, newest)
    assert pending_window(warehouse) == (None, newest)  # nothing new since the build

    for path in late:  # the two oldest days arrive late
        shutil.copyfile(full / "events" / path.name, path)
    ingest_landing(landing, load_settings())
    oldest, newer = pending_window(warehouse)
    assert oldest == dt.date.fromisoformat(late[0].name.split(".")[0])
    assert newer > newest
    record_build(warehouse, newer)
    assert pending_window(warehouse)[0] is None
