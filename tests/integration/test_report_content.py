"""Report content follows the data; weeks parse; missing inputs never crash."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from inference_ledger.report.build import ReportError, build_report, parse_week, resolve_week
from inference_ledger.report.sample_marts import build_sample_warehouse


def mode_status(html: str, key: str) -> str:
    match = re.search(rf'id="mode-{key}"\s+data-status="(\w+)"', html)
    assert match, f"no failure-mode card {key}"
    return match[1]


def test_iso_weeks():
    assert parse_week("2025-W20") == date(2025, 5, 12)
    assert parse_week("2026W01") == date(2025, 12, 29)
    assert parse_week(date(2025, 5, 15)) == date(2025, 5, 12)
    for bad in ("2025-20", "2025-W54", "W20"):
        with pytest.raises(ReportError):
            parse_week(bad)


def test_lights_follow_the_metric_health_data(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "w.duckdb")
    before = build_report(warehouse, tmp_path / "before.html", "2025-W20").read_text()
    assert mode_status(before, "control_surface_drift") == "critical"
    # The week before, the ratio was 36%: warning, not critical.
    earlier = build_report(warehouse, tmp_path / "w19.html", "2025-W19").read_text()
    assert mode_status(earlier, "control_surface_drift") == "warning"
    assert "Week of 2025-05-05 to 2025-05-11" in earlier

    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "UPDATE marts.fct_metric_health SET value = 0.1, status = 'healthy' "
            "WHERE metric = 'hidden_recompute_ratio'"
        )
    after = build_report(warehouse, tmp_path / "after.html", "2025-W20").read_text()
    assert mode_status(after, "control_surface_drift") == "healthy"


def test_default_week_is_the_latest_with_data(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "w.duckdb")
    assert resolve_week(warehouse) == "2025-W20"
    html = build_report(warehouse, tmp_path / "r.html").read_text()
    assert "weekly ops report 2025-W20" in html


def test_missing_warehouse_gives_an_all_no_data_report(tmp_path: Path):
    missing = tmp_path / "none.duckdb"
    html = build_report(missing, tmp_path / "r.html", "2025-W20").read_text()
    assert not missing.exists()
    assert html.count("no data") >= 10
    assert mode_status(html, "audit_gap") == "unknown"
    assert resolve_week(missing) is None
