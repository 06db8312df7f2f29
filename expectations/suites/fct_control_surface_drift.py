"""Suite for the `fct_control_surface_drift` mart: per week, event and cost shares sum to 1.

The weekly sums are derived in DuckDB (a window per `week_start`) and repeated on each row;
a week with no cost has NULL cost shares and nothing to sum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import SuiteSpec
from expectations.declared import Declared
from expectations.suites._marts import resolve_mart, within

NAME = "fct_control_surface_drift"


def build(cfg: QualityConfig) -> list[Declared]:
    tol = cfg.sum_tolerance
    return [
        within("event_share", 0, 1, "event_share_in_unit_range", "a share lies in [0, 1]"),
        within("cost_share", 0, 1, "cost_share_in_unit_range", "a share lies in [0, 1]"),
        within(
            "week_event_share_sum",
            1 - tol,
            1 + tol,
            "event_shares_sum_to_one",
            "trigger shares of a week's events add up to 1",
        ),
        within(
            "week_cost_share_sum",
            1 - tol,
            1 + tol,
            "cost_shares_sum_to_one",
            "trigger shares of a week's cost add up to 1",
        ),
        within("total_cost_usd", 0, None, "total_cost_usd_non_negative", "cost is >= 0"),
        within("inference_events", 0, None, "inference_events_non_negative", "counts are >= 0"),
    ]


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = resolve_mart(con, NAME)
    return f"""
    SELECT week_start, trigger_type, inference_events, total_cost_usd,
        event_share, cost_share,
        sum(event_share) OVER (PARTITION BY week_start) AS week_event_share_sum,
        sum(cost_share) OVER (PARTITION BY week_start) AS week_cost_share_sum
    FROM {table}
    """


SUITE = SuiteSpec(
    name=NAME,
    table=NAME,
    asset_key=(NAME,),
    is_mart=True,
    key_columns=("week_start", "trigger_type"),
    build=build,
    select=select,
    description="Control-surface drift: shares in [0, 1] that sum to 1 per week.",
)
