"""Freshness of the headline marts: older than a day and a bit means a night was missed."""

import datetime as dt
import os

import dagster as dg

HEADLINE_MARTS = frozenset(
    {
        "fct_cost_per_outcome",
        "fct_control_surface_drift",
        "fct_margin_fragility",
        "fct_audit_completeness",
        "fct_metric_health",
    }
)
MAX_AGE_HOURS = float(os.environ.get("LEDGER_MART_MAX_AGE_HOURS", "26"))

MART_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=MAX_AGE_HOURS),
    warn_window=dt.timedelta(hours=MAX_AGE_HOURS - 2),
)


def with_mart_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Attach the nightly freshness policy to a headline mart's spec; others pass through."""
    if spec.key.path[-1] in HEADLINE_MARTS:
        return dg.apply_freshness_policy(spec, MART_FRESHNESS)
    return spec
