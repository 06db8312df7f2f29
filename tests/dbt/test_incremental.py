"""Incremental runs equal a full refresh.

The raw zone is replayed one generated day at a time (each day's files carry that day's
events and the state transitions and approvals that happened that day, so commits of older
outputs arrive late), with `dbt run` after each day: first with the default lookback, then
with the orchestrator's explicit partition window. One early day's files arrive only after
all the others and are backfilled with that day's window, so rollups whose later periods
read earlier ones (growth rates, trailing baselines) must update those too. Every table
must then equal a full build of the same raw data.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path
from typing import Any

import dbt_raw_zone
import duckdb
import pytest
from dbt_harness import dbt_env, dbt_invoke, generate_landing

from inference_ledger.dbt_runner import DbtInvocation, DbtRunError, run_dbt, window_vars

DAYS = 10
FIRST_BATCH = 7  # days loaded before the first (full) build
LATE_DAY = 3  # this day's files arrive last and are backfilled with its own window
# Data and unit tests run in the scenario builds; here only the transformations matter.
NO_TESTS = ("resource_type:test", "resource_type:unit_test")


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table the project materializes (intermediate and marts), rows sorted."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE'"
            " order by 1"
        ).fetchall()
        return {
            name: con.execute(f"select * from {name} order by all").fetchall() for (name,) in tables
        }
    finally:
        con.close()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dt.date]]:
    work = tmp_path_factory.mktemp("dbt-incremental")
    landing = generate_landing(work / "landing", "overwritten-state", days=DAYS, events=60)
    truth = json.loads((landing / "ground_truth.json").read_text(encoding="utf-8"))
    start = dt.date.fromisoformat(truth["start_date"])
    days = [start + dt.timedelta(days=i) for i in range(DAYS)]

    full = work / "full.duckdb"
    dbt_raw_zone.build_from_landing(full, landing)
    dbt_invoke(full, work / "full", "build", full_refresh=True, exclude=NO_TESTS)

    incremental = work / "incremental.duckdb"
    first = [day for day in days[:FIRST_BATCH] if day != days[LATE_DAY]]
    dbt_raw_zone.build_from_landing(incremental, landing, first)
    dbt_invoke(incremental, work / "inc", "build", full_refresh=True, exclude=NO_TESTS)
    for index, day in enumerate(days[FIRST_BATCH:], start=FIRST_BATCH):
        dbt_raw_zone.build_from_landing(incremental, landing, [day])
        if index < FIRST_BATCH + 2:
            dbt_invoke(incremental, work / "inc", "run")
        else:
            dbt_invoke(incremental, work / "inc", "run", vars=_window(day))
    late = days[LATE_DAY]
    dbt_raw_zone.build_from_landing(incremental, landing, [late])
    dbt_invoke(incremental, work / "inc", "run", vars=_window(late))
    return full, incremental, days


def _window(day: dt.date) -> dict[str, str]:
    return window_vars(day.isoformat(), (day + dt.timedelta(days=1)).isoformat())


def test_late_commits_exist_in_replay(replay: tuple[Path, Path, list[dt.date]]) -> None:
    # Without outputs committed on a later day than their first event the replay would not
    # exercise the late-commit path at all.
    full, _, _ = replay
    con = duckdb.connect(str(full), read_only=True)
    try:
        (late,) = con.execute(
            "select count(*) from intermediate.int_outputs_resolved"
            " where commit_date > first_event_date"
        ).fetchone()
    finally:
        con.close()
    assert late > 0


def test_daily_incremental_runs_equal_full_refresh(
    replay: tuple[Path, Path, list[dt.date]],
) -> None:
    full, incremental, _ = replay
    expected, actual = _marts(full), _marts(incremental)
    assert expected.keys() == actual.keys()
    assert "marts.fct_cost_per_outcome" in expected
    differing = {}
    for table, rows in expected.items():
        if len(actual[table]) != len(rows):
            differing[table] = (len(rows), len(actual[table]))
            continue
        for want, got in zip(rows, actual[table], strict=True):
            if not all(_same(a, b) for a, b in zip(want, got, strict=True)):
                differing[table] = (want, got)
                break
    assert not differing, differing


def _on_a_copy(
    warehouse: Path, tmp_path: Path, command: str, model: str, **options: Any
) -> tuple[Path, DbtInvocation]:
    """A scratch copy of `warehouse` and a dbt `command` on `model` against it."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse, copy)
    invocation = DbtInvocation(
        command=command,
        select=(model,),
        target_path=tmp_path / "target",
        log_path=tmp_path / "logs",
        **options,
    )
    return copy, invocation


def test_a_window_start_from_the_environment_must_be_a_date(
    replay: tuple[Path, Path, list[dt.date]], tmp_path: Path
) -> None:
    # The nightly run hands its late-data start to dbt in LEDGER_DBT_START_DATE, which ends
    # up inside SQL: anything but an ISO date stops the model before it runs.
    _, incremental, _ = replay
    warehouse, invocation = _on_a_copy(
        incremental, tmp_path, "run", "int_inference_events_enriched"
    )
    hostile = {**dbt_env(warehouse), "LEDGER_DBT_START_DATE": "2025-01-01' or true --"}
    with pytest.raises(DbtRunError, match="int_inference_events_enriched"):
        run_dbt(invocation, env=hostile)
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "window start must be an ISO date" in log
    valid = {**dbt_env(warehouse), "LEDGER_DBT_START_DATE": "2025-01-01"}
    run_dbt(invocation, env=valid)


def _set_final_state(warehouse: Path, last_activity: str, state: str) -> str:
    """Give one output whose last activity matches `last_activity` an invalid final state."""
    con = duckdb.connect(str(warehouse))
    try:
        (output_id,) = con.execute(
            "select min(output_id) from intermediate.int_outputs_resolved"
            f" where last_activity_date {last_activity}"
        ).fetchone()
        assert output_id is not None
        con.execute(
            "update intermediate.int_outputs_resolved set final_state = ? where output_id = ?",
            [state, output_id],
        )
    finally:
        con.close()
    return output_id


def test_a_nightly_window_limits_event_grain_data_tests_to_its_rows(
    replay: tuple[Path, Path, list[dt.date]], tmp_path: Path
) -> None:
    # With a reprocessing window, tests over the event-grain models check the rows the run
    # rewrote: a fault in an older row is left to builds without a window, which read all.
    _, incremental, days = replay
    warehouse, invocation = _on_a_copy(
        incremental, tmp_path, "test", "int_outputs_resolved", exclude=("resource_type:unit_test",)
    )
    window_start = days[-2].isoformat()
    nightly = {**dbt_env(warehouse), "LEDGER_DBT_START_DATE": window_start}

    _set_final_state(warehouse, f"< date '{window_start}'", "bogus")
    run_dbt(invocation, env=nightly)
    with pytest.raises(DbtRunError, match="accepted_values_int_outputs_resolved_final_state"):
        run_dbt(invocation, env=dbt_env(warehouse))

    _set_final_state(warehouse, f">= date '{window_start}'", "bogus")
    with pytest.raises(DbtRunError, match="accepted_values_int_outputs_resolved_final_state"):
        run_dbt(invocation, env=nightly)
