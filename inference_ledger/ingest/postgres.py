"""Read the manual's traceability tables from PostgreSQL, incrementally by `created_at`.

Each table is read from its stored watermark (the newest `created_at` already loaded),
inclusive, so rows committed late with the same timestamp are not missed; rows already
loaded are recognised by their id and not loaded twice. The rows, the watermark and a
manifest row are written in one warehouse transaction.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from inference_ledger.ingest.landing import LandingFile
from inference_ledger.ingest.pipeline import FileResult, _Run
from inference_ledger.ingest.readers import Sink, load_python_rows
from inference_ledger.ingest.records import BATCH
from inference_ledger.ingest.run_ids import new_run_id
from inference_ledger.ingest.warehouse import export_parquet, mark_dirty, open_warehouse
from inference_ledger.settings import Settings, load_settings

SCHEMA_SQL = Path(__file__).with_name("postgres_schema.sql")
FETCH_BATCH = 10_000

# PostgreSQL table → (landing kind its rows canonicalize as, SELECT with canonical aliases).
QUERIES: dict[str, tuple[str | None, str]] = {
    "decision_envelopes": (
        "envelopes",
        "SELECT id AS envelope_id, trace_id, created_at, user_action, context_hash, user_id, "
        "tenant_id, feature, model_version, prompt_version, guardrails_version, policy_version, "
        "policy_rules, output_id, output_state AS state, content_hash, prior_output_id, "
        "reasoning_summary_hash, metadata FROM decision_envelopes",
    ),
    "tool_calls": (
        "tool_calls",
        "SELECT id AS tool_call_id, decision_envelope_id, trace_id, tool_name, input_hash, "
        "output_hash, success, status, latency_ms, retry_count, error_message, cost_usd, "
        "created_at FROM tool_calls",
    ),
    "approvals": (
        "approvals",
        "SELECT id AS approval_id, decision_envelope_id, output_id, action, approver, notes, "
        "created_at FROM approvals",
    ),
    "context_snapshots": (
        None,
        "SELECT id AS snapshot_id, decision_envelope_id, trace_id, context_hash, source_refs, "
        "created_at FROM context_snapshots",
    ),
}


def apply_schema(dsn: str) -> None:
    """Create the traceability tables in a PostgreSQL database (idempotent)."""
    import psycopg2

    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(SCHEMA_SQL.read_text(encoding="utf-8"))


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _fetch(dsn: str, sql: str, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        conn.set_session(readonly=True)
        with conn.cursor(name=f"ledger_{uuid.uuid4().hex[:8]}") as cur:
            cur.itersize = FETCH_BATCH
            if since is None:
                cur.execute(f"{sql} ORDER BY created_at, 1")
            else:
                cur.execute(
                    f"SELECT * FROM ({sql}) AS t WHERE created_at >= %s ORDER BY created_at, 1",
                    [since.replace(tzinfo=dt.UTC)],
                )
            columns = None
            for row in cur:
                if columns is None:
                    columns = [d[0] for d in cur.description]
                yield {c: _plain(v) for c, v in zip(columns, row, strict=True)}
    finally:
        conn.close()


def _watermark(run: _Run, table: str) -> dt.datetime | None:
    row = run.con.execute(
        "SELECT max(watermark) FROM ingest_state.watermarks WHERE source = 'postgres' "
        "AND table_name = ?",
        [table],
    ).fetchone()
    return row[0] if row else None


def _load_snapshots(run: _Run, source_name: str) -> int:
    run.con.execute(
        """CREATE OR REPLACE TEMP TABLE _snapshot_load AS
           SELECT source_line, j->>'snapshot_id' AS snapshot_id,
                  j->>'decision_envelope_id' AS decision_envelope_id, j->>'trace_id' AS trace_id,
                  regexp_replace(lower(j->>'context_hash'), '^sha256:', '') AS context_hash,
                  j->>'source_refs' AS source_refs, ledger_ts(j->>'created_at') AS event_ts,
                  sha256(j) AS record_hash
           FROM _batch WHERE j IS NOT NULL
             AND j->>'snapshot_id' NOT IN (SELECT snapshot_id FROM raw.context_snapshots)"""
    )
    run.con.execute(
        f"""INSERT INTO raw.context_snapshots BY NAME
            SELECT snapshot_id, decision_envelope_id, trace_id, context_hash, source_refs,
                   event_ts, CAST(event_ts AS DATE) AS event_date, NULL AS extras,
                   '{source_name}' AS source_file, source_line, record_hash,
                   '{run.run_id}' AS ingest_run_id
            FROM _snapshot_load"""
    )
    mark_dirty(run.con, "context_snapshots", "SELECT CAST(event_ts AS DATE) FROM _snapshot_load")
    return run.con.execute("SELECT count(*) FROM _snapshot_load").fetchone()[0]


def ingest_postgres(dsn: str, settings: Settings | None = None) -> dict[str, int]:
    """Load rows created since the last run from each traceability table; returns rows loaded."""
    settings = settings or load_settings()
    run_id = new_run_id("pg")
    loaded: dict[str, int] = {}
    with open_warehouse(settings) as con:
        run = _Run(con, settings, run_id, None)
        for table, (kind, sql) in QUERIES.items():
            since = _watermark(run, table)
            rows = list(_fetch(dsn, sql, since))
            source_name = f"postgres:{table}"
            newest = max((r["created_at"] for r in rows if r.get("created_at")), default=None)
            con.execute("BEGIN")
            try:
                run.start_batch()
                load_python_rows(
                    Sink(con, BATCH, source_name),
                    ((n, json.dumps(r), json.dumps(r), None) for n, r in enumerate(rows, 1)),
                )
                fake = LandingFile(Path(source_name), source_name, kind, "postgres", 0)
                if kind is None:
                    count, quarantined = _load_snapshots(run, source_name), 0
                else:
                    loaded_by_file, quarantined_by_file = (
                        run.load_envelopes() if kind == "envelopes" else run.load_flat(kind)
                    )
                    count = loaded_by_file.get(source_name, 0)
                    quarantined = quarantined_by_file.get(source_name, 0)
                result = FileResult(
                    source_name,
                    kind,
                    "ingested",
                    version=0,
                    records_read=len(rows),
                    records_loaded=count,
                    records_quarantined=quarantined,
                    records_duplicate=len(rows) - count - quarantined,
                )
                run.write_manifest(fake, f"watermark:{newest or since}", result)
                if newest is not None:
                    con.execute(
                        "INSERT INTO ingest_state.watermarks VALUES "
                        "('postgres', ?, CAST(? AS TIMESTAMP), NULL, now()::TIMESTAMP)",
                        [table, newest],
                    )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            loaded[table] = count
        export_parquet(con, settings.raw_dir, run_id)
    return loaded
