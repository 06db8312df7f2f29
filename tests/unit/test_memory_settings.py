"""Memory limits: the dbt build gets its own, and a resource error names the one to raise."""

from __future__ import annotations

import pytest

from inference_ledger.resource_errors import resource_hint
from inference_ledger.settings import child_environment, load_settings

OUT_OF_MEMORY = (
    "Out of Memory Error: could not allocate block of size 256.0 KiB (2.3 GiB/2.3 GiB used)"
)


@pytest.fixture
def no_limits(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("LEDGER_DUCKDB_MEMORY_LIMIT", "LEDGER_DBT_MEMORY_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("duckdb_limit", "dbt_limit", "expected"),
    [
        (None, None, ("3GB", "2.5GB")),  # dbt runs beside the job process: it gets less
        ("1GB", None, ("1GB", "1GB")),  # a lower limit for everything holds for dbt too
        ("8GB", None, ("8GB", "8GB")),
        ("3GB", "2GB", ("3GB", "2GB")),
    ],
)
def test_dbt_memory_limit_defaults(no_limits, duckdb_limit, dbt_limit, expected):
    if duckdb_limit:
        no_limits.setenv("LEDGER_DUCKDB_MEMORY_LIMIT", duckdb_limit)
    if dbt_limit:
        no_limits.setenv("LEDGER_DBT_MEMORY_LIMIT", dbt_limit)
    settings = load_settings()
    assert (settings.duckdb_memory_limit, settings.dbt_memory_limit) == expected
    env = child_environment(settings)
    assert (env["LEDGER_DUCKDB_MEMORY_LIMIT"], env["LEDGER_DBT_MEMORY_LIMIT"]) == expected


def test_exported_limits_read_back_unchanged(no_limits):
    """Children of an exported environment (dbt, later commands) resolve the same limits."""
    first = load_settings()
    for name, value in child_environment(first).items():
        no_limits.setenv(name, value)
    again = load_settings()
    assert (again.duckdb_memory_limit, again.dbt_memory_limit) == ("3GB", "2.5GB")


def test_out_of_memory_names_the_limit_of_the_step_that_hit_it(no_limits):
    settings = load_settings()
    assert "LEDGER_DUCKDB_MEMORY_LIMIT=3GB" in resource_hint(OUT_OF_MEMORY, settings)
    in_dbt = resource_hint(OUT_OF_MEMORY, settings, in_dbt=True)
    assert "LEDGER_DBT_MEMORY_LIMIT=2.5GB" in in_dbt
    assert resource_hint("Binder Error: no such column", settings, in_dbt=True) is None


def test_quality_workers_default_to_the_cores_up_to_two_and_reject_nonsense(monkeypatch):
    import os

    from expectations.workers import worker_duckdb_config
    from inference_ledger.settings import SettingsError

    monkeypatch.delenv("LEDGER_QUALITY_WORKERS", raising=False)
    assert load_settings().quality_workers == min(2, os.cpu_count() or 1)
    monkeypatch.setenv("LEDGER_QUALITY_WORKERS", "3")
    assert load_settings().quality_workers == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("LEDGER_QUALITY_WORKERS", bad)
        with pytest.raises(SettingsError, match="LEDGER_QUALITY_WORKERS"):
            load_settings()
    # Processes validating together share the DuckDB limits one process would have had.
    shared = worker_duckdb_config({"memory_limit": "3GB", "threads": "2", "x": 1}, 2)
    assert shared == {"memory_limit": "1430MiB", "threads": "1", "x": 1}
    assert worker_duckdb_config({"memory_limit": "4GiB"}, 2) == {"memory_limit": "2048MiB"}
    assert worker_duckdb_config({"memory_limit": "80%"}, 2) == {"memory_limit": "80%"}
