"""Turn DuckDB's resource errors into the ledger setting to change.

DuckDB names its own knobs (`memory_limit`, `max_temp_directory_size`); users set ours
(`LEDGER_DUCKDB_*`), so every command that can hit a limit says which of ours to raise."""

from __future__ import annotations

from inference_ledger.settings import Settings


def resource_hint(message: str, settings: Settings, *, in_dbt: bool = False) -> str | None:
    """What to change when `message` (an error's text) says DuckDB ran out of a resource.

    `in_dbt`: the error comes from the dbt build, whose DuckDB has a limit of its own.
    """
    limit_name, limit = (
        ("LEDGER_DBT_MEMORY_LIMIT", settings.dbt_memory_limit)
        if in_dbt
        else ("LEDGER_DUCKDB_MEMORY_LIMIT", settings.duckdb_memory_limit)
    )
    # Running out of spill space is reported as an out-of-memory error naming the cap.
    if "max_temp_directory_size" in message:
        cap = settings.duckdb_max_temp_size or "unset: DuckDB's default"
        return (
            f"DuckDB ran out of temp space (LEDGER_DUCKDB_MAX_TEMP_SIZE={cap}); raise it, free "
            f"disk next to the warehouse, or raise {limit_name} ({limit}) so less spills"
        )
    if "Out of Memory Error" in message or "OutOfMemoryException" in message:
        return (
            f"DuckDB ran out of memory ({limit_name}={limit}); raise it or lower "
            f"LEDGER_DUCKDB_THREADS ({settings.duckdb_threads})"
        )
    return None
