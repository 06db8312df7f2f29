"""Suite for the daily volume of `raw.inference_events`: one row per validated day.

DuckDB aggregates each day and the `volume_trailing_days` before it; the suite expects
the day's events and cost within `volume_band_factor` of the trailing median. With fewer
than `volume_min_history_days` earlier days the ratios are NULL and the expectations have
nothing to judge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from expectations.config import QualityConfig
from expectations.core import DAY_COLUMN, WARN, SuiteSpec, in_warehouse, meta
from expectations.declared import Declared, gxe

TABLE = "raw.inference_events"


def build(cfg: QualityConfig) -> list[Declared]:
    low, high = 1.0 / cfg.volume_band_factor, cfg.volume_band_factor
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="events_ratio",
            min_value=low,
            max_value=high,
            meta=meta(
                "volume_events_in_band", WARN, "day's event count far from the trailing median"
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="cost_ratio",
            min_value=low,
            max_value=high,
            meta=meta("volume_cost_in_band", WARN, "day's cost far from the trailing median"),
        ),
    ]


def select(
    con: duckdb.DuckDBPyConnection, days: Sequence[dt.date] | None, cfg: QualityConfig
) -> str:
    table = in_warehouse(con, TABLE)
    days = list(days or [])
    trailing = int(cfg.volume_trailing_days)
    enough = int(cfg.volume_min_history_days)
    listed = ", ".join(f"DATE '{d.isoformat()}'" for d in days) or "NULL"
    first = min(days).isoformat() if days else "1970-01-01"
    last = max(days).isoformat() if days else "1970-01-01"
    return f"""
    WITH validated AS (
        SELECT DISTINCT date_day FROM (SELECT unnest([{listed}]::DATE[]) AS date_day)
        WHERE date_day IS NOT NULL
    ), daily AS (
        SELECT event_date,
            count(*) AS inference_events,
            sum(coalesce(inference_cost_usd, 0) + coalesce(orchestration_cost_usd, 0)
                + coalesce(tool_cost_usd, 0)) AS total_cost_usd
        FROM {table}
        WHERE event_date BETWEEN DATE '{first}' - {trailing} AND DATE '{last}'
        GROUP BY event_date
    ), history AS (
        SELECT v.date_day,
            count(h.event_date) AS trailing_days,
            median(h.inference_events) AS median_events,
            median(h.total_cost_usd) AS median_cost_usd
        FROM validated v
        LEFT JOIN daily h
          ON h.event_date >= v.date_day - {trailing} AND h.event_date < v.date_day
        GROUP BY v.date_day
    ), today AS (
        SELECT v.date_day,
            coalesce(d.inference_events, 0) AS inference_events,
            coalesce(d.total_cost_usd, 0) AS total_cost_usd
        FROM validated v LEFT JOIN daily d ON d.event_date = v.date_day
    )
    SELECT t.date_day, t.inference_events, t.total_cost_usd,
        h.trailing_days, CAST(h.median_events AS DOUBLE) AS median_events,
        CAST(h.median_cost_usd AS DOUBLE) AS median_cost_usd,
        CASE WHEN h.trailing_days >= {enough} AND h.median_events > 0
             THEN t.inference_events / h.median_events END::DOUBLE AS events_ratio,
        CASE WHEN h.trailing_days >= {enough} AND h.median_cost_usd > 0
             THEN t.total_cost_usd / h.median_cost_usd END::DOUBLE AS cost_ratio,
        t.date_day AS {DAY_COLUMN}
    FROM today t JOIN history h USING (date_day)
    """


SUITE = SuiteSpec(
    name="inference_events_volume",
    table=TABLE,
    asset_key=("raw", "inference_events"),
    is_mart=False,
    key_columns=("date_day",),
    build=build,
    select=select,
    description="The day's event count and cost against the trailing median of earlier days.",
)
