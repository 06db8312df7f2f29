"""Suite for the `fct_cost_per_outcome` mart: cost subsets stay within the total, money >= 0.

Retry and hidden cost are parts of the total, never additions: `retry_excess_usd` and
`hidden_excess_usd` (subset minus total) are derived in DuckDB. That the total is exactly
inference + orchestration + tool cost is an accounting identity, so it has one home: the
dbt test `accounting_identity` on this model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import SuiteSpec
from expectations.declared import Declared
from expectations.suites._marts import resolve_mart, within

NAME = "fct_cost_per_outcome"
MONEY = (
    "total_cost_usd",
    "inference_cost_usd",
    "orchestration_cost_usd",
    "tool_cost_usd",
    "retry_cost_usd",
    "hidden_cost_usd",
)


def build(cfg: QualityConfig) -> list[Declared]:
    tol = cfg.sum_tolerance
    suite = [
        within(
            "retry_excess_usd", None, tol, "retry_cost_within_total", "retry cost is part of total"
        ),
        within(
            "hidden_excess_usd",
            None,
            tol,
            "hidden_cost_within_total",
            "hidden cost is part of total",
        ),
        within("inference_events", 0, None, "inference_events_non_negative", "counts are >= 0"),
        within("committed_outcomes", 0, None, "committed_outcomes_non_negative", "counts >= 0"),
    ]
    suite += [
        within(column, 0, None, f"{column}_non_negative", f"negative {column} is impossible")
        for column in MONEY
    ]
    return suite


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = resolve_mart(con, NAME)
    return f"""
    SELECT date_day, model_version, prompt_version, feature, tenant_id,
        inference_events, committed_outcomes, {", ".join(MONEY)},
        retry_cost_usd - total_cost_usd AS retry_excess_usd,
        hidden_cost_usd - total_cost_usd AS hidden_excess_usd
    FROM {table}
    """


SUITE = SuiteSpec(
    name=NAME,
    table=NAME,
    asset_key=(NAME,),
    is_mart=True,
    key_columns=("date_day", "model_version", "prompt_version", "feature", "tenant_id"),
    build=build,
    select=select,
    description="Cost per outcome: retry and hidden cost within the total, money and counts >= 0.",
)
