"""Late data for the nightly dbt build: reprocess from the oldest event date ingested since the
last successful build, so records arriving later than the incremental lookback still correct
their periods (otherwise they would wait for a manual backfill or a full refresh)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

# Raw tables whose rows the incremental models select by event date.
DATED_RAW_TABLES = (
    "inference_events",
    "output_transitions",
    "decision_envelopes",
    "tool_calls",
    "approvals",
)
STATE_TABLE = "ingest_state.dbt_built_through"


def _existing(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
    ).fetchall()
    present = {r[0] for r in rows}
    return [t for t in DATED_RAW_TABLES if t in present]


def pending_window(warehouse: Path) -> tuple[dt.date | None, str | None]:
    """(oldest event date ingested since the last successful build, newest ingest run id).

    The date is None when nothing is pending or no build was recorded yet (a first build
    processes everything anyway)."""
    if not warehouse.exists():
        return None, None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = _existing(con)
        if not tables:
            return None, None
        newest = con.execute(
            " UNION ALL ".join(f"SELECT max(ingest_run_id) AS r FROM raw.{t}" for t in tables).join(
                ["SELECT max(r) FROM (", ")"]
            )
        ).fetchone()[0]
        state = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'ingest_state' AND table_name = 'dbt_built_through'"
        ).fetchone()[0]
        if not state:
            return None, newest
        built = con.execute(f"SELECT max(ingest_run_id) FROM {STATE_TABLE}").fetchone()[0]
        if built is None:
            return None, newest
        oldest = con.execute(
            "SELECT min(d) FROM ("
            + " UNION ALL ".join(
                f"SELECT min(event_date) AS d FROM raw.{t} WHERE ingest_run_id > ?" for t in tables
            )
            + ")",
            [built] * len(tables),
        ).fetchone()[0]
        return oldest, newest
    finally:
        con.close()


def record_build(warehouse: Path, newest_run_id: str | None) -> None:
    """Remember that every raw row up to `newest_run_id` has been modelled."""
    if newest_run_id is None or not warehouse.exists():
        return
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS ingest_state")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (ingest_run_id VARCHAR, built_at TIMESTAMP)"
        )
        con.execute(f"INSERT INTO {STATE_TABLE} VALUES (?, now()::TIMESTAMP)", [newest_run_id])
    finally:
        con.close()
