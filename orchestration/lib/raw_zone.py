"""Read-side queries on the raw zone that Dagster reports as materialization metadata."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from inference_ledger.ingest.schema import DATED_SOURCE_TABLES as DATED_TABLES
from inference_ledger.ingest.schema import SOURCE_TABLES as RAW_TABLES

__all__ = ["DATED_TABLES", "RAW_TABLES", "partition_stats"]


def partition_stats(warehouse: Path, day: dt.date) -> dict[str, dict[str, float]]:
    """Per table: rows on `day` (dated tables) and rows in total; events also cost and
    priced/unpriced counts for the day, and quarantined records whose file names that day."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        stats: dict[str, dict[str, float]] = {}
        for table in RAW_TABLES:
            total = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
            entry: dict[str, float] = {"rows_total": total}
            if table in DATED_TABLES:
                entry["rows_in_partition"] = con.execute(
                    f"SELECT count(*) FROM raw.{table} WHERE event_date = ?", [day]
                ).fetchone()[0]
            stats[table] = entry
        cost, unpriced = con.execute(
            "SELECT coalesce(sum(inference_cost_usd + coalesce(orchestration_cost_usd, 0) "
            "+ coalesce(tool_cost_usd, 0)), 0), count(*) FILTER (cost_source = 'unpriced') "
            "FROM raw.inference_events WHERE event_date = ?",
            [day],
        ).fetchone()
        stats["inference_events"]["cost_usd_in_partition"] = float(cost)
        stats["inference_events"]["unpriced_events_in_partition"] = unpriced
        stats["quarantine"] = {
            "rows_total": con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
        }
        return stats
    finally:
        con.close()
