"""Retention: purge raw records and quarantine past their window, keep audit hashes longer.

Policy (environment variables; unset or empty = keep forever):

- `LEDGER_RETENTION_DAYS`: raw record rows (`raw.inference_events`, `output_transitions`,
  `decision_envelopes`, `tool_calls`, `approvals`, `context_snapshots`) whose `event_date` is
  older than this many days are deleted, from the warehouse and from the Parquet raw zone.
- `LEDGER_QUARANTINE_RETENTION_DAYS`: quarantined records (which hold raw text) older than
  this many days (by `quarantined_at`) are deleted.
- `LEDGER_AUDIT_RETENTION_DAYS`: before raw rows are purged, their audit-relevant hashes
  (context, content, tool input/output hashes with their output and trace ids) are copied to
  the slim table `raw.audit_hashes`, which keeps them for this many days (by event date).

Every deletion is recorded in `raw.retention_log` (table, rows, cutoff, policy, when), so an
auditor can tell a purge from data that never arrived. Marts are aggregates and are not
touched: history that was already modelled stays modelled.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb

from inference_ledger.ingest.canonical import q
from inference_ledger.ingest.warehouse import export_parquet, mark_dirty, open_warehouse
from inference_ledger.settings import Settings, SettingsError

RAW_RECORD_TABLES = (
    "inference_events",
    "output_transitions",
    "decision_envelopes",
    "tool_calls",
    "approvals",
    "context_snapshots",
)

ENV_RAW = "LEDGER_RETENTION_DAYS"
ENV_QUARANTINE = "LEDGER_QUARANTINE_RETENTION_DAYS"
ENV_AUDIT = "LEDGER_AUDIT_RETENTION_DAYS"

AUDIT_HASHES_DDL = """
CREATE TABLE IF NOT EXISTS raw.audit_hashes (
    record_kind VARCHAR, record_id VARCHAR, output_id VARCHAR, trace_id VARCHAR,
    event_ts TIMESTAMP, event_date DATE, context_hash VARCHAR, content_hash VARCHAR,
    input_hash VARCHAR, output_hash VARCHAR, source_file VARCHAR, archived_at TIMESTAMP
)"""
RETENTION_LOG_DDL = """
CREATE TABLE IF NOT EXISTS raw.retention_log (
    retention_run_id VARCHAR, policy VARCHAR, table_name VARCHAR, rows_deleted BIGINT,
    cutoff DATE, deleted_at TIMESTAMP
)"""

# (table, record kind, id column, SQL for each audit column; NULL when the table lacks it).
_AUDIT_SOURCES: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("inference_events", "inference_event", "event_id", {"context_hash": "context_hash"}),
    (
        "decision_envelopes",
        "decision_envelope",
        "envelope_id",
        {"context_hash": "context_hash", "content_hash": "content_hash"},
    ),
    ("output_transitions", "output_transition", "transition_id", {"content_hash": "content_hash"}),
    (
        "tool_calls",
        "tool_call",
        "tool_call_id",
        {"input_hash": "input_hash", "output_hash": "output_hash"},
    ),
)
_AUDIT_COLUMNS = ("context_hash", "content_hash", "input_hash", "output_hash")


def _days(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        days = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of days, got {text!r}") from None
    if days < 1:
        raise SettingsError(f"{name} must be at least 1 day, got {days}")
    return days


@dataclass(frozen=True)
class RetentionPolicy:
    raw_days: int | None = None
    quarantine_days: int | None = None
    audit_days: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetentionPolicy:
        env = os.environ if env is None else env
        policy = cls(_days(env, ENV_RAW), _days(env, ENV_QUARANTINE), _days(env, ENV_AUDIT))
        if (
            policy.raw_days is not None
            and policy.audit_days is not None
            and policy.audit_days < policy.raw_days
        ):
            # The slim table exists to outlive the raw rows; a shorter window would make it
            # purge hashes whose raw rows are still present, which is never what is meant.
            raise SettingsError(
                f"{ENV_AUDIT} ({policy.audit_days}) must not be shorter than "
                f"{ENV_RAW} ({policy.raw_days})"
            )
        return policy


@dataclass
class RetentionResult:
    run_id: str
    deleted: dict[str, int] = field(default_factory=dict)  # "policy:table" -> rows
    archived_hashes: int = 0
    cutoffs: dict[str, dt.date] = field(default_factory=dict)

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_HASHES_DDL)
    con.execute(RETENTION_LOG_DDL)


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = ?",
        [table],
    ).fetchall()
    return {r[0] for r in rows}


def _archive_hashes(con: duckdb.DuckDBPyConnection, cutoff: dt.date, now: dt.datetime) -> int:
    """Copy the audit hashes of rows about to be purged into `raw.audit_hashes`."""
    archived = 0
    for table, kind, id_column, mapping in _AUDIT_SOURCES:
        present = _table_columns(con, table)
        if not present:
            continue

        def col(name: str, present: set[str] = present) -> str:
            return f"CAST({q(name)} AS VARCHAR)" if name in present else "NULL"

        hashes = ", ".join(col(mapping[c]) if c in mapping else "NULL" for c in _AUDIT_COLUMNS)
        any_hash = " OR ".join(f"{q(mapping[c])} IS NOT NULL" for c in mapping)
        before = con.execute("SELECT count(*) FROM raw.audit_hashes").fetchone()[0]
        con.execute(
            f"""INSERT INTO raw.audit_hashes
                SELECT ?, {col(id_column)}, {col("output_id")}, {col("trace_id")},
                       event_ts, event_date, {hashes}, source_file, ?
                FROM raw.{q(table)}
                WHERE event_date < ? AND ({any_hash})""",
            [kind, now, cutoff],
        )
        archived += con.execute("SELECT count(*) FROM raw.audit_hashes").fetchone()[0] - before
    return archived


def apply_retention(
    settings: Settings,
    policy: RetentionPolicy | None = None,
    *,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> RetentionResult:
    """Apply `policy` (default: from the environment) to the warehouse and raw zone.

    Runs in one transaction under the warehouse writer lock: either every purge of the run and
    its log rows commit, or none. The Parquet raw zone is rewritten afterwards from the
    dirty-partition list, exactly as ingestion does (so a crash is repaired by the next run).
    """
    policy = policy or RetentionPolicy.from_env()
    today = today or dt.datetime.now(dt.UTC).date()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = now.strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    result = RetentionResult(run_id)
    with open_warehouse(settings) as con:
        ensure_tables(con)
        con.execute("BEGIN")
        try:

            def log(policy_name: str, table: str, rows: int, cutoff: dt.date) -> None:
                result.deleted[f"{policy_name}:{table}"] = rows
                con.execute(
                    "INSERT INTO raw.retention_log VALUES (?, ?, ?, ?, ?, ?)",
                    [run_id, policy_name, table, rows, cutoff, now],
                )

            if policy.raw_days is not None:
                cutoff = today - dt.timedelta(days=policy.raw_days)
                result.cutoffs["raw"] = cutoff
                result.archived_hashes = _archive_hashes(con, cutoff, now)
                for table in RAW_RECORD_TABLES:
                    if not _table_columns(con, table):
                        continue
                    where = f"event_date < DATE '{cutoff.isoformat()}'"
                    rows = con.execute(
                        f"SELECT count(*) FROM raw.{q(table)} WHERE {where}"
                    ).fetchone()[0]
                    if rows:
                        mark_dirty(
                            con,
                            table,
                            f"SELECT DISTINCT event_date FROM raw.{q(table)} WHERE {where}",
                        )
                        con.execute(f"DELETE FROM raw.{q(table)} WHERE {where}")
                    log("raw", table, int(rows), cutoff)
            if policy.quarantine_days is not None:
                cutoff = today - dt.timedelta(days=policy.quarantine_days)
                result.cutoffs["quarantine"] = cutoff
                rows = con.execute(
                    "SELECT count(*) FROM raw.quarantine WHERE quarantined_at < ?", [cutoff]
                ).fetchone()[0]
                con.execute("DELETE FROM raw.quarantine WHERE quarantined_at < ?", [cutoff])
                log("quarantine", "quarantine", int(rows), cutoff)
            if policy.audit_days is not None:
                cutoff = today - dt.timedelta(days=policy.audit_days)
                result.cutoffs["audit"] = cutoff
                rows = con.execute(
                    "SELECT count(*) FROM raw.audit_hashes WHERE event_date < ?", [cutoff]
                ).fetchone()[0]
                con.execute("DELETE FROM raw.audit_hashes WHERE event_date < ?", [cutoff])
                log("audit", "audit_hashes", int(rows), cutoff)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if dry_run:
            con.execute("ROLLBACK")
            return result
        con.execute("COMMIT")
        export_parquet(con, settings.raw_dir, run_id)
    return result
