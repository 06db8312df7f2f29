"""The PostgreSQL traceability source against a real server: incremental, nothing twice."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import pytest

from inference_ledger.ingest import pseudonymize
from inference_ledger.ingest.postgres import apply_schema, ingest_postgres
from inference_ledger.settings import load_settings

psycopg2 = pytest.importorskip("psycopg2")

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_server) -> str:
    name = f"trace_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(postgres_server.dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    admin.close()
    dsn = postgres_server.url(name)
    apply_schema(dsn)
    return dsn


def _insert_envelope(cur, envelope_id: str, created_at: str, **extra) -> None:
    cur.execute(
        "INSERT INTO decision_envelopes (id, trace_id, created_at, user_action, context_hash, "
        "user_id, tenant_id, feature, model_version, prompt_version, policy_rules, output_id, "
        "output_state, content_hash, metadata) VALUES "
        "(%s, %s, %s, 'generate', 'sha256:ABCD', %s, 't-1', 'summarize', 'gpt-4o', 'p-1', "
        "%s, %s, %s, 'beef', %s)",
        [
            envelope_id,
            f"trace-{envelope_id}",
            created_at,
            extra.get("user_id", "user-1"),
            json.dumps(["pii"]),
            f"out-{envelope_id}",
            extra.get("state", "accepted"),
            json.dumps({"region": "eu"}),
        ],
    )


def _query(home: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_rows_inserted_after_first_load_arrive_once(database: str, ledger_home: Path) -> None:
    conn = psycopg2.connect(database)
    with conn, conn.cursor() as cur:
        _insert_envelope(cur, "env-1", "2026-01-05 10:00:00+00")
        _insert_envelope(cur, "env-2", "2026-01-05 11:00:00+00")
        cur.execute(
            "INSERT INTO tool_calls (id, decision_envelope_id, tool_name, input_hash, success, "
            "latency_ms, cost_usd, created_at) VALUES "
            "('tc-1', 'env-1', 'search', 'sha256:01', true, 120, 0.001, '2026-01-05 10:00:01+00')"
        )
        cur.execute(
            "INSERT INTO approvals (id, decision_envelope_id, output_id, action, approver, "
            "created_at) VALUES ('ap-1', 'env-1', 'out-env-1', 'approve', 'carol', "
            "'2026-01-05 10:05:00+00')"
        )
        cur.execute(
            "INSERT INTO context_snapshots (id, decision_envelope_id, trace_id, context_hash, "
            "source_refs, created_at) VALUES ('cs-1', 'env-1', 'trace-env-1', 'SHA256:AA', "
            "'[\"doc-1\"]', '2026-01-05 10:00:00+00')"
        )
    first = ingest_postgres(database, load_settings())
    assert first == {
        "decision_envelopes": 2,
        "tool_calls": 1,
        "approvals": 1,
        "context_snapshots": 1,
    }
    env = _query(
        ledger_home,
        "SELECT envelope_id, event_ts::VARCHAR, state, state_raw, context_hash, policy_rules, "
        "user_pseudo_id, source_file FROM raw.decision_envelopes ORDER BY 1",
    )
    key = load_settings().pseudonymization_key
    assert env[0] == (
        "env-1",
        "2026-01-05 10:00:00",
        "committed",
        "accepted",
        "abcd",
        '["pii"]',
        pseudonymize("user-1", key),
        "postgres:decision_envelopes",
    )
    assert _query(ledger_home, "SELECT tool_name, success, cost_usd FROM raw.tool_calls") == [
        ("search", True, 0.001)
    ]

    # New rows, one of them with exactly the watermark's timestamp (a late commit).
    with conn, conn.cursor() as cur:
        _insert_envelope(cur, "env-3", "2026-01-05 11:00:00+00")
        _insert_envelope(cur, "env-4", "2026-01-06 09:00:00+00", state="rejected")
        cur.execute(
            "INSERT INTO approvals (id, decision_envelope_id, output_id, action, approver, "
            "created_at) VALUES ('ap-2', 'env-4', 'out-env-4', 'reject', 'dan', "
            "'2026-01-06 09:30:00+00')"
        )
    conn.close()
    second = ingest_postgres(database, load_settings())
    assert second["decision_envelopes"] == 2 and second["approvals"] == 1
    assert second["tool_calls"] == 0 and second["context_snapshots"] == 0
    ids = [r[0] for r in _query(ledger_home, "SELECT envelope_id FROM raw.decision_envelopes")]
    assert sorted(ids) == ["env-1", "env-2", "env-3", "env-4"]
    assert _query(
        ledger_home, "SELECT count(*), count(DISTINCT approval_id) FROM raw.approvals"
    ) == [(2, 2)]

    third = ingest_postgres(database, load_settings())
    assert set(third.values()) == {0}
    assert _query(ledger_home, "SELECT count(*) FROM raw.decision_envelopes") == [(4,)]
    assert _query(ledger_home, "SELECT context_hash, source_refs FROM raw.context_snapshots") == [
        ("aa", '["doc-1"]')
    ]
    manifest = _query(
        ledger_home,
        "SELECT sum(records_read), sum(records_loaded), sum(records_duplicate) "
        "FROM raw.ingest_manifest WHERE source_file = 'postgres:decision_envelopes'",
    )
    # Re-read rows at the watermark are counted as duplicates, never loaded twice.
    assert manifest[0][1] == 4 and manifest[0][0] == manifest[0][1] + manifest[0][2]
