"""Helpers for the reliability suite: tiny generated workloads, child-process environments,
and order-insensitive snapshots of warehouse tables for "equals a clean run" comparisons."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import duckdb

from inference_ledger.generator import GenerationOptions, generate

SOAK = os.environ.get("LEDGER_SOAK") == "1"
LEDGER = [sys.executable, "-m", "inference_ledger.cli"]
START = dt.date(2025, 6, 2)

# Columns that legitimately differ between two runs over the same input: run ids, wall-clock
# stamps and paths. Everything else must be identical.
VOLATILE_COLUMNS = {
    "ingest_run_id",
    "ingested_at",
    "quarantined_at",
    "published_at",
    "run_id",
    "dbt_run_id",
    "built_at",
    "loaded_at",
    "updated_at",
    "_dbt_loaded_at",
    "dbt_updated_at",
    "computed_at",
    "validated_at",
    "run_started_at",
}


def soak_or(default: int, soak: int) -> int:
    return soak if SOAK else default


def make_landing(out: Path, days: int = 14, events_per_day: int = 80, seed: int = 3, **kw):
    """A small generated landing directory with ground_truth.json."""
    options = GenerationOptions(
        out=out,
        scenario=kw.pop("scenario", "baseline"),
        days=days,
        events_per_day=events_per_day,
        seed=seed,
        start=kw.pop("start", START),
        **kw,
    )
    return generate(options)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a `ledger` child process: nothing inherited from LEDGER_/DAGSTER_."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "DAGSTER_"))}
    env.update(
        LEDGER_HOME=str(home),
        LEDGER_DUCKDB_MEMORY_LIMIT="1GB",
        LEDGER_DUCKDB_THREADS="2",
        LEDGER_PARTITIONS_START="2025-05-01",
    )
    env.update(extra)
    return env


def tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "AND table_type = 'BASE TABLE' ORDER BY 1",
            [schema],
        ).fetchall()
    ]


def snapshot(database: Path, schema: str, skip: set[str] | None = None) -> dict[str, list]:
    """Every table of `schema` as a sorted list of rows, volatile columns excluded."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        out: dict[str, list] = {}
        for table in tables(con, schema):
            if skip and table in skip:
                continue
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, table],
            ).fetchall()
            # Floating sums may differ in the last bits with summation order (threads, row
            # order after a crash); 12 significant digits is far below any money we report.
            select = ", ".join(
                f"printf('%.12g', \"{c}\")"
                if t in ("DOUBLE", "FLOAT", "REAL")
                else f'CAST("{c}" AS VARCHAR)'
                for c, t in columns
                if c not in VOLATILE_COLUMNS
            )
            rows = con.execute(f'SELECT {select} FROM "{schema}"."{table}"').fetchall()
            out[table] = sorted(rows, key=lambda r: tuple("" if v is None else v for v in r))
        return out
    finally:
        con.close()
