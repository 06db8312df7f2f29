"""`ledger run`: the nightly job (ingest, dbt build, quality checks, publish, report)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from inference_ledger.settings import SettingsError, load_settings

EXIT_BUSY = 75  # EX_TEMPFAIL: try again later


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the nightly job once, without the UI",
        description=(
            "Run the nightly job in this process: ingest new landing files, build the dbt "
            "project, run the quality checks, publish the marts for BI tools and write the "
            "weekly report, then send alerts. Only one run writes the warehouse at a time: a "
            "second run waits up to --wait seconds, then exits with status 75."
        ),
    )
    add_common_arguments(parser)
    parser.add_argument(
        "--partition",
        metavar="YYYY-MM-DD",
        help="event-date partition the run is recorded under (default: yesterday, UTC)",
    )
    parser.set_defaults(func=run)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, help="ledger home directory (LEDGER_HOME)")
    parser.add_argument("--landing", type=Path, help="landing directory (LEDGER_LANDING_DIR)")
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long to wait for a run already in progress (default: do not wait)",
    )


def apply_common_arguments(args: argparse.Namespace) -> None:
    if args.home:
        os.environ["LEDGER_HOME"] = str(args.home.resolve())
    if args.landing:
        os.environ["LEDGER_LANDING_DIR"] = str(args.landing.resolve())


def print_outcome(outcome) -> None:
    status = "succeeded" if outcome.success else "FAILED"
    print(
        f"run {outcome.run_id} for {outcome.partitions} {status}: "
        f"{outcome.materialized} asset(s) materialized"
    )
    for check in outcome.blocked_checks:
        print(f"  blocking check failed: {check} (marts were not published)")
    for step in outcome.failed_steps:
        print(f"  failed step: {step}")
    for hint in outcome.resource_hints:
        print(f"  {hint}")


def run(args: argparse.Namespace, start: str | None = None, end: str | None = None) -> int:
    apply_common_arguments(args)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 2
    from orchestration.lib.runner import WarehouseBusy, run_pipeline

    try:
        outcome = run_pipeline(
            settings,
            partition=getattr(args, "partition", None),
            start=start,
            end=end,
            wait_seconds=args.wait,
        )
    except WarehouseBusy as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print_outcome(outcome)
    return 0 if outcome.success else 1
