"""Metric bands from the thresholds seed, the single place where bands are defined.

Semantics (also used by the dbt models): for direction `above`, a value strictly greater
than `warning_threshold` is warning and strictly greater than `critical_threshold` is
critical; for `below`, strictly less than. A missing threshold never fires.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEED_PATH = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "metric_thresholds.csv"


@dataclass(frozen=True)
class Band:
    metric: str
    variant: str
    direction: str
    warning: float | None
    critical: float | None

    def status(self, value: float | None) -> str:
        """`healthy`, `warning`, `critical`, or `unknown` when there is no value."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "unknown"
        worse = (lambda v, t: v > t) if self.direction == "above" else (lambda v, t: v < t)
        if self.critical is not None and worse(value, self.critical):
            return "critical"
        if self.warning is not None and worse(value, self.warning):
            return "warning"
        return "healthy"


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def load_bands(path: Path = SEED_PATH) -> dict[tuple[str, str], Band]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            (row["metric"], row["variant"]): Band(
                metric=row["metric"],
                variant=row["variant"],
                direction=row["direction"],
                warning=_number(row["warning_threshold"]),
                critical=_number(row["critical_threshold"]),
            )
            for row in csv.DictReader(handle)
        }


def band(metric: str, variant: str = "default") -> Band:
    return load_bands()[(metric, variant)]
