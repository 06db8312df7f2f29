"""Suite for `raw.inference_events`: one day (partition) of canonical inference events.

Only the days' rows and the columns below are selected. Two values are derived in DuckDB
before validation: placeholders in provenance fields become NULL, and
`untagged_retry` marks a retry-looking repeat: an event of the same trace and output
(or, for events without an output, the same step) as an earlier one within
`retry_window_seconds`, logged as an explicit (or unknown) call with no user action
beyond `generate`, yet with no `is_retry`, no `retry` trigger and no `retry_count`.
Undo, auto-save, edits and regenerations explain their repeats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import (
    COST_SOURCES,
    DAY_COLUMN,
    DEPLOYMENTS,
    ERROR,
    HASH_REGEX,
    SCRATCH_CATALOG,
    STATES,
    STATUSES,
    TRIGGERS,
    WARN,
    SuiteSpec,
    days_filter,
    in_warehouse,
    meta,
    present,
)
from expectations.declared import Declared, gxe

TABLE = "raw.inference_events"
PROVENANCE = ("trace_id", "model_version", "prompt_version", "context_hash")
NON_NEGATIVE = (
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "inference_cost_usd",
    "orchestration_cost_usd",
    "tool_cost_usd",
    "latency_ms",
    "retry_count",
)


def build(cfg: QualityConfig) -> list[Declared]:
    suite: list[Declared] = [
        gxe.ExpectColumnValuesToNotBeNull(
            column="event_ts",
            meta=meta("event_ts_present", ERROR, "an event without a time cannot be placed"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_ts",
            min_value=cfg.horizon,
            max_value=cfg.now,
            meta=meta(
                "event_ts_plausible", ERROR, "event times in the future or before the horizon"
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="state",
            value_set=STATES,
            meta=meta("state_canonical", ERROR, "state must be draft, committed or rejected"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="trigger_type",
            meta=meta("trigger_type_present", ERROR, "canonicalization maps null to unknown"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="trigger_type",
            value_set=TRIGGERS,
            meta=meta("trigger_type_canonical", ERROR, "trigger outside the taxonomy"),
        ),
        gxe.ExpectColumnValuesToNotBeInSet(
            column="trigger_type",
            value_set=["unknown"],
            mostly=1.0 - cfg.unknown_trigger_max_share,
            meta=meta("unknown_trigger_share", WARN, "too many events whose cause is not logged"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=STATUSES,
            meta=meta("status_canonical", ERROR, "status must be success, failed or timeout"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="cost_source",
            value_set=COST_SOURCES,
            meta=meta(
                "cost_source_canonical", ERROR, "cost source must be logged, priced or unpriced"
            ),
        ),
        gxe.ExpectColumnValuesToNotBeInSet(
            column="cost_source",
            value_set=["unpriced"],
            mostly=1.0 - cfg.unpriced_max_share,
            meta=meta("unpriced_share", WARN, "calls of models missing from the price table"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="deployment",
            value_set=DEPLOYMENTS,
            meta=meta("deployment_canonical", ERROR, "deployment must be api or owned"),
        ),
    ]
    suite += [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column,
            mostly=cfg.provenance_mostly,
            meta=meta(
                f"provenance_{column}", WARN, f"{column} missing: the call cannot be audited"
            ),
        )
        for column in PROVENANCE
    ]
    suite.append(
        gxe.ExpectColumnValuesToMatchRegex(
            column="context_hash",
            regex=HASH_REGEX,
            meta=meta("context_hash_format", ERROR, "hashes are lowercase hex, 16 or 64 chars"),
        )
    )
    suite += [
        gxe.ExpectColumnValuesToBeBetween(
            column=column,
            min_value=0,
            meta=meta(f"{column}_non_negative", ERROR, f"negative {column} is impossible"),
        )
        for column in NON_NEGATIVE
    ]
    suite += [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="input_tokens",
            column_B="cached_input_tokens",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=meta("cached_within_input", ERROR, "cached tokens are part of input tokens"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="untagged_retry",
            value_set=[False],
            mostly=1.0 - cfg.untagged_retry_max_share,
            meta=meta(
                "retries_tagged", WARN, "retry-looking repeats without is_retry or retry trigger"
            ),
        ),
    ]
    return suite


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = in_warehouse(con, TABLE)
    untagged = f"{SCRATCH_CATALOG}.main.untagged_retries"
    con.execute(
        f"CREATE OR REPLACE TABLE {untagged} AS {untagged_retries_sql(table, days or [], cfg)}"
    )
    provenance = ", ".join(present(c) for c in PROVENANCE)
    return f"""
    SELECT event_id, event_ts, output_id, state, trigger_type, status, cost_source,
           deployment, {provenance}, {", ".join(NON_NEGATIVE)},
           event_date AS {DAY_COLUMN},
           event_id IN (SELECT event_id FROM {untagged}) AS untagged_retry
    FROM {table}
    WHERE {days_filter(days or [])}
    """


def untagged_retries_sql(table: str, days: Sequence[dt.date], cfg: QualityConfig) -> str:
    """The ids of the days' untagged retries.

    The window sorts only what it needs (sorting every validated column took four times as
    long at 10M events); ties in time are broken by id, so the result does not depend on
    the order rows are read in. A repeat is looked for within the event's own day, so a day
    is judged the same whichever other days are validated with it. An output's events and
    an output-less step's events are separate groups; a placeholder trace id groups nothing
    (it is not an id).
    """
    return f"""
    WITH ordered AS (
        SELECT event_id, event_ts, trace_id, output_id, step_id,
            trigger_type IN ('user_explicit', 'unknown')
              AND coalesce(user_action, 'generate') = 'generate'
              AND NOT coalesce(is_retry, false)
              AND coalesce(retry_count, 0) = 0 AS looks_explicit,
            lag(event_ts) OVER (
                PARTITION BY event_date, trace_id, output_id,
                             CASE WHEN output_id IS NULL THEN step_id END
                ORDER BY event_ts, event_id
            ) AS prev_ts
        FROM {table}
        WHERE {days_filter(days)}
    ), repeats AS (
        SELECT event_id, output_id, step_id, {present("trace_id")}
        FROM ordered
        WHERE looks_explicit AND prev_ts IS NOT NULL
          AND event_ts - prev_ts <= INTERVAL {int(cfg.retry_window_seconds)} SECOND
    )
    SELECT event_id FROM repeats
    WHERE trace_id IS NOT NULL AND coalesce(output_id, step_id) IS NOT NULL
    """


SUITE = SuiteSpec(
    name="inference_events",
    table=TABLE,
    asset_key=("raw", "inference_events"),
    is_mart=False,
    key_columns=("event_id", "output_id"),
    build=build,
    select=select,
    description="One day of canonical inference events: enums, provenance, costs, times.",
)
