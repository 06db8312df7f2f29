"""Suite for `raw.approvals`: one day of human decisions on outputs.

`has_approver_and_time` is derived in DuckDB: an approval counts for the audit trail only
when it says who decided and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import (
    APPROVAL_ACTIONS,
    DAY_COLUMN,
    ERROR,
    WARN,
    SuiteSpec,
    days_filter,
    in_warehouse,
    meta,
    present,
)
from expectations.declared import Declared, gxe

TABLE = "raw.approvals"


def build(cfg: QualityConfig) -> list[Declared]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="action",
            meta=meta("action_present", ERROR, "an approval records what was decided"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="action",
            value_set=APPROVAL_ACTIONS,
            meta=meta(
                "action_canonical", ERROR, "action must be approve, reject, escalate or override"
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_ts",
            min_value=cfg.horizon,
            max_value=cfg.now,
            meta=meta(
                "event_ts_plausible", ERROR, "decision times in the future or before the horizon"
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_approver_and_time",
            value_set=[True],
            mostly=cfg.provenance_mostly,
            meta=meta("approver_and_time", WARN, "approval without approver or time"),
        ),
    ]


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = in_warehouse(con, TABLE)
    return f"""
    WITH decisions AS (
        SELECT approval_id, output_id, action, event_ts, {present("approver")},
               event_date AS {DAY_COLUMN}
        FROM {table}
        WHERE {days_filter(days or [])}
    )
    SELECT *, approver IS NOT NULL AND event_ts IS NOT NULL AS has_approver_and_time
    FROM decisions
    """


SUITE = SuiteSpec(
    name="approvals",
    table=TABLE,
    asset_key=("raw", "approvals"),
    is_mart=False,
    key_columns=("approval_id", "output_id"),
    build=build,
    select=select,
    description="One day of approvals: actions, approver and time.",
)
