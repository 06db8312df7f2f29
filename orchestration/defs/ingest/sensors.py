"""Launch ingestion when landing files appear or change."""

import datetime as dt

import dagster as dg

from orchestration.defs.ingest.assets import daily_partitions, ingest_raw_zone
from orchestration.defs.resources import LedgerResource
from orchestration.lib.landing import (
    changed_files,
    date_of,
    decode_cursor,
    encode_cursor,
    fingerprints,
    run_key,
)

ingest_job = dg.define_asset_job("ingest_raw_zone", selection=[ingest_raw_zone])


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="One ingest run per event date named by new or changed landing files.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, ledger: LedgerResource):
    current = fingerprints(ledger.landing())
    changed = changed_files(decode_cursor(context.cursor), current)
    if not changed:
        return dg.SkipReason("no new or changed landing files")
    today = dt.datetime.now(dt.UTC).date()
    valid = set(daily_partitions.get_partition_keys())
    by_date: dict[str, list[str]] = {}
    for path in changed:
        key = date_of(path, today).isoformat()
        if key not in valid:
            key = today.isoformat()
        by_date.setdefault(key, []).append(path)
    requests = [
        dg.RunRequest(
            run_key=f"{key}-{run_key(paths, current)}",
            partition_key=key,
            tags={"ledger/landing_files": str(len(paths))},
        )
        for key, paths in sorted(by_date.items())
    ]
    return dg.SensorResult(run_requests=requests, cursor=encode_cursor(current))
