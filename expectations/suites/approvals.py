"""Suite for `raw.approvals`: one day of human decisions on outputs.

`has_approver_and_time` is derived in DuckDB: an approval counts for the audit trail only
when it says who decided and when.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import great_expectations.expectations as gxe
import pandas as pd

from expectations.config import QualityConfig
from expectations.core import APPROVAL_ACTIONS, ERROR, WARN, SuiteSpec, meta, present, utc_naive

TABLE = "raw.approvals"


def build(cfg: QualityConfig) -> list[gxe.Expectation]:
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


def load(
    con: duckdb.DuckDBPyConnection, partition: dt.date | None, cfg: QualityConfig
) -> pd.DataFrame:
    sql = f"""
    SELECT approval_id, output_id, action, event_ts, {present("approver")}
    FROM {TABLE}
    WHERE event_date = ?
    """
    frame = con.execute(sql, [partition]).df()
    frame["has_approver_and_time"] = frame["approver"].notna() & frame["event_ts"].notna()
    return utc_naive(frame, "event_ts")


SUITE = SuiteSpec(
    name="approvals",
    table=TABLE,
    asset_key=("raw", "approvals"),
    is_mart=False,
    key_columns=("approval_id", "output_id"),
    build=build,
    load=load,
    description="One day of approvals: actions, approver and time.",
)
