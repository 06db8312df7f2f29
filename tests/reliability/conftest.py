"""Fixtures of the reliability suite (helpers live in rel_helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def isolated_env(ledger_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("LEDGER_") and name not in (
            "LEDGER_HOME",
            "LEDGER_DUCKDB_THREADS",
            "LEDGER_DUCKDB_MEMORY_LIMIT",
        ):
            monkeypatch.delenv(name, raising=False)
    return ledger_home
