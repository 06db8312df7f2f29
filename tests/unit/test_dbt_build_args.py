"""The `dbt build` arguments of a scheduled run: its window, and what it leaves to the tests."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg
import pytest

from orchestration.defs.transform.assets import dbt_build_args, nightly_window_environment
from orchestration.lib.run_modes import BACKFILL, NIGHTLY

WINDOW = dg.TimeWindow(
    dt.datetime(2026, 1, 5, tzinfo=dt.UTC), dt.datetime(2026, 1, 8, tzinfo=dt.UTC)
)


@pytest.mark.parametrize(
    ("mode", "window", "expected"),
    [
        (NIGHTLY, None, ["build", "--exclude", "resource_type:unit_test"]),
        # The nightly run's window goes through the environment, never --vars.
        (NIGHTLY, WINDOW, ["build", "--exclude", "resource_type:unit_test"]),
        (
            BACKFILL,
            WINDOW,
            [
                "build",
                "--exclude",
                "resource_type:unit_test",
                "--vars",
                json.dumps({"end_date": "2026-01-08", "start_date": "2026-01-05"}),
            ],
        ),
    ],
)
def test_build_args(mode: str, window: dg.TimeWindow | None, expected: list[str]) -> None:
    assert dbt_build_args(mode, window) == expected


def test_the_nightly_window_start_is_an_environment_variable() -> None:
    late = dt.date(2026, 1, 2)
    assert nightly_window_environment(NIGHTLY, late) == {"LEDGER_DBT_START_DATE": "2026-01-02"}
    assert nightly_window_environment(NIGHTLY, None) == {"LEDGER_DBT_START_DATE": ""}
    assert nightly_window_environment(BACKFILL, late) == {"LEDGER_DBT_START_DATE": ""}
