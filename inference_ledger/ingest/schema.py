"""The raw zone tables (schema `raw`) and the ingestion state tables (schema `ingest_state`)."""

from __future__ import annotations

import duckdb

from inference_ledger.ingest.canonical import RAW_COPY_KINDS, SQL_TYPES, q
from inference_ledger.ingest.fields import KIND_SPECS

LINEAGE = (
    ("extras", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("record_hash", "VARCHAR"),
    ("ingest_run_id", "VARCHAR"),
)

# Columns each raw table adds to its kind's canonical fields (docs/data_contract.md, §3).
_DERIVED: dict[str, tuple[tuple[str, str], ...]] = {
    "inference_events": (
        ("event_date", "DATE"),
        ("user_pseudo_id", "VARCHAR"),
        ("inference_cost_usd_logged", "DOUBLE"),
        ("cost_source", "VARCHAR"),
    ),
    "output_transitions": (("event_date", "DATE"),),
    "decision_envelopes": (("event_date", "DATE"), ("user_pseudo_id", "VARCHAR")),
    "tool_calls": (("event_date", "DATE"),),
    "approvals": (("event_date", "DATE"),),
    "revenue": (),
}

# Raw user ids are replaced by `user_pseudo_id` and never stored.
_DROPPED = {"user_id"}

MODEL_PRICE_COLUMNS = (
    ("model", "VARCHAR"),
    ("provider", "VARCHAR"),
    ("model_id", "VARCHAR"),
    ("effective_from", "DATE"),
    ("effective_to", "DATE"),
    ("input_per_mtok_usd", "DOUBLE"),
    ("output_per_mtok_usd", "DOUBLE"),
    ("cached_input_per_mtok_usd", "DOUBLE"),
    ("per_request_usd", "DOUBLE"),
    ("source", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("record_hash", "VARCHAR"),
    ("ingest_run_id", "VARCHAR"),
)

QUARANTINE_COLUMNS = (
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("record_kind", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("raw_text", "VARCHAR"),
    ("ingest_run_id", "VARCHAR"),
    ("quarantined_at", "TIMESTAMP"),
)

MANIFEST_COLUMNS = (
    ("source_file", "VARCHAR"),
    ("file_size", "BIGINT"),
    ("content_hash", "VARCHAR"),
    ("version", "INTEGER"),
    ("records_read", "BIGINT"),
    ("records_loaded", "BIGINT"),
    ("records_quarantined", "BIGINT"),
    ("records_duplicate", "BIGINT"),
    ("status", "VARCHAR"),
    ("error", "VARCHAR"),
    ("ingest_run_id", "VARCHAR"),
    ("ingested_at", "TIMESTAMP"),
    ("is_current", "BOOLEAN"),
)

CONTEXT_SNAPSHOT_COLUMNS = (
    ("snapshot_id", "VARCHAR"),
    ("decision_envelope_id", "VARCHAR"),
    ("trace_id", "VARCHAR"),
    ("context_hash", "VARCHAR"),
    ("source_refs", "VARCHAR"),
    ("event_ts", "TIMESTAMP"),
    ("event_date", "DATE"),
    *LINEAGE,
)

# Tables partitioned by event date in the Parquet raw zone; the rest are one file each.
PARTITIONED_TABLES = (
    "inference_events",
    "output_transitions",
    "decision_envelopes",
    "tool_calls",
    "approvals",
    "context_snapshots",
)
UNPARTITIONED_TABLES = ("revenue", "model_prices", "quarantine", "ingest_manifest")

# Raw tables the dbt project declares as sources (Dagster asset keys ["raw", table]); the
# first five are partitioned by event date.
SOURCE_TABLES = (
    "inference_events",
    "output_transitions",
    "decision_envelopes",
    "tool_calls",
    "approvals",
    "revenue",
    "model_prices",
)
DATED_SOURCE_TABLES = SOURCE_TABLES[:5]


def record_table_columns(table: str) -> list[tuple[str, str]]:
    """Columns of a raw record table, in order."""
    spec = next(s for s in KIND_SPECS.values() if s.table == table and s.kind != "otlp")
    columns: list[tuple[str, str]] = []
    for field in spec.fields:
        if field.name in _DROPPED:
            continue
        columns.append((field.name, SQL_TYPES[field.kind]))
        if field.kind in RAW_COPY_KINDS:
            columns.append((RAW_COPY_KINDS[field.kind], "VARCHAR"))
    columns.extend(_DERIVED[table])
    columns.extend(LINEAGE)
    return columns


def all_tables() -> dict[str, list[tuple[str, str]]]:
    tables = {t: record_table_columns(t) for t in _DERIVED}
    tables["model_prices"] = list(MODEL_PRICE_COLUMNS)
    tables["quarantine"] = list(QUARANTINE_COLUMNS)
    tables["ingest_manifest"] = list(MANIFEST_COLUMNS)
    tables["context_snapshots"] = list(CONTEXT_SNAPSHOT_COLUMNS)
    return tables


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and state tables when missing (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS ingest_state")
    for table, columns in all_tables().items():
        body = ", ".join(f"{q(name)} {sql_type}" for name, sql_type in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{q(table)} ({body})")
    # Partitions whose Parquet copy is stale: written in the same transaction as the rows, so
    # a crash between the warehouse commit and the Parquet export is repaired on the next run.
    con.execute(
        "CREATE TABLE IF NOT EXISTS ingest_state.dirty_partitions "
        "(table_name VARCHAR, event_date DATE)"
    )
    # Size and modification time of each file when its content hash was last taken: a file
    # whose stat is unchanged is not read again to prove it is unchanged.
    con.execute(
        "CREATE TABLE IF NOT EXISTS ingest_state.file_stats (source_file VARCHAR, "
        "size BIGINT, mtime_ns BIGINT, content_hash VARCHAR, checked_ns BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS ingest_state.watermarks "
        "(source VARCHAR, table_name VARCHAR, watermark TIMESTAMP, last_key VARCHAR, "
        "updated_at TIMESTAMP)"
    )
