"""Retention purges raw rows and quarantine past their windows, logs every deletion, and keeps
the audit hashes of purged rows in the slim table for the audit window."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import pytest
from rel_helpers import LEDGER, START, child_env, make_landing

from inference_ledger.ingest import ingest_landing
from inference_ledger.retention import RetentionPolicy, apply_retention
from inference_ledger.settings import SettingsError, load_settings

PURGED = ("inference_events", "output_transitions", "decision_envelopes", "tool_calls", "approvals")


def _q(db: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def ingested(isolated_env: Path) -> Path:
    landing = isolated_env / "landing"
    make_landing(landing, days=6, events_per_day=40, seed=5)
    (landing / "events" / "bad.jsonl").write_text('{"broken": \n{"user_id": "u-raw-1"}\n')
    ingest_landing(landing, load_settings())
    return isolated_env


def test_policy_reads_environment_and_rejects_nonsense():
    assert RetentionPolicy.from_env({}) == RetentionPolicy()
    policy = RetentionPolicy.from_env(
        {
            "LEDGER_RETENTION_DAYS": "30",
            "LEDGER_QUARANTINE_RETENTION_DAYS": "7",
            "LEDGER_AUDIT_RETENTION_DAYS": "400",
        }
    )
    assert policy == RetentionPolicy(30, 7, 400)
    with pytest.raises(SettingsError, match="LEDGER_RETENTION_DAYS"):
        RetentionPolicy.from_env({"LEDGER_RETENTION_DAYS": "thirty"})
    with pytest.raises(SettingsError, match="at least 1"):
        RetentionPolicy.from_env({"LEDGER_QUARANTINE_RETENTION_DAYS": "0"})
    with pytest.raises(SettingsError, match="must not be shorter"):
        RetentionPolicy.from_env(
            {"LEDGER_RETENTION_DAYS": "30", "LEDGER_AUDIT_RETENTION_DAYS": "7"}
        )


def test_raw_purge_keeps_recent_rows_archives_hashes_and_logs(ingested: Path):
    db = ingested / "warehouse.duckdb"
    cutoff = START + dt.timedelta(days=3)
    today = cutoff + dt.timedelta(days=10)
    before = {
        t: dict(_q(db, f"SELECT event_date < ?, count(*) FROM raw.{t} GROUP BY 1", [cutoff]))
        for t in PURGED
    }
    assert before["inference_events"][True] > 0 and before["inference_events"][False] > 0
    old_events = _q(
        db,
        "SELECT event_id, output_id, context_hash FROM raw.inference_events "
        "WHERE event_date < ? AND context_hash IS NOT NULL",
        [cutoff],
    )
    old_tools = _q(
        db,
        "SELECT tool_call_id, output_id, input_hash, output_hash FROM raw.tool_calls "
        "WHERE event_date < ? AND (input_hash IS NOT NULL OR output_hash IS NOT NULL)",
        [cutoff],
    )
    assert old_events and old_tools

    result = apply_retention(
        load_settings(), RetentionPolicy(raw_days=10, audit_days=400), today=today
    )

    for table in PURGED:
        remaining = dict(
            _q(db, f"SELECT event_date < ?, count(*) FROM raw.{table} GROUP BY 1", [cutoff])
        )
        assert True not in remaining, table
        assert remaining.get(False, 0) == before[table].get(False, 0), table
        assert result.deleted[f"raw:{table}"] == before[table].get(True, 0)
    # The Parquet raw zone forgets the purged days too.
    for table in PURGED:
        for part in (ingested / "raw" / table).glob("event_date=*"):
            day = dt.date.fromisoformat(part.name.split("=")[1])
            assert day >= cutoff or not any(part.glob("*.parquet")), part
    # Every purged hash is still answerable from the slim table, with its output id.
    archived_events = set(
        _q(
            db,
            "SELECT record_id, output_id, context_hash FROM raw.audit_hashes "
            "WHERE record_kind = 'inference_event'",
        )
    )
    assert archived_events == set(old_events)
    archived_tools = set(
        _q(
            db,
            "SELECT record_id, output_id, input_hash, output_hash FROM raw.audit_hashes "
            "WHERE record_kind = 'tool_call'",
        )
    )
    assert archived_tools == set(old_tools)
    log = _q(db, "SELECT policy, table_name, rows_deleted, cutoff FROM raw.retention_log")
    assert ("raw", "inference_events", before["inference_events"][True], cutoff) in log

    # A second pass deletes nothing more and archives nothing twice.
    again = apply_retention(
        load_settings(), RetentionPolicy(raw_days=10, audit_days=400), today=today
    )
    assert again.total_deleted == 0 and again.archived_hashes == 0
    # The audit window ends: the slim table is purged by its own cutoff, and logged.
    archived = _q(db, "SELECT count(*) FROM raw.audit_hashes")[0][0]
    later = apply_retention(
        load_settings(), RetentionPolicy(audit_days=5), today=cutoff + dt.timedelta(days=5)
    )
    assert later.deleted["audit:audit_hashes"] == archived
    assert _q(db, "SELECT count(*) FROM raw.audit_hashes WHERE event_date < ?", [cutoff])[0][0] == 0


def test_quarantine_purge_and_dry_run(ingested: Path):
    db = ingested / "warehouse.duckdb"
    quarantined = _q(db, "SELECT count(*) FROM raw.quarantine")[0][0]
    assert quarantined == 2
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    dry = apply_retention(
        load_settings(), RetentionPolicy(quarantine_days=1), today=tomorrow, dry_run=True
    )
    assert dry.deleted["quarantine:quarantine"] == 2
    assert _q(db, "SELECT count(*) FROM raw.quarantine")[0][0] == 2
    assert _q(db, "SELECT count(*) FROM raw.retention_log")[0][0] == 0

    # Not yet old enough: kept.
    kept = apply_retention(load_settings(), RetentionPolicy(quarantine_days=30), today=tomorrow)
    assert kept.deleted["quarantine:quarantine"] == 0
    apply_retention(load_settings(), RetentionPolicy(quarantine_days=1), today=tomorrow)
    assert _q(db, "SELECT count(*) FROM raw.quarantine")[0][0] == 0
    assert (
        _q(
            db,
            "SELECT rows_deleted FROM raw.retention_log WHERE policy = 'quarantine' "
            "ORDER BY deleted_at DESC, rows_deleted DESC LIMIT 1",
        )[0][0]
        == 2
    )
    # Raw records are untouched by the quarantine policy.
    assert _q(db, "SELECT count(*) FROM raw.inference_events")[0][0] > 0


def test_cli_applies_policy_from_environment(ingested: Path):
    as_of = (START + dt.timedelta(days=12)).isoformat()
    env = child_env(ingested, LEDGER_RETENTION_DAYS="10", LEDGER_AUDIT_RETENTION_DAYS="90")
    done = subprocess.run(
        [*LEDGER, "retention", "--as-of", as_of],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "from inference_events (policy raw, before 2025-06-04)" in done.stdout
    bad = subprocess.run(
        [*LEDGER, "retention"],
        env=child_env(ingested, LEDGER_RETENTION_DAYS="-3"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "LEDGER_RETENTION_DAYS" in bad.stderr
