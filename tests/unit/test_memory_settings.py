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
