"""Raw-zone tables for tests and the benchmark: contract DDL, synthetic days, landing loads.

`load_landing` reads a generator landing directory of canonical JSON lines with plain
DuckDB SQL and applies the few canonicalization rules the suites depend on (status and
cost source). The ingestion package is the product path; this is the small stand-in the
quality tests use so that they exercise only the quality code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

LINEAGE = "source_file VARCHAR, source_line BIGINT, record_hash VARCHAR, ingest_run_id VARCHAR, "
LINEAGE += "extras VARCHAR"

RAW_DDL = {
    "inference_events": f"""
        event_id VARCHAR, event_ts TIMESTAMP, event_date DATE, trace_id VARCHAR, step_id VARCHAR,
        parent_step_id VARCHAR, output_id VARCHAR, state VARCHAR, state_raw VARCHAR,
        user_action VARCHAR, trigger_type VARCHAR, trigger_type_raw VARCHAR,
        model_version VARCHAR, provider VARCHAR, deployment VARCHAR, prompt_version VARCHAR,
        guardrails_version VARCHAR, policy_version VARCHAR, context_hash VARCHAR,
        input_tokens BIGINT, output_tokens BIGINT, cached_input_tokens BIGINT,
        reasoning_tokens BIGINT, inference_cost_usd DOUBLE, inference_cost_usd_logged DOUBLE,
        orchestration_cost_usd DOUBLE, tool_cost_usd DOUBLE, cost_source VARCHAR,
        latency_ms DOUBLE, status VARCHAR, status_raw VARCHAR, retry_count BIGINT,
        is_retry BOOLEAN, tenant_id VARCHAR, user_pseudo_id VARCHAR, session_id VARCHAR,
        feature VARCHAR, endpoint VARCHAR, cache_hit BOOLEAN, escalated BOOLEAN,
        confidence DOUBLE, region VARCHAR, {LINEAGE}""",
    "output_transitions": f"""
        transition_id VARCHAR, output_id VARCHAR, state VARCHAR, state_raw VARCHAR,
        event_ts TIMESTAMP, event_date DATE, trace_id VARCHAR, prior_output_id VARCHAR,
        content_hash VARCHAR, actor VARCHAR, trigger_type VARCHAR, {LINEAGE}""",
    "tool_calls": f"""
        tool_call_id VARCHAR, tool_name VARCHAR, event_ts TIMESTAMP, event_date DATE,
        trace_id VARCHAR, decision_envelope_id VARCHAR, output_id VARCHAR, success BOOLEAN,
        status VARCHAR, input_hash VARCHAR, output_hash VARCHAR, latency_ms DOUBLE,
        retry_count BIGINT, error_message VARCHAR, cost_usd DOUBLE, {LINEAGE}""",
    "approvals": f"""
        approval_id VARCHAR, output_id VARCHAR, decision_envelope_id VARCHAR, action VARCHAR,
        event_ts TIMESTAMP, event_date DATE, approver VARCHAR, notes VARCHAR, {LINEAGE}""",
}


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty raw-zone tables with the contract's columns (section 3)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in RAW_DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({columns})")


def insert_synthetic_day(
    con: duckdb.DuckDBPyConnection, day: dt.date, events: int, seed: int = 1
) -> None:
    """Append `events` healthy canonical events on `day`, built in DuckDB (fast at 1M rows).

    One output per five events, ten minutes apart: the explicit call that creates it, then
    an edit, an undo, an auto-save and a background call, so no repeat looks like an
    untagged retry.
    """
    con.execute(
        """
        INSERT INTO raw.inference_events BY NAME
        SELECT
            format('evt-{}-{}-{:08d}', ?, ?, i) AS event_id,
            CAST(? AS TIMESTAMP)
                + to_milliseconds((hash(i // 5, ?) % 83000000 + (i % 5) * 600000)::BIGINT)
                AS event_ts,
            CAST(? AS DATE) AS event_date,
            format('{:016x}', hash(i // 5, ?, 't')) AS trace_id,
            format('{:016x}', hash(i, ?, 's')) AS step_id,
            format('out-{}-{:08d}', ?, i // 5) AS output_id,
            'draft' AS state,
            CASE WHEN i % 5 = 0 THEN 'generate' END AS user_action,
            ['user_explicit', 'user_edit', 'undo', 'auto_save', 'background'][i % 5 + 1]
                AS trigger_type,
            'gpt-4o-2024-08-06' AS model_version, 'openai' AS provider, 'api' AS deployment,
            'prompt-v3' AS prompt_version,
            sha256(format('ctx-{}', i // 5)) AS context_hash,
            (200 + hash(i, 'in') % 800)::BIGINT AS input_tokens,
            (50 + hash(i, 'out') % 300)::BIGINT AS output_tokens,
            (hash(i, 'c') % 150)::BIGINT AS cached_input_tokens,
            0::BIGINT AS reasoning_tokens,
            0.0001 + (hash(i, 'cost') % 1000) / 1e6 AS inference_cost_usd,
            0.00001 AS orchestration_cost_usd, 0.0 AS tool_cost_usd,
            'logged' AS cost_source,
            (100 + hash(i, 'lat') % 2000)::DOUBLE AS latency_ms,
            'success' AS status, 0::BIGINT AS retry_count, false AS is_retry,
            format('t-{:03d}', i % 7) AS tenant_id, 'chat' AS feature
        FROM range(?) AS r(i)
        """,
        [seed, str(day), day, seed, day, seed, seed, str(day), events],
    )


def _json_source(landing: Path, folder: str) -> str | None:
    files = sorted((landing / folder).rglob("*.jsonl"))
    if not files:
        return None
    listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    return f"read_json([{listing}], format='newline_delimited', union_by_name=true)"


def load_landing(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """Load a canonical-JSON-lines landing directory into the raw tables."""
    create_raw_tables(con)
    placeholders = "('', 'unknown', 'none', 'null')"
    events = _json_source(landing, "events")
    if events:
        con.execute(
            f"""
            INSERT INTO raw.inference_events BY NAME
            SELECT * EXCLUDE (user_id, event_ts, status),
                CAST(event_ts AS TIMESTAMP) AS event_ts,
                CAST(CAST(event_ts AS TIMESTAMP) AS DATE) AS event_date,
                CASE WHEN status IN ('error', 'failure') THEN 'failed' ELSE status END
                    AS status,
                CASE WHEN inference_cost_usd IS NOT NULL THEN 'logged'
                     WHEN lower(coalesce(model_version, '')) IN {placeholders} THEN 'unpriced'
                     ELSE 'priced' END AS cost_source
            FROM {events}
            """
        )
    for table, folder in (
        ("output_transitions", "transitions"),
        ("tool_calls", "tool_calls"),
        ("approvals", "approvals"),
    ):
        source = _json_source(landing, folder)
        if not source:
            continue
        status = ""
        if table == "tool_calls":
            status = (
                ", CASE WHEN status IN ('error', 'failure') THEN 'failed' ELSE status END AS status"
            )
        exclude = "event_ts, status" if table == "tool_calls" else "event_ts"
        con.execute(
            f"""
            INSERT INTO raw.{table} BY NAME
            SELECT * EXCLUDE ({exclude}),
                CAST(event_ts AS TIMESTAMP) AS event_ts,
                CAST(CAST(event_ts AS TIMESTAMP) AS DATE) AS event_date {status}
            FROM {source}
            """
        )


def insert_synthetic_related(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    """Healthy transitions, tool calls and approvals for the events already on `day`.

    Shaped like a nightly load: a draft and a commit per output, a tool call per two
    events and an approval per twenty, so every raw suite has a day's rows to validate.
    """
    con.execute(
        """
        INSERT INTO raw.output_transitions BY NAME
        SELECT format('tr-{}-{}', output_id, k) AS transition_id, output_id,
            ['draft', 'committed'][k + 1] AS state,
            event_ts + to_seconds(k * 60) AS event_ts, event_date, trace_id,
            sha256(format('content-{}-{}', output_id, k)) AS content_hash,
            'user' AS actor, trigger_type, ingest_run_id
        FROM (SELECT * FROM raw.inference_events
              WHERE event_date = ? AND trigger_type = 'user_explicit'),
            range(2) AS r(k)
        """,
        [day],
    )
    con.execute(
        """
        INSERT INTO raw.tool_calls BY NAME
        SELECT 'tc-' || event_id AS tool_call_id, 'search' AS tool_name, event_ts, event_date,
            trace_id, output_id, true AS success, 'success' AS status,
            format('{:016x}', hash(event_id, 'in')) AS input_hash,
            format('{:016x}', hash(event_id, 'out')) AS output_hash,
            latency_ms, 0::BIGINT AS retry_count, 0.0005 AS cost_usd, ingest_run_id
        FROM raw.inference_events
        WHERE event_date = ? AND hash(event_id) % 2 = 0
        """,
        [day],
    )
    con.execute(
        """
        INSERT INTO raw.approvals BY NAME
        SELECT 'ap-' || event_id AS approval_id, output_id, 'approve' AS action, event_ts,
            event_date, 'approver-1' AS approver, ingest_run_id
        FROM raw.inference_events
        WHERE event_date = ? AND hash(event_id) % 20 = 0
        """,
        [day],
    )
