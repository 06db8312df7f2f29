"""Suite for `raw.tool_calls`: one day of external tool invocations.

`has_both_hashes` is derived in DuckDB: an auditable tool call records the hash of
what went in and, when it succeeded, of what came out (a failed call has no output to
hash, so its missing output hash is not a logging gap).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import (
    DAY_COLUMN,
    ERROR,
    HASH_REGEX,
    STATUSES,
    WARN,
    SuiteSpec,
    days_filter,
    in_warehouse,
    meta,
    present,
)
from expectations.declared import Declared, gxe

TABLE = "raw.tool_calls"
NON_NEGATIVE = ("latency_ms", "retry_count", "cost_usd")


def build(cfg: QualityConfig) -> list[Declared]:
    suite: list[Declared] = [
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


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = in_warehouse(con, TABLE)
    return f"""
    WITH calls AS (
        SELECT tool_call_id, output_id, tool_name, status, event_ts,
               {present("input_hash")}, {present("output_hash")},
               {", ".join(NON_NEGATIVE)}, event_date AS {DAY_COLUMN}
        FROM {table}
        WHERE {days_filter(days or [])}
    )
    SELECT *,
        input_hash IS NOT NULL
        AND (output_hash IS NOT NULL OR status IS DISTINCT FROM 'success') AS has_both_hashes
    FROM calls
    """


SUITE = SuiteSpec(
    name="tool_calls",
    table=TABLE,
    asset_key=("raw", "tool_calls"),
    is_mart=False,
    key_columns=("tool_call_id", "output_id"),
    build=build,
    select=select,
    description="One day of tool calls: status, hashes, latency and cost.",
)
