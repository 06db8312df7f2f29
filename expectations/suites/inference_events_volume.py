"""Suite for the daily volume of `raw.inference_events`: one row for the validated day.

DuckDB aggregates the day and the `volume_trailing_days` before it (never loading their
rows); the suite expects the day's events and cost within `volume_band_factor` of the
trailing median. With fewer than `volume_min_history_days` earlier days the ratios are
NULL and the expectations have nothing to judge.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import great_expectations.expectations as gxe
import pandas as pd

from expectations.config import QualityConfig
from expectations.core import WARN, SuiteSpec, meta

TABLE = "raw.inference_events"


def build(cfg: QualityConfig) -> list[gxe.Expectation]:
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


def load(
    con: duckdb.DuckDBPyConnection, partition: dt.date | None, cfg: QualityConfig
) -> pd.DataFrame:
    sql = f"""
    WITH daily AS (
        SELECT event_date,
            count(*) AS inference_events,
            sum(coalesce(inference_cost_usd, 0) + coalesce(orchestration_cost_usd, 0)
                + coalesce(tool_cost_usd, 0)) AS total_cost_usd
        FROM {TABLE}
        WHERE event_date BETWEEN CAST(? AS DATE) - {int(cfg.volume_trailing_days)}
                             AND CAST(? AS DATE)
        GROUP BY event_date
    ), history AS (
        SELECT count(*) AS trailing_days,
            median(inference_events) AS median_events,
            median(total_cost_usd) AS median_cost_usd
        FROM daily WHERE event_date < CAST(? AS DATE)
    ), today AS (
        SELECT CAST(? AS DATE) AS date_day,
            coalesce((SELECT inference_events FROM daily WHERE event_date = CAST(? AS DATE)), 0)
                AS inference_events,
            coalesce((SELECT total_cost_usd FROM daily WHERE event_date = CAST(? AS DATE)), 0)
                AS total_cost_usd
    )
    SELECT today.*, history.*,
        CASE WHEN trailing_days >= {int(cfg.volume_min_history_days)} AND median_events > 0
             THEN inference_events / median_events END AS events_ratio,
        CASE WHEN trailing_days >= {int(cfg.volume_min_history_days)} AND median_cost_usd > 0
             THEN total_cost_usd / median_cost_usd END AS cost_ratio
    FROM today, history
    """
    frame = con.execute(sql, [partition] * 6).df()
    for column in ("events_ratio", "cost_ratio", "median_events", "median_cost_usd"):
        frame[column] = frame[column].astype("float64")
    return frame


SUITE = SuiteSpec(
    name="inference_events_volume",
    table=TABLE,
    asset_key=("raw", "inference_events"),
    is_mart=False,
    key_columns=("date_day",),
    build=build,
    load=load,
    description="The day's event count and cost against the trailing median of earlier days.",
)
