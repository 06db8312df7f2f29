"""The ops report rendered by a real headless Chromium: charts drawn, statuses shown."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from browser import CHARTS, CHROMIUM, chromium, dump_dom

from inference_ledger.report.build import build_report
from inference_ledger.report.sample_marts import build_sample_warehouse

# Skipped only outside CI: CI installs Chromium (scripts/install_system_deps.sh) and must fail
# loudly if it could not.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
    reason="chromium not installed (scripts/install_system_deps.sh)",
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("report")
    warehouse = build_sample_warehouse(tmp / "warehouse.duckdb")
    return warehouse, build_report(warehouse, tmp / "ops-report-2025-W20.html", "2025-W20")


def test_charts_render_as_non_empty_svg(tmp_path: Path, sample: tuple[Path, Path]):
    dom = dump_dom(tmp_path, sample[1])
    assert set(dom.charts) == CHARTS
    # 30 days of cost per outcome: one path through 30 points.
    assert dom.charts["cost_per_outcome"]["path"] == 1
    assert dom.charts["cost_per_outcome"]["circle"] == 30
    # Six weeks of hidden recompute, coloured by band: the last week is critical.
    assert dom.bars["hidden_recompute"] == [
        "healthy",
        "healthy",
        "warning",
        "warning",
        "warning",
        "critical",
    ]
    assert len(dom.bars["cost_by_trigger"]) == 6
    assert dom.bars["retry_rate"] == ["warning", "healthy", "healthy"]
    assert dom.charts["latency"]["rect"] >= 9
    assert dom.charts["cache_hit_rate"]["path"] == 1


def test_critical_hidden_recompute_shows_as_a_red_light(tmp_path: Path, sample: tuple[Path, Path]):
    dom = dump_dom(tmp_path, sample[1])
    mode = dom.by_id["mode-control_surface_drift"]
    assert mode["data-status"] == "critical"
    assert "status-critical" in mode["class"]
    assert "critical" in dom.text("mode-control_surface_drift")
    assert "hidden_recompute_ratio 46.0%" in dom.text("mode-control_surface_drift")
    assert dom.text("hidden-status") == "critical"
    assert dom.by_id["mode-audit_gap"]["data-status"] == "warning"
    assert dom.by_id["verdict"]["data-verdict"] == "collapse"
    assert "context_hash 49" in dom.text("audit")
    assert "core_completeness(completeness_rate)" in dom.text("data-quality")


def test_report_is_self_contained(sample: tuple[Path, Path]):
    html = sample[1].read_text()
    assert "<script" not in html and "<link" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_missing_marts_say_no_data(tmp_path: Path):
    warehouse = tmp_path / "partial.duckdb"
    build_sample_warehouse(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for table in (
            "quality.dq_validation_results",
            "marts.fct_margin_10x_test",
            "marts.fct_latency_percentiles",
            "marts.fct_reliability_weekly",
        ):
            con.execute(f"DROP TABLE {table}")
    report = build_report(warehouse, tmp_path / "partial.html", "2025-W20")
    dom = dump_dom(tmp_path, report)
    assert dom.text("data-quality") == "Data quality no data"
    assert "no data" in dom.text("margin")
    assert "latency" not in dom.charts and "cache_hit_rate" not in dom.charts
    assert "cost_per_outcome" in dom.charts


def test_without_breakdown_marts_ops_charts_show_weekly_trends(tmp_path: Path):
    warehouse = tmp_path / "weekly.duckdb"
    build_sample_warehouse(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for table in ("fct_latency_percentiles", "fct_retry_rate_by_endpoint", "fct_tool_success"):
            con.execute(f"DROP TABLE marts.{table}")
    report = build_report(warehouse, tmp_path / "weekly.html", "2025-W20")
    dom = dump_dom(tmp_path, report)
    # Six weeks of retry rate from the weekly reliability mart: 4%, 5% (the warning line
    # itself is still healthy), then 6% to 9%.
    assert dom.bars["retry_rate"] == ["healthy", "healthy"] + ["warning"] * 4
    assert dom.charts["latency"]["rect"] >= 18
    assert "Retry rate by week" in dom.text("operations")
    assert "all tools" in dom.text("operations")


def test_screenshot_and_cli(tmp_path: Path, sample: tuple[Path, Path]):
    out = tmp_path / "cli-report.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "inference_ledger.cli",
            "report",
            "--week",
            "2025-W20",
            "--warehouse",
            str(sample[0]),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1200,3400", f"--screenshot={shot}", out.as_uri())
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (1200, 3400)
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few kilobytes
