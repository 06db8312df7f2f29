"""The ingest assets and sensor, run by Dagster itself on a temporary ledger home."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from inference_ledger.generator import GenerationOptions, generate
from orchestration.definitions import defs
from orchestration.defs.ingest import ingest_raw_zone, landing_files_sensor
from orchestration.defs.resources import LedgerResource
from orchestration.lib.raw_zone import RAW_TABLES


def _landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    generate(
        GenerationOptions(
            out=landing, format="jsonl", days=2, events_per_day=150, seed=3, corrupt_rate=0.02
        )
    )
    return landing


def _materialization_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    metadata = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        metadata[materialization.asset_key.path[-1]] = {
            k: v.value for k, v in materialization.metadata.items()
        }
    return metadata


def test_asset_keys_match_dbt_sources() -> None:
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {f"raw/{table}" for table in RAW_TABLES} <= keys
    # Every raw source the dbt project declares must be produced by an ingest asset.
    sources = Path(__file__).resolve().parents[2] / "dbt_project/models/staging/raw"
    declared = set()
    for path in sources.glob("*.yml"):
        for source in (yaml.safe_load(path.read_text()) or {}).get("sources", []):
            for table in source.get("tables", []):
                key = table.get("meta", {}).get("dagster", {}).get("asset_key")
                if key:
                    declared.add("/".join(key))
    if not declared:
        pytest.skip("the dbt project declares no raw sources yet")
    assert declared <= {f"raw/{table}" for table in RAW_TABLES}


def test_materialize_partitions_ingests_once(tmp_path: Path, ledger_home: Path) -> None:
    landing = _landing(tmp_path)
    truth = json.loads((landing / "ground_truth.json").read_text())
    first_day = truth["start_date"]
    resources = {"ledger": LedgerResource(landing_dir=str(landing))}

    result = dg.materialize([ingest_raw_zone], partition_key=first_day, resources=resources)
    assert result.success
    metadata = _materialization_metadata(result)
    assert set(metadata) == set(RAW_TABLES)
    events = metadata["inference_events"]
    assert events["rows_total"] == truth["totals"]["inference_events"]
    day_truth = next(d for d in truth["per_day"] if d["date_day"] == first_day)
    assert events["rows_in_partition"] == day_truth["inference_events"]
    assert abs(events["cost_usd_in_partition"] - day_truth["total_cost_usd"]) <= 1e-9 * max(
        1.0, day_truth["total_cost_usd"]
    )
    bad = [c for c in truth["corruption"] if c["reason"] != "duplicate"]
    assert events["records_quarantined_this_run"] == len(bad) > 0

    # A second partition finds nothing new: same rows, no file processed.
    second_day = truth["per_day"][1]["date_day"]
    again = dg.materialize([ingest_raw_zone], partition_key=second_day, resources=resources)
    assert again.success
    second = _materialization_metadata(again)["inference_events"]
    assert second["files_processed"] == 0
    assert second["rows_total"] == events["rows_total"]
    con = duckdb.connect(str(ledger_home / "warehouse.duckdb"), read_only=True)
    try:
        count = con.execute(
            "SELECT count(*) FROM raw.inference_events WHERE event_date = ?", [second_day]
        ).fetchone()[0]
    finally:
        con.close()
    assert second["rows_in_partition"] == count


def test_sensor_requests_runs_for_new_and_changed_files(tmp_path: Path, ledger_home: Path) -> None:
    landing = _landing(tmp_path)
    resources = {"ledger": LedgerResource(landing_dir=str(landing))}

    with dg.build_sensor_context(resources=resources) as context:
        result = landing_files_sensor(context)
    assert isinstance(result, dg.SensorResult)
    partitions = sorted(r.partition_key for r in result.run_requests)
    truth = json.loads((landing / "ground_truth.json").read_text())
    days = [d["date_day"] for d in truth["per_day"]]
    # Files named by day map to their day; undated files (prices) to the current day.
    assert set(days) <= set(partitions)
    cursor = result.cursor

    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        assert isinstance(landing_files_sensor(context), dg.SkipReason)

    changed = landing / f"events/{days[1]}.jsonl"
    with changed.open("a", encoding="utf-8") as handle:
        handle.write('{"event_id": "late", "event_ts": "' + days[1] + 'T12:00:00Z"}\n')
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        later = landing_files_sensor(context)
    assert [r.partition_key for r in later.run_requests] == [days[1]]
