"""The four headline results (the manual's diagnostic queries) and how they are compared.

- `cost_per_outcome`: per UTC day, cost of the day's events / distinct committed outputs
  among them (`marts.cost_per_outcome_event_window`);
- `hidden_ratio`: per ISO week, hidden events (undo, auto_save, retry, background) / events
  (`marts.fct_control_surface_weekly.hidden_recompute_ratio`);
- `missing_provenance`: per UTC day, events without trace_id or model_version / events
  (`marts.fct_metric_health`, metric `missing_provenance_rate`);
- `cost_by_trigger`: per ISO week and trigger type, total cost (`marts.fct_control_surface_drift`).

Keys are ISO dates (and `week|trigger`), so results travel between processes as JSON.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

Results = dict[str, dict[str, float | None]]
NAMES = ("cost_per_outcome", "hidden_ratio", "missing_provenance", "cost_by_trigger")
HIDDEN_TRIGGERS = ("undo", "auto_save", "retry", "background")
PLACEHOLDERS = ("", "unknown", "none", "null", "n/a")
# Sums of ~10^6 doubles in a different order differ in the last bits, nothing more.
REL_TOL = 1e-9


def from_rows(
    cpo: list[Any], hidden: list[Any], missing: list[Any], by_trigger: list[Any]
) -> Results:
    """Build `Results` from (period, value) and (week, trigger, value) rows."""

    def key(value: Any) -> str:
        return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]

    def num(value: Any) -> float | None:
        return (
            None
            if value is None or (isinstance(value, float) and math.isnan(value))
            else (float(value))
        )

    return {
        "cost_per_outcome": {key(d): num(v) for d, v in cpo},
        "hidden_ratio": {key(w): num(v) for w, v in hidden},
        "missing_provenance": {key(d): num(v) for d, v in missing},
        "cost_by_trigger": {f"{key(w)}|{t}": num(v) for w, t, v in by_trigger},
    }


def save(results: Results, path: Path) -> None:
    path.write_text(json.dumps(results, sort_keys=True), encoding="utf-8")


def load(path: Path) -> Results:
    loaded: Results = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)


def differences(expected: Results, actual: Results, limit: int = 5) -> list[str]:
    """Human-readable mismatches (empty when the results agree)."""
    problems: list[str] = []
    for name in NAMES:
        want, got = expected.get(name, {}), actual.get(name, {})
        if not want:
            problems.append(f"{name}: the marts have no rows")
        missing, extra = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
        if missing:
            problems.append(f"{name}: missing periods {missing[:limit]}")
        if extra:
            problems.append(f"{name}: unexpected periods {extra[:limit]}")
        wrong = [k for k in sorted(want.keys() & got.keys()) if not _close(want[k], got[k])]
        problems.extend(f"{name}[{k}]: marts {want[k]!r} vs {got[k]!r}" for k in wrong[:limit])
    return problems
