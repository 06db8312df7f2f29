"""How a run was started, carried in a run tag, so assets know whether to pass a window."""

from __future__ import annotations

from collections.abc import Mapping

MODE_TAG = "ledger/mode"
NIGHTLY = "nightly"
BACKFILL = "backfill"
MANUAL = "manual"


def run_mode(tags: Mapping[str, str]) -> str:
    """`nightly` (no dbt window), `backfill` or `manual` (the partition window is passed)."""
    return tags.get(MODE_TAG, MANUAL)
