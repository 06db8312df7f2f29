"""Suite for the `fct_margin_fragility` mart: margins reconcile and rates are ratios.

`margin_gap_usd` (gross margin minus revenue minus cost) is derived in DuckDB; it is NULL
when revenue is unknown, which the mart keeps NULL rather than 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import SuiteSpec
from expectations.declared import Declared
from expectations.suites._marts import resolve_mart, within

NAME = "fct_margin_fragility"


def build(cfg: QualityConfig) -> list[Declared]:
    tol = cfg.sum_tolerance
    return [
        within(
            "margin_gap_usd",
            -tol,
            tol,
            "gross_margin_is_revenue_minus_cost",
            "gross margin is revenue minus total cost",
        ),
        within("revenue_usd", 0, None, "revenue_usd_non_negative", "revenue is >= 0"),
        within("total_cost_usd", 0, None, "total_cost_usd_non_negative", "cost is >= 0"),
        within("cache_hit_rate", 0, 1, "cache_hit_rate_in_unit_range", "a rate lies in [0, 1]"),
        within(
            "hidden_cost_share", 0, 1, "hidden_cost_share_in_unit_range", "a share lies in [0, 1]"
        ),
    ]


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = resolve_mart(con, NAME)
    return f"""
    SELECT month_start, tenant_id, revenue_usd, total_cost_usd, gross_margin_usd,
        cache_hit_rate, hidden_cost_share,
        gross_margin_usd - (revenue_usd - total_cost_usd) AS margin_gap_usd
    FROM {table}
    """


SUITE = SuiteSpec(
    name=NAME,
    table=NAME,
    asset_key=(NAME,),
    is_mart=True,
    key_columns=("month_start", "tenant_id"),
    build=build,
    select=select,
    description="Margin fragility: gross margin reconciles, rates and shares in [0, 1].",
)
