"""Raw-zone assets: one materialization ingests every new landing file (and PostgreSQL rows).

Partitions are event dates. Ingestion is file-driven and exactly-once, so materializing any
partition loads whatever is new; the partition's metadata then reports that day's rows, cost
and quarantine, which is what an operator checks for a given day.
"""

import datetime as dt
import os

import dagster as dg

from inference_ledger.ingest import ingest_landing
from orchestration.defs.resources import WAREHOUSE_POOL, LedgerResource
from orchestration.lib.raw_zone import DATED_TABLES, RAW_TABLES, partition_stats

PARTITIONS_START = os.environ.get("LEDGER_PARTITIONS_START", "2025-01-01")
daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, end_offset=1)

RAW_SPECS = [
    dg.AssetSpec(
        key=dg.AssetKey(["raw", table]),
        group_name="raw",
        kinds={"duckdb", "parquet"},
        description=f"Canonical raw `{table}` (docs/data_contract.md, section 3).",
        skippable=True,
    )
    for table in RAW_TABLES
]


@dg.multi_asset(
    name="ingest_landing",
    specs=RAW_SPECS,
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    can_subset=True,
    # A backfill over many days is one run: ingestion is file-driven, not per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def ingest_raw_zone(context: dg.AssetExecutionContext, ledger: LedgerResource):
    """Load new and changed landing files into the raw zone, exactly once."""
    settings = ledger.settings()
    landing = ledger.landing()
    landing.mkdir(parents=True, exist_ok=True)
    result = ingest_landing(landing, settings)
    if ledger.postgres_dsn:
        from inference_ledger.ingest.postgres import ingest_postgres

        pg_counts = ingest_postgres(ledger.postgres_dsn, settings)
        context.log.info(f"PostgreSQL rows loaded: {pg_counts}")
    for failed in result.failed:
        context.log.warning(f"could not read {failed.source_file}: {failed.error}")
    context.log.info(
        f"{len(result.files)} file(s) processed, {result.unchanged_files} unchanged, "
        f"{int(result.total('records_loaded'))} loaded, "
        f"{int(result.total('records_quarantined'))} quarantined"
    )
    # Metadata describes the run's (last) day; a backfill range reports its last day.
    last_key = context.partition_key_range.end if context.has_partition_key_range else None
    day = dt.date.fromisoformat(last_key or context.partition_key)
    stats = partition_stats(settings.warehouse_path, day)
    for key in context.selected_asset_keys:
        table = key.path[-1]
        metadata: dict[str, object] = {
            "rows_total": dg.MetadataValue.int(int(stats[table]["rows_total"])),
            "ingest_run_id": result.run_id,
            "files_processed": len(result.files),
            "files_failed": len(result.failed),
            "records_quarantined_this_run": int(result.total("records_quarantined")),
            "quarantine_rows_total": int(stats["quarantine"]["rows_total"]),
        }
        if table in DATED_TABLES:
            metadata["rows_in_partition"] = int(stats[table]["rows_in_partition"])
        if table == "inference_events":
            metadata["cost_usd_in_partition"] = dg.MetadataValue.float(
                float(stats[table]["cost_usd_in_partition"])
            )
            metadata["unpriced_events_in_partition"] = int(
                stats[table]["unpriced_events_in_partition"]
            )
            metadata["cost_usd_ingested_this_run"] = dg.MetadataValue.float(
                float(result.total("cost_usd"))
            )
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
