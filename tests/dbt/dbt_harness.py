"""Helpers for the dbt tests: generate a scenario, ingest it, run dbt on a temporary
warehouse with its own target and log paths, and query the result."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from inference_ledger.dbt_runner import DbtInvocation, run_dbt
from inference_ledger.generator import GenerationOptions, generate
from inference_ledger.ingest import ingest_landing
from inference_ledger.settings import load_settings

# Small but long enough for a month boundary and the 10x fit: 35 days = 5 ISO weeks.
SCENARIO_DAYS = 35
SCENARIO_EVENTS_PER_DAY = 120


@dataclass
class BuiltWarehouse:
    path: Path
    landing: Path
    work: Path

    @property
    def ground_truth(self) -> dict[str, Any]:
        return json.loads((self.landing / "ground_truth.json").read_text(encoding="utf-8"))

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def dbt(self, command: str = "build", **options: Any) -> Any:
        return dbt_invoke(self.path, self.work, command, **options)


def dbt_env(warehouse: Path) -> dict[str, str]:
    return {
        "LEDGER_WAREHOUSE": str(warehouse),
        "LEDGER_DBT_TARGET": "duckdb",
        "LEDGER_DUCKDB_MEMORY_LIMIT": "1GB",
        "LEDGER_DUCKDB_THREADS": "1",
        "LEDGER_DBT_THREADS": "2",
    }


def dbt_invoke(warehouse: Path, work: Path, command: str = "build", **options: Any) -> Any:
    invocation = DbtInvocation(
        command=command,
        target_path=work / "target",
        log_path=work / "logs",
        **options,
    )
    return run_dbt(invocation, env=dbt_env(warehouse))


def ingest(landing: Path, work: Path) -> Path:
    """Run the product's ingestion into a warehouse under `work`; returns the warehouse."""
    home = work / "home"
    settings = dataclasses.replace(
        load_settings(),
        home=home,
        landing_dir=landing,
        raw_dir=home / "raw",
        warehouse_path=work / "warehouse.duckdb",
        publish_dir=home / "published",
        report_dir=home / "reports",
        duckdb_memory_limit="1GB",
        duckdb_threads=1,
    )
    ingest_landing(landing, settings)
    return settings.warehouse_path


def generate_landing(
    out: Path,
    scenario: str,
    days: int = SCENARIO_DAYS,
    events: int = SCENARIO_EVENTS_PER_DAY,
    fmt: str = "jsonl",
) -> Path:
    generate(
        GenerationOptions(
            out=out,
            scenario=scenario,
            days=days,
            events_per_day=events,
            seed=11,
            tenants=8,
            format=fmt,
        )
    )
    return out
