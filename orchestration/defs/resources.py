"""Resources shared by every area of the code location."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from inference_ledger.settings import Settings, load_settings


class LedgerResource(dg.ConfigurableResource):
    """Where the ledger lives. Empty fields fall back to the `LEDGER_*` environment settings."""

    landing_dir: str = ""
    postgres_dsn: str = ""

    def settings(self) -> Settings:
        return load_settings()

    def landing(self) -> Path:
        return Path(self.landing_dir) if self.landing_dir else self.settings().landing_dir


# One writer to the DuckDB warehouse at a time: every step that writes it uses this pool.
WAREHOUSE_POOL = "duckdb_warehouse"

RESOURCES = {"ledger": LedgerResource()}

defs = dg.Definitions(resources=RESOURCES)
