"""Tolerances of the quality suites, derived from the metric bands where a band exists."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from inference_ledger.thresholds import band


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _default_horizon() -> dt.datetime:
    """Oldest plausible event time: `LEDGER_DQ_HORIZON` (ISO date) or ten years back."""
    text = os.environ.get("LEDGER_DQ_HORIZON", "").strip()
    if text:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    return _utc_now() - dt.timedelta(days=3650)


def _completeness_tolerance() -> float:
    # The warning edge of completeness_rate is the share of records that must carry their
    # provenance; below it the auditability gap is worth a warning.
    warning = band("completeness_rate").warning
    return 0.95 if warning is None else float(warning)


def _unknown_trigger_max() -> float:
    warning = band("unknown_trigger_share").warning
    return 0.05 if warning is None else float(warning)


@dataclass(frozen=True)
class QualityConfig:
    """Every tolerance a suite uses; times are naive UTC."""

    now: dt.datetime = field(default_factory=_utc_now)
    horizon: dt.datetime = field(default_factory=_default_horizon)
    provenance_mostly: float = field(default_factory=_completeness_tolerance)
    unknown_trigger_max_share: float = field(default_factory=_unknown_trigger_max)
    unpriced_max_share: float = 0.01
    untagged_retry_max_share: float = 0.01
    # Unlogged retries follow the attempt they repeat within seconds to minutes.
    retry_window_seconds: int = 300
    # A day's events or cost further than this factor from the trailing median is anomalous.
    volume_band_factor: float = 3.0
    volume_trailing_days: int = 14
    volume_min_history_days: int = 3
    # Mart identities hold up to float rounding of summed money.
    sum_tolerance: float = 1e-6
    # How many failing keys each expectation keeps as a sample.
    sample_size: int = 20
    # Data Docs list up to `sample_size` unexpected values of each expectation for slices of
    # at most this many rows; a larger slice (a backfill) shows counts and shares only.
    sample_values_max_rows: int = 1_000_000
