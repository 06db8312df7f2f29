"""Read the four headline results from a built warehouse (the reference)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.alternatives.results import Results, from_rows


def read(warehouse: Path) -> Results:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return from_rows(
            con.execute(
                "select date_day, cost_per_outcome_event_window "
                "from marts.cost_per_outcome_event_window"
            ).fetchall(),
            con.execute(
                "select week_start, hidden_recompute_ratio from marts.fct_control_surface_weekly"
            ).fetchall(),
            con.execute(
                "select period_start, value from marts.fct_metric_health "
                "where metric = 'missing_provenance_rate' and period_grain = 'day'"
                " and scope = 'all'"
            ).fetchall(),
            con.execute(
                "select week_start, trigger_type, total_cost_usd "
                "from marts.fct_control_surface_drift where inference_events > 0"
            ).fetchall(),
        )
    finally:
        con.close()
