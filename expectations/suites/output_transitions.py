"""Suite for `raw.output_transitions`: one day of output state changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import (
    DAY_COLUMN,
    ERROR,
    HASH_REGEX,
    STATES,
    TRIGGERS,
    WARN,
    SuiteSpec,
    days_filter,
    in_warehouse,
    meta,
    present,
)
from expectations.declared import Declared, gxe

TABLE = "raw.output_transitions"


def build(cfg: QualityConfig) -> list[Declared]:
    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="state",
            meta=meta("state_present", ERROR, "a transition without a state changes nothing"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="state",
            value_set=STATES,
            meta=meta("state_canonical", ERROR, "state must be draft, committed or rejected"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="trigger_type",
            value_set=TRIGGERS,
            meta=meta("trigger_type_canonical", ERROR, "trigger outside the taxonomy"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="event_ts",
            meta=meta("event_ts_present", ERROR, "a transition without a time cannot be ordered"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_ts",
            min_value=cfg.horizon,
            max_value=cfg.now,
            meta=meta(
                "event_ts_plausible", ERROR, "transition times in the future or before the horizon"
            ),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="content_hash",
            regex=HASH_REGEX,
            meta=meta("content_hash_format", ERROR, "hashes are lowercase hex, 16 or 64 chars"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="content_hash",
            mostly=cfg.provenance_mostly,
            meta=meta("content_hash_present", WARN, "output content cannot be verified later"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="trace_id",
            mostly=cfg.provenance_mostly,
            meta=meta("provenance_trace_id", WARN, "transition not linked to its trace"),
        ),
    ]


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = in_warehouse(con, TABLE)
    return f"""
    SELECT transition_id, output_id, state, trigger_type, event_ts,
           {present("trace_id")}, {present("content_hash")}, event_date AS {DAY_COLUMN}
    FROM {table}
    WHERE {days_filter(days or [])}
    """


SUITE = SuiteSpec(
    name="output_transitions",
    table=TABLE,
    asset_key=("raw", "output_transitions"),
    is_mart=False,
    key_columns=("transition_id", "output_id"),
    build=build,
    select=select,
    description="One day of output state transitions: states, times, content hashes.",
)
