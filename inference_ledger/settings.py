"""One settings object, read from environment variables with safe defaults.

Every path derives from `LEDGER_HOME` unless set on its own, so a test points the whole
product at a temporary directory by setting one variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(RuntimeError):
    """A setting is missing or invalid; the message says which and how to fix it."""


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


# dbt's DuckDB limit when neither LEDGER_DBT_MEMORY_LIMIT nor LEDGER_DUCKDB_MEMORY_LIMIT is
# set (dbt_project/profiles.yml falls back to the same value for dbt run by hand).
DEFAULT_DBT_MEMORY_LIMIT = "2.5GB"
# Landing files are loaded in batches of about this much input: enough rows for DuckDB to use
# every core and to amortize each statement, each look-up of the raw tables and each commit.
# At 10M events a day's events file is ~145 MB: 256 loaded one file per batch; 512 holds
# three and took the 10M ingest from 346 to 282 s (1024: 280 s).
DEFAULT_INGEST_BATCH_MB = 512


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_dir: Path
    raw_dir: Path
    warehouse_path: Path
    publish_dir: Path
    report_dir: Path
    dbt_target: str
    duckdb_memory_limit: str
    duckdb_threads: int
    environment: str
    pseudonymization_key: str = field(repr=False)
    # Cap on DuckDB's spill directory ("" = DuckDB's default, 90% of free disk).
    duckdb_max_temp_size: str = ""
    # DuckDB memory limit of the dbt build, a child process that runs beside the job process
    # (which still holds its libraries and caches, ~0.8 GB at 10M events): the two together
    # stay under 4 GiB with the defaults. Unset, it follows LEDGER_DUCKDB_MEMORY_LIMIT when
    # that is set, else 2.5GB.
    dbt_memory_limit: str = DEFAULT_DBT_MEMORY_LIMIT
    ingest_batch_mb: int = DEFAULT_INGEST_BATCH_MB

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


DEV_PSEUDONYMIZATION_KEY = "inference-ledger-development-key"


def load_settings() -> Settings:
    """Build settings from `LEDGER_*` environment variables."""
    home = _env_path("LEDGER_HOME", Path.cwd() / ".ledger").resolve()
    environment = os.environ.get("LEDGER_ENV", "development").strip().lower()
    key = os.environ.get("LEDGER_PSEUDONYMIZATION_KEY", "")
    key_file = os.environ.get("LEDGER_PSEUDONYMIZATION_KEY_FILE")
    if not key and key_file:
        key = Path(key_file).read_text(encoding="utf-8").strip()
    if not key:
        if environment == "production":
            raise SettingsError(
                "LEDGER_PSEUDONYMIZATION_KEY (or LEDGER_PSEUDONYMIZATION_KEY_FILE) must be set "
                "when LEDGER_ENV=production: user ids are pseudonymized with this key."
            )
        key = DEV_PSEUDONYMIZATION_KEY
    return Settings(
        home=home,
        landing_dir=_env_path("LEDGER_LANDING_DIR", home / "landing"),
        raw_dir=_env_path("LEDGER_RAW_DIR", home / "raw"),
        warehouse_path=_env_path("LEDGER_WAREHOUSE", home / "warehouse.duckdb"),
        publish_dir=_env_path("LEDGER_PUBLISH_DIR", home / "published"),
        report_dir=_env_path("LEDGER_REPORT_DIR", home / "reports"),
        dbt_target=os.environ.get("LEDGER_DBT_TARGET", "duckdb"),
        duckdb_memory_limit=os.environ.get("LEDGER_DUCKDB_MEMORY_LIMIT", "3GB"),
        dbt_memory_limit=os.environ.get("LEDGER_DBT_MEMORY_LIMIT")
        or os.environ.get("LEDGER_DUCKDB_MEMORY_LIMIT", DEFAULT_DBT_MEMORY_LIMIT),
        duckdb_threads=int(os.environ.get("LEDGER_DUCKDB_THREADS", str(os.cpu_count() or 2))),
        environment=environment,
        pseudonymization_key=key,
        duckdb_max_temp_size=os.environ.get("LEDGER_DUCKDB_MAX_TEMP_SIZE", "").strip(),
        ingest_batch_mb=int(os.environ.get("LEDGER_INGEST_BATCH_MB", str(DEFAULT_INGEST_BATCH_MB))),
    )


def child_environment(settings: Settings) -> dict[str, str]:
    """Resolved settings as environment variables for child processes (dbt reads `env_var`)."""
    return {
        "LEDGER_HOME": str(settings.home),
        "LEDGER_WAREHOUSE": str(settings.warehouse_path),
        "LEDGER_DBT_TARGET": settings.dbt_target,
        "LEDGER_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "LEDGER_DBT_MEMORY_LIMIT": settings.dbt_memory_limit,
        "LEDGER_DUCKDB_THREADS": str(settings.duckdb_threads),
        "LEDGER_DUCKDB_MAX_TEMP_SIZE": settings.duckdb_max_temp_size,
    }


def duckdb_config(settings: Settings) -> dict[str, str]:
    """Limits for a DuckDB session the ledger opens: memory, threads, where it spills and how
    much (creates the spill directory). Every connection that can spill gets all of them."""
    spill = settings.home / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": settings.duckdb_memory_limit,
        "threads": str(settings.duckdb_threads),
        "temp_directory": str(spill),
    }
    if settings.duckdb_max_temp_size:
        config["max_temp_directory_size"] = settings.duckdb_max_temp_size
    return config


def export_environment(settings: Settings) -> None:
    """Expose resolved settings to every later child of this process (command entry points)."""
    os.environ.update(child_environment(settings))
