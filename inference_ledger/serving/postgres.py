"""Copy the canonical raw zone into PostgreSQL so the dbt project builds the marts there.

The copy replaces the server's `raw` schema in one transaction: readers of `raw` see the old
tables or the new ones, never a mix. DuckDB exports each table as CSV and PostgreSQL's COPY
loads it, which is the fastest path that needs no server-side extension.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb

from inference_ledger.ingest.schema import SOURCE_TABLES

_PG_TYPES = {
    "VARCHAR": "text",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "DATE": "date",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "JSON": "text",
}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def postgres_dsn_from_env(env: Mapping[str, str] | None = None) -> str:
    """The libpq DSN of the `postgres` dbt target, from the same `LEDGER_PG_*` variables."""
    env = os.environ if env is None else env
    password = env.get("LEDGER_PG_PASSWORD", "")
    if not password and env.get("LEDGER_PG_PASSWORD_FILE"):
        password = Path(env["LEDGER_PG_PASSWORD_FILE"]).read_text(encoding="utf-8").strip()
    parts = {
        "host": env.get("LEDGER_PG_HOST", "127.0.0.1"),
        "port": env.get("LEDGER_PG_PORT", "5432"),
        "user": env.get("LEDGER_PG_USER", "ledger"),
        "dbname": env.get("LEDGER_PG_DBNAME", "ledger"),
    }
    if password:
        parts["password"] = password
    return " ".join(f"{key}='{value}'" for key, value in parts.items())


def sync_raw_zone(
    warehouse: Path, dsn: str, tables: tuple[str, ...] = SOURCE_TABLES
) -> dict[str, int]:
    """Replace schema `raw` on the server with the warehouse's raw tables; rows per table."""
    import psycopg2

    counts: dict[str, int] = {}
    duck = duckdb.connect(str(warehouse), read_only=True)
    server = psycopg2.connect(dsn)
    try:
        with tempfile.TemporaryDirectory(prefix="ledger-pg-") as work, server:
            with server.cursor() as cur:
                cur.execute("DROP SCHEMA IF EXISTS raw CASCADE; CREATE SCHEMA raw")
                for table in tables:
                    columns = duck.execute(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
                        [table],
                    ).fetchall()
                    if not columns:
                        continue
                    ddl = ", ".join(
                        f"{_quote(name)} {_PG_TYPES.get(kind, 'text')}" for name, kind in columns
                    )
                    cur.execute(f"CREATE TABLE raw.{_quote(table)} ({ddl})")
                    csv_path = Path(work) / f"{table}.csv"
                    duck.execute(
                        f"COPY raw.{_quote(table)} TO ? (HEADER, FORMAT csv)", [str(csv_path)]
                    )
                    with csv_path.open(encoding="utf-8") as handle:
                        cur.copy_expert(
                            f"COPY raw.{_quote(table)} FROM STDIN WITH (FORMAT csv, HEADER)",
                            handle,
                        )
                    counts[table] = cur.rowcount
    finally:
        server.close()
        duck.close()
    return counts
