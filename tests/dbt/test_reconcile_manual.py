"""The manual-compatible mart columns equal the operations manual's own diagnostic SQL.

The same raw data is laid out as the manual's flat `inference_events` table (one row per
call: result_id, timestamp, trigger_type, model_version, cost_usd, and the state column the
manual's middleware keeps current), then the manual's queries run on it in plain DuckDB.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator

import duckdb
import pytest
from dbt_harness import BuiltWarehouse

# The manual's flat table, built straight from the raw zone (not from any dbt model).
FLAT_TABLE = """
create temp table inference_events as
with last_state as (
    select output_id, state
    from raw.output_transitions
    qualify row_number() over (
        partition by output_id order by event_ts desc, transition_id desc
    ) = 1
)
select
    e.event_id,
    e.event_ts as "timestamp",
    nullif(lower(trim(e.trace_id)), '') as trace_id,
    case when lower(trim(e.model_version)) in ('', 'unknown', 'none', 'null') then null
         else e.model_version end as model_version,
    coalesce(e.trigger_type, 'unknown') as trigger_type,
    e.output_id as result_id,
    coalesce(s.state, e.state) as state,
    coalesce(e.inference_cost_usd, 0) + coalesce(e.orchestration_cost_usd, 0)
        + coalesce(e.tool_cost_usd, 0) as cost_usd
from raw.inference_events as e
left join last_state as s on s.output_id = e.output_id
"""

# The manual's diagnostic queries, one period at a time ($1 = period start, $2 = end).
COST_PER_OUTCOME = """
select sum(cost_usd) / nullif(count(distinct case when state = 'committed' then result_id end), 0)
from inference_events where "timestamp" >= $1 and "timestamp" < $2
"""
HIDDEN_RATIO = """
select count(*) filter (where trigger_type in ('undo', 'auto_save', 'retry', 'background'))::double
       / count(*)
from inference_events where "timestamp" >= $1 and "timestamp" < $2
"""
MISSING_PROVENANCE = """
select count(*) filter (where trace_id is null or model_version is null)::double / count(*)
from inference_events where "timestamp" >= $1 and "timestamp" < $2
"""
COST_BY_TRIGGER = """
select trigger_type, sum(cost_usd) from inference_events
where "timestamp" >= $1 and "timestamp" < $2 group by trigger_type
"""


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.fixture(scope="module")
def manual(
    build_scenario: Callable[[str], BuiltWarehouse],
) -> Iterator[tuple[BuiltWarehouse, duckdb.DuckDBPyConnection]]:
    built = build_scenario("compliance-gap")
    con = duckdb.connect(str(built.path), read_only=True)
    con.execute(FLAT_TABLE)
    yield built, con
    con.close()


def test_cost_per_outcome_event_window_matches_manual_query(
    manual: tuple[BuiltWarehouse, duckdb.DuckDBPyConnection],
) -> None:
    _, con = manual
    rows = con.execute(
        "select date_day, cost_per_outcome_event_window from marts.cost_per_outcome_event_window"
    ).fetchall()
    assert rows
    for day, value in rows:
        (expected,) = con.execute(COST_PER_OUTCOME, [day, day + dt.timedelta(days=1)]).fetchone()
        assert _close(value, expected), day


def test_hidden_ratio_and_cost_by_trigger_match_manual_queries(
    manual: tuple[BuiltWarehouse, duckdb.DuckDBPyConnection],
) -> None:
    _, con = manual
    weeks = con.execute(
        "select week_start, hidden_recompute_ratio from marts.fct_control_surface_weekly"
    ).fetchall()
    assert weeks
    for week, ratio in weeks:
        end = week + dt.timedelta(days=7)
        (expected,) = con.execute(HIDDEN_RATIO, [week, end]).fetchone()
        assert _close(ratio, expected), week
        manual_costs = dict(con.execute(COST_BY_TRIGGER, [week, end]).fetchall())
        mart_costs = dict(
            con.execute(
                "select trigger_type, total_cost_usd from marts.fct_control_surface_drift"
                " where week_start = $1 and inference_events > 0",
                [week],
            ).fetchall()
        )
        assert mart_costs.keys() == manual_costs.keys()
        for trigger, cost in manual_costs.items():
            assert _close(mart_costs[trigger], cost), (week, trigger)


def test_missing_provenance_matches_manual_query(
    manual: tuple[BuiltWarehouse, duckdb.DuckDBPyConnection],
) -> None:
    _, con = manual
    rows = con.execute(
        "select period_start, value from marts.fct_metric_health"
        " where metric = 'missing_provenance_rate' and period_grain = 'day'"
    ).fetchall()
    assert rows
    nonzero = 0
    for day, value in rows:
        (expected,) = con.execute(MISSING_PROVENANCE, [day, day + dt.timedelta(days=1)]).fetchone()
        assert _close(value, expected), day
        nonzero += expected > 0
    # compliance-gap drops model versions: the comparison is not vacuous.
    assert nonzero > 0
