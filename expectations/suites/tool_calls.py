"""Suite for `raw.tool_calls`: one day of external tool invocations.

`has_both_hashes` is derived after reading: an auditable tool call records the hash of
what went in and, when it succeeded, of what came out (a failed call has no output to
hash, so its missing output hash is not a logging gap).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import great_expectations.expectations as gxe
import pandas as pd

from expectations.config import QualityConfig
from expectations.core import (
    ERROR,
    HASH_REGEX,
    STATUSES,
    WARN,
    SuiteSpec,
    meta,
    present,
    utc_naive,
)

TABLE = "raw.tool_calls"
NON_NEGATIVE = ("latency_ms", "retry_count", "cost_usd")


def build(cfg: QualityConfig) -> list[gxe.Expectation]:
    suite: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(
            column="tool_name",
            meta=meta("tool_name_present", ERROR, "a tool call names its tool"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=STATUSES,
            meta=meta("status_canonical", ERROR, "status must be success, failed or timeout"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_ts",
            min_value=cfg.horizon,
            max_value=cfg.now,
            meta=meta(
                "event_ts_plausible", ERROR, "call times in the future or before the horizon"
            ),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="input_hash",
            regex=HASH_REGEX,
            meta=meta("input_hash_format", ERROR, "hashes are lowercase hex, 16 or 64 chars"),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="output_hash",
            regex=HASH_REGEX,
            meta=meta("output_hash_format", ERROR, "hashes are lowercase hex, 16 or 64 chars"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="has_both_hashes",
            value_set=[True],
            mostly=cfg.provenance_mostly,
            meta=meta(
                "hashes_present",
                WARN,
                "tool call without its input (or, if it succeeded, output) hash",
            ),
        ),
    ]
    suite += [
        gxe.ExpectColumnValuesToBeBetween(
            column=column,
            min_value=0,
            meta=meta(f"{column}_non_negative", ERROR, f"negative {column} is impossible"),
        )
        for column in NON_NEGATIVE
    ]
    return suite


def load(
    con: duckdb.DuckDBPyConnection, partition: dt.date | None, cfg: QualityConfig
) -> pd.DataFrame:
    sql = f"""
    SELECT tool_call_id, output_id, tool_name, status, event_ts,
           {present("input_hash")}, {present("output_hash")},
           {", ".join(NON_NEGATIVE)}
    FROM {TABLE}
    WHERE event_date = ?
    """
    frame = con.execute(sql, [partition]).df()
    frame["has_both_hashes"] = frame["input_hash"].notna() & (
        frame["output_hash"].notna() | (frame["status"] != "success")
    )
    return utc_naive(frame, "event_ts")


SUITE = SuiteSpec(
    name="tool_calls",
    table=TABLE,
    asset_key=("raw", "tool_calls"),
    is_mart=False,
    key_columns=("tool_call_id", "output_id"),
    build=build,
    load=load,
    description="One day of tool calls: status, hashes, latency and cost.",
)
