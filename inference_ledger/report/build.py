"""Build the weekly ops report: one self-contained HTML file from the marts.

Sections follow the operations manual's "dashboard minimum". A section whose mart is
missing or empty says "no data"; the report is still written.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from inference_ledger.alerts.rules import format_value
from inference_ledger.report import queries, svg
from inference_ledger.report.template import render

# The four failure modes and the metric-health rows that decide each one's light.
FAILURE_MODES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "cost_per_outcome",
        "Cost per outcome creep",
        (
            "cost_per_outcome_wow_change",
            "cost_per_outcome_mom_change",
            "cost_per_outcome_day_vs_week_ago",
        ),
    ),
    (
        "control_surface_drift",
        "Control-surface drift (hidden recompute)",
        (
            "hidden_recompute_ratio",
            "recompute_multiplier",
            "attempts_per_outcome",
            "regenerate_rate",
            "regenerate_rate_mom_change",
            "undo_rate_mom_change",
        ),
    ),
    (
        "margin_fragility",
        "Margin fragility",
        ("gross_margin_pct", "spend_pct_of_revenue", "cache_hit_rate", "hidden_cost_share"),
    ),
    ("audit_gap", "Audit gap", ("completeness_rate", "missing_provenance_rate")),
)
STATUS_RANK = {"unknown": 0, "healthy": 1, "warning": 2, "critical": 3}
VERDICT_TEXT = {
    "improve": "costs grow slower than outcomes: this scales",
    "flat": "costs grow in step with outcomes: a business, not yet leverage",
    "collapse": "costs grow faster than outcomes: at 10x volume the margin collapses",
}
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")


TOP_ROWS = 10  # tenants shown in the 10x and margin tables (the most fragile first)


def money(value: float) -> str:
    """Dollars, with cents only where they matter."""
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


class ReportError(ValueError):
    """The report cannot be built as asked (for example a malformed week)."""


def parse_week(week: str | date) -> date:
    """Monday of an ISO week given as `2025-W20` (or any date inside the week)."""
    if isinstance(week, date):
        return week - timedelta(days=week.weekday())
    match = _WEEK.match(week.strip())
    if not match:
        raise ReportError(f"week must look like 2025-W20, got {week!r}")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ReportError(f"no such ISO week: {week}") from exc


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Light:
    key: str
    name: str
    status: str
    detail: str
    svg: Markup


def _bands_for(row: dict[str, Any] | None) -> svg.Bands | None:
    if not row or (row["warning_threshold"] is None and row["critical_threshold"] is None):
        return None
    warning, critical = row["warning_threshold"], row["critical_threshold"]
    higher = warning is None or critical is None or critical >= warning
    return svg.Bands(warning, critical, higher)


GRAIN_PREFERENCE = {"week": 0, "month": 1, "day": 2}


def _health_by_metric(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One row per metric for a weekly view: scope `all` first (else the worst scope), then
    the weekly grain, then monthly, then daily."""

    def preference(row: dict[str, Any]) -> tuple[int, int, int]:
        return (
            0 if row["scope"] == "all" else 1,
            GRAIN_PREFERENCE.get(row.get("grain") or "week", 3),
            -STATUS_RANK.get(row["status"], 0),
        )

    best: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=preference):
        best.setdefault(row["metric"], row)
    return best


def _lights(health: dict[str, dict[str, Any]]) -> list[Light]:
    lights = []
    for key, name, metrics in FAILURE_MODES:
        rows = [health[m] for m in metrics if m in health]
        if not rows:
            lights.append(
                Light(key, name, "unknown", "no data", Markup(svg.traffic_light("unknown")))
            )
            continue
        worst = max(rows, key=lambda r: STATUS_RANK.get(r["status"], 0))
        status = worst["status"] if worst["status"] in STATUS_RANK else "unknown"
        detail = f"{worst['metric']} {format_value(worst['metric'], worst['value'])}"
        lights.append(Light(key, name, status, detail, Markup(svg.traffic_light(status))))
    return lights


