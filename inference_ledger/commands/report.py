"""`ledger report`: write the weekly ops report as one self-contained HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inference_ledger.report.build import ReportError, build_report, parse_week, resolve_week
from inference_ledger.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the weekly ops report (one HTML file)",
        description=(
            "Write the weekly ops report for an ISO week: cost per outcome, hidden recompute, "
            "cost by trigger, latency, retries, tools, cache, the four failure modes, the 10x "
            "verdict, audit gaps and data quality. The file has no external assets and opens "
            "in any browser. Sections without data say so."
        ),
    )
    parser.add_argument(
        "--week",
        metavar="YYYY-Www",
        help="ISO week, e.g. 2025-W20 (default: the latest week with data)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="output file (default: <report dir>/ops-report-<week>.html)",
    )
    parser.add_argument(
        "--warehouse", type=Path, metavar="PATH", help="DuckDB warehouse (default: from settings)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    warehouse = args.warehouse or settings.warehouse_path
    try:
        week = args.week
        if week is not None:
            parse_week(week)  # fail early on a malformed week, before touching any file
        label = week or resolve_week(warehouse)
        if label is None:
            print(
                f"ledger report: no data in {warehouse}; pass --week to write an empty report",
                file=sys.stderr,
            )
            return 1
        out = args.out or settings.report_dir / f"ops-report-{label}.html"
        path = build_report(warehouse, out, week=label)
    except ReportError as exc:
        print(f"ledger report: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0
