"""Which rows deserve an alert, and the short message that says why.

Metric alerts: a metric of a grain and scope whose status got worse than in its previous period
(healthy or unknown to warning or critical, warning to critical). A metric seen for the
first time counts as previously healthy. Quality alerts: failed expectations of severity
error or warn. Every alert has a key, ``kind:subject:scope:[grain:]period``; one alert
per key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SEVERITY_RANK = {None: 0, "unknown": 0, "healthy": 0, "warning": 1, "critical": 2}
STATUS_LABEL = {"critical": "CRITICAL", "warning": "WARNING", "error": "ERROR", "warn": "WARN"}


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # "metric" or "expectation"
    metric: str  # metric name, or "suite: expectation"
    scope: str
    period: str
    status: str  # warning | critical for metrics, error | warn for expectations
    value: float | None
    message: str

    @property
    def is_critical(self) -> bool:
        return self.status in ("critical", "error")


def _is_multiplier(metric: str) -> bool:
    return "multiplier" in metric or metric in (
        "attempts_per_outcome",
        "cost_per_outcome_day_vs_week_ago",
        "drift_index",
    )


def format_value(metric: str, value: float | None) -> str:
    """A value as people read it: 46.0%, 2,050 ms, 1.42x, or plain."""
    if value is None:
        return "n/a"
    if metric.endswith("_ms"):
        return f"{value:,.0f} ms"
    if metric.endswith("_usd"):
        return f"${value:,.2f}"
    if _is_multiplier(metric):
        return f"{value:.2f}x"
    if any(part in metric for part in ("rate", "ratio", "share", "pct", "change")):
        return f"{value * 100:.1f}%"
    return f"{value:,.4g}"


def _thresholds(metric: str, warning: float | None, critical: float | None) -> str:
    # The direction is implied by the band: critical beyond warning means "higher is worse".
    higher_is_worse = warning is None or critical is None or critical >= warning
    sign = ">" if higher_is_worse else "<"
    parts = []
    if warning is not None:
        parts.append(f"warning {sign} {format_value(metric, warning)}")
    if critical is not None:
        parts.append(f"critical {sign} {format_value(metric, critical)}")
    return ", ".join(parts) or "no thresholds"


def metric_alerts(
    rows: Iterable[Mapping[str, Any]], lookback_periods: int | None = 2
) -> list[Alert]:
    """Alerts for metric-health rows that got worse than their previous period.

    `lookback_periods` limits the check to each metric's latest periods so that a first run
    over months of history does not alert on long-past transitions (None checks them all).
    """
    alerts = []
    for row in rows:
        if lookback_periods is not None and row.get("periods_back", 1) > lookback_periods:
            continue
        status, previous = row["status"], row.get("previous_status")
        if SEVERITY_RANK.get(status, 0) <= SEVERITY_RANK.get(previous, 0):
            continue
        metric, scope, period = row["metric"], str(row["scope"]), str(row["period_start"])
        grain = row.get("grain")
        # A metric kept at two grains (say completeness by day and by week) has two series.
        key = f"metric:{metric}:{scope}:{grain + ':' if grain else ''}{period}"
        was = previous or "no previous period"
        message = (
            f"{STATUS_LABEL[status]} {metric} [{scope}] {grain or 'period'} {period}: "
            f"{format_value(metric, row['value'])} "
            f"({_thresholds(metric, row.get('warning_threshold'), row.get('critical_threshold'))}"
            f"; was {was})"
        )
        alerts.append(
            Alert(
                key=key,
                kind="metric",
                metric=metric,
                scope=scope,
                period=period,
                status=status,
                value=row["value"],
                message=message,
            )
        )
    return alerts


def expectation_alerts(rows: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Alerts for failed expectations (one per suite, expectation and period)."""
    alerts: dict[str, Alert] = {}
    for row in rows:
        severity = (row.get("severity") or "error").lower()
        status = "warn" if severity in ("warn", "warning") else "error"
        suite, expectation, period = row["suite"], row["expectation"], str(row["period"])
        key = f"expectation:{suite}:{expectation}:{period}"
        if key in alerts:
            continue
        details = [f"observed {row['observed_value']}"] if row.get("observed_value") else []
        if row.get("unexpected_count"):
            details.append(f"{row['unexpected_count']:,} unexpected")
        details.append(f"run {row['run_id']}")
        message = (
            f"{STATUS_LABEL[status]} data quality [{suite}] {expectation} failed "
            f"period {period}: {', '.join(details)}"
        )
        alerts[key] = Alert(
            key=key,
            kind="expectation",
            metric=f"{suite}: {expectation}",
            scope=suite,
            period=period,
            status=status,
            value=None,
            message=message,
        )
    return list(alerts.values())


def digest(alerts: list[Alert], report_link: str | None) -> tuple[str, str]:
    """(title, body) of one notification that carries every new alert of a run."""
    critical = sum(a.is_critical for a in alerts)
    noun = "alert" if len(alerts) == 1 else "alerts"
    title = f"Inference Ledger: {len(alerts)} new {noun} ({critical} critical)"
    ordered = sorted(alerts, key=lambda a: (not a.is_critical, a.kind, a.key))
    lines = [title, *(f"- {a.message}" for a in ordered)]
    if report_link:
        lines.append(f"Report: {report_link}")
    return title, "\n".join(lines)