@contextlib.contextmanager
def _connect(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    # A missing warehouse is an empty report, not an error (and must not create the file).
    if warehouse_path.exists():
        with queries.open_warehouse(warehouse_path) as con:
            yield con
    else:
        con = duckdb.connect()
        try:
            yield con
        finally:
            con.close()


def _context(con: duckdb.DuckDBPyConnection, monday: date | None) -> dict[str, Any]:
    monday = (
        monday
        or queries.latest_week(con)
        or (date.today() - timedelta(days=date.today().weekday() + 7))
    )
    start, end = queries.week_bounds(monday)
    health_rows = queries.metric_health_as_of(con, end)
    health = _health_by_metric(health_rows)

    cpo = queries.cost_per_outcome_daily(con, end, days=30)
    cpo_points = [(r["date_day"].strftime("%m-%d"), r["cost_per_outcome"]) for r in cpo]
    this_week = [r for r in cpo if r["date_day"] >= start]
    last_week = [r for r in cpo if start - timedelta(days=7) <= r["date_day"] < start]

    def per_outcome(rows: list[dict[str, Any]]) -> float | None:
        outcomes = sum(r["committed_outcomes"] or 0 for r in rows)
        return sum(r["total_cost_usd"] or 0 for r in rows) / outcomes if outcomes else None

    cpo_week, cpo_prev = per_outcome(this_week), per_outcome(last_week)

    hidden = queries.hidden_recompute_weekly(con, end)
    hidden_bands = _bands_for(health.get("hidden_recompute_ratio")) or svg.Bands(0.20, 0.40)
    triggers = queries.cost_by_trigger(con, start)
    latency = queries.latency_percentiles(con, start)
    latency_bands = _bands_for(health.get("latency_p95_ms")) or svg.Bands(2000, 5000)
    retry = queries.retry_rate_by_endpoint(con, start)
    retry_bands = _bands_for(health.get("retry_rate")) or svg.Bands(0.05, 0.15)
    tools = queries.tool_success(con, start)
    tool_bands = _bands_for(health.get("tool_success_rate")) or svg.Bands(0.98, 0.95, False)
    cache = queries.cache_hit_rate_weekly(con, end)
    cache_bands = _bands_for(health.get("cache_hit_rate")) or svg.Bands(0.70, 0.50, False)
    dq = queries.dq_latest_run(con)

    charts = {
        "cost_per_outcome": svg.line_chart(
            "cost_per_outcome",
            "Cost per committed outcome, daily, last 30 days (USD)",
            cpo_points,
            fmt=lambda v: f"${v:.3f}",
            width=1060,
            height=250,
        ),
        "hidden_recompute": svg.bar_chart(
            "hidden_recompute",
            "Hidden-recompute ratio by week",
            [(r["week_start"].strftime("%m-%d"), r["hidden_recompute_ratio"]) for r in hidden],
            fmt=svg.percent,
            bands=hidden_bands,
        ),
        "cost_by_trigger": svg.hbar_chart(
            "cost_by_trigger",
            "Cost by trigger this week (USD)",
            [
                (
                    r["trigger_type"],
                    r["total_cost_usd"] or 0.0,
                    "critical" if r["is_investigate"] else ("warning" if r["is_hidden"] else None),
                )
                for r in triggers
            ],
            fmt=money,
        ),
        "latency": svg.grouped_bar_chart(
            "latency",
            "Latency percentiles (ms)",
            [r["name"] for r in latency],
            {
                "p50": [r["p50_ms"] for r in latency],
                "p95": [r["p95_ms"] for r in latency],
                "p99": [r["p99_ms"] for r in latency],
            },
            fmt=lambda v: f"{v:,.0f}",
            bands=latency_bands,
        ),
        "retry_rate": svg.hbar_chart(
            "retry_rate",
            "Retry rate",
            [
                (r["name"], r["retry_rate"] or 0.0, retry_bands.status(r["retry_rate"]))
                for r in retry
            ],
            fmt=lambda v: f"{v * 100:.1f}%",
        ),
        "cache_hit_rate": svg.line_chart(
            "cache_hit_rate",
            "Cache hit rate by week",
            [(r["week_start"].strftime("%m-%d"), r["cache_hit_rate"]) for r in cache],
            fmt=svg.percent,
            bands=cache_bands,
        ),
    }
    dq_failed = [r for r in dq if not r["success"]]
    tenx = queries.margin_10x(con, end)
    margins = queries.margin_by_tenant(con, end)
    audit = queries.audit_completeness_week(con, start)
    audit_status = (
        (_bands_for(health.get("completeness_rate")) or svg.Bands(0.95, 0.80, False)).status(
            audit["completeness_rate"]
        )
        if audit
        else "unknown"
    )
    return {
        "week": week_label(monday),
        "week_start": start,
        "week_end": end - timedelta(days=1),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "lights": _lights(health),
        "charts": {k: Markup(v) for k, v in charts.items()},
        "cpo_week": cpo_week,
        "cpo_prev": cpo_prev,
        "cpo_change": (cpo_week / cpo_prev - 1) if cpo_week and cpo_prev else None,
        "cost_week": sum(r["total_cost_usd"] or 0 for r in this_week) if this_week else None,
        "outcomes_week": sum(r["committed_outcomes"] or 0 for r in this_week)
        if this_week
        else None,
        "hidden_latest": hidden[-1] if hidden and hidden[-1]["week_start"] == start else None,
        "hidden_status": hidden_bands.status(hidden[-1]["hidden_recompute_ratio"])
        if hidden and hidden[-1]["week_start"] == start
        else "unknown",
        "triggers": triggers,
        "latency": [{**r, "status": latency_bands.status(r["p95_ms"])} for r in latency],
        "retry": [{**r, "status": retry_bands.status(r["retry_rate"])} for r in retry],
        "tools": [{**r, "status": tool_bands.status(r["success_rate"])} for r in tools],
        "escalation": health.get("escalation_rate"),
        "cache_latest": cache[-1] if cache else None,
        "cache_status": cache_bands.status(cache[-1]["cache_hit_rate"]) if cache else "unknown",
        "tenx": tenx[: TOP_ROWS + 1],
        "tenx_more": max(len(tenx) - TOP_ROWS - 1, 0),
        "verdict_text": VERDICT_TEXT,
        "margins": margins[:TOP_ROWS],
        "margins_more": max(len(margins) - TOP_ROWS, 0),
        "audit": audit,
        "audit_status": audit_status,
        "gaps": queries.top_audit_gaps(con, start),
        "dq": dq,
        "dq_failed": dq_failed,
        "dq_run": dq[0]["run_id"] if dq else None,
        "health": sorted(
            health_rows, key=lambda r: (-STATUS_RANK.get(r["status"], 0), r["metric"])
        ),
        "fmt": format_value,
        "money": money,
    }


def build_report(
    warehouse_path: Path | str, out_path: Path | str, week: str | date | None = None
) -> Path:
    """Write the ops report for `week` (default: the latest week with data) to `out_path`."""
    warehouse_path, out_path = Path(warehouse_path), Path(out_path)
    monday = parse_week(week) if week is not None else None
    with _connect(warehouse_path) as con:
        html = render(_context(con, monday))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a browser or web server never serves half a report.
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out_path)
    return out_path


def resolve_week(warehouse_path: Path | str) -> str | None:
    """The label of the latest week with data, as `build_report` would choose it."""
    path = Path(warehouse_path)
    if not path.exists():
        return None
    with queries.open_warehouse(path) as con:
        monday = queries.latest_week(con)
    return week_label(monday) if monday else None
