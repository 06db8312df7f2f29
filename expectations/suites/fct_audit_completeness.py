"""Suite for the `fct_audit_completeness` mart: tier counts nest and the rate is a ratio.

`tiers_nested` (t2 <= t1 <= t0 <= outputs) and `rate_gap` (completeness_rate minus
t1_outputs / outputs) are derived in DuckDB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import ERROR, SuiteSpec, meta
from expectations.declared import Declared, gxe
from expectations.suites._marts import resolve_mart, within

NAME = "fct_audit_completeness"


def build(cfg: QualityConfig) -> list[Declared]:
    tol = cfg.sum_tolerance
    return [
        within(
            "completeness_rate", 0, 1, "completeness_rate_in_unit_range", "a rate lies in [0, 1]"
        ),
        within(
            "rate_gap",
            -tol,
            tol,
            "completeness_rate_is_t1_share",
            "completeness_rate is t1_outputs / outputs",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tiers_nested",
            value_set=[True],
            meta=meta("tiers_nested", ERROR, "t2 within t1 within t0 within outputs"),
        ),
    ]


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = resolve_mart(con, NAME)
    return f"""
    SELECT date_day, model_version, feature, outputs, t0_outputs, t1_outputs, t2_outputs,
        completeness_rate,
        completeness_rate - t1_outputs / nullif(outputs, 0) AS rate_gap,
        coalesce(t2_outputs <= t1_outputs AND t1_outputs <= t0_outputs
                 AND t0_outputs <= outputs, false) AS tiers_nested
    FROM {table}
    """


SUITE = SuiteSpec(
    name=NAME,
    table=NAME,
    asset_key=(NAME,),
    is_mart=True,
    key_columns=("date_day", "model_version", "feature"),
    build=build,
    select=select,
    description="Audit completeness: completeness_rate in [0, 1] and nested tier counts.",
)
