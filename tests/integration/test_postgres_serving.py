"""`ledger sync-postgres --build`: the raw zone is copied into a real PostgreSQL server and the
same dbt project builds the marts there, with the same totals as the generated ground truth."""

from __future__ import annotations

import json

import psycopg2
import pytest

from inference_ledger.cli import main as ledger
from inference_ledger.generator import GenerationOptions, generate
from inference_ledger.serving.postgres import postgres_dsn_from_env


def test_postgres_dsn_reads_the_password_file_and_never_needs_it_inline(tmp_path):
    secret = tmp_path / "pg_password"
    secret.write_text("s3cret\n", encoding="utf-8")
    dsn = postgres_dsn_from_env({"LEDGER_PG_HOST": "db", "LEDGER_PG_PASSWORD_FILE": str(secret)})
    assert "host='db'" in dsn and "password='s3cret'" in dsn
    assert "password" not in postgres_dsn_from_env({"LEDGER_PG_HOST": "db"})


@pytest.mark.postgres
def test_sync_and_build_on_postgres(ledger_home, postgres_server, monkeypatch, capsys):
    landing = ledger_home / "landing"
    generate(GenerationOptions(out=landing, scenario="baseline", days=9, events_per_day=60, seed=8))
    truth = json.loads((landing / "ground_truth.json").read_text())
    assert ledger(["ingest", "--quiet"]) == 0

    admin = psycopg2.connect(postgres_server.dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS serving")
        cur.execute("CREATE DATABASE serving")
    admin.close()
    monkeypatch.setenv("LEDGER_PG_HOST", postgres_server.host)
    monkeypatch.setenv("LEDGER_PG_PORT", str(postgres_server.port))
    monkeypatch.setenv("LEDGER_PG_USER", postgres_server.user)
    monkeypatch.setenv("LEDGER_PG_DBNAME", "serving")

    assert ledger(["sync-postgres", "--build"]) == 0, capsys.readouterr()
    server = psycopg2.connect(postgres_dsn_from_env())
    try:
        with server.cursor() as cur:
            cur.execute("SELECT count(*) FROM raw.inference_events")
            assert cur.fetchone()[0] == truth["totals"]["inference_events"]
            cur.execute(
                "SELECT sum(inference_events), sum(total_cost_usd) FROM marts.fct_cost_per_outcome"
            )
            events, cost = cur.fetchone()
    finally:
        server.close()
    assert events == truth["totals"]["inference_events"]
    assert float(cost) == pytest.approx(truth["totals"]["total_cost_usd"], rel=1e-9)

    # A second sync replaces the schema instead of appending.
    assert ledger(["sync-postgres"]) == 0
    server = psycopg2.connect(postgres_dsn_from_env())
    with server, server.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.inference_events")
        assert cur.fetchone()[0] == truth["totals"]["inference_events"]
    server.close()
