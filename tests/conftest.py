"""Shared fixtures: an isolated ledger home per test and a real PostgreSQL server per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from inference_ledger.devtools.local_postgres import LocalPostgres, local_postgres, postgres_bindir


@pytest.fixture
def ledger_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every setting at a fresh home under tmp_path (warehouse, raw zone, landing)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("LEDGER_HOME", str(home))
    for name in (
        "LEDGER_LANDING_DIR",
        "LEDGER_RAW_DIR",
        "LEDGER_WAREHOUSE",
        "LEDGER_PUBLISH_DIR",
        "LEDGER_REPORT_DIR",
        "LEDGER_ENV",
        "LEDGER_DBT_MEMORY_LIMIT",  # follows LEDGER_DUCKDB_MEMORY_LIMIT below
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEDGER_DUCKDB_THREADS", "2")
    monkeypatch.setenv("LEDGER_DUCKDB_MEMORY_LIMIT", "1GB")
    return home


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (initdb into a temp dir, stopped at the end)."""
    if postgres_bindir() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL binaries not found (run scripts/install_system_deps.sh)")
        pytest.skip(
            "PostgreSQL binaries not found; install them with scripts/install_system_deps.sh"
        )
    with local_postgres() as server:
        yield server


# Real webhook and SMTP servers on 127.0.0.1 (see local_servers.py).
from local_servers import mailbox, receiver  # noqa: E402,F401
