"""`ledger demo`: generate the undo-margin-killer story and run the whole pipeline on it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from inference_ledger.commands.run import EXIT_BUSY, apply_common_arguments, print_outcome
from inference_ledger.settings import Settings, SettingsError, load_settings

DEMO_SCENARIO = "undo-margin-killer"
HEADLINE_METRICS = (
    "hidden_recompute_ratio",
    "attempts_per_outcome",
    "cache_hit_rate",
    "completeness_rate",
    "cost_per_outcome_wow_change",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate a demo workload and run the whole pipeline on it",
        description=(
            "Generate the undo-margin-killer story (undo and auto-save recompute climbing for "
            "months while traffic grows slowly), stopped in the middle of the crisis, then run "
            "the nightly job on it: ingest, dbt build, quality checks, BI publication, weekly "
            "report and alerts. Prints the headline statuses and where everything was written."
        ),
    )
    parser.add_argument("--home", type=Path, help="ledger home directory (LEDGER_HOME)")
    parser.add_argument("--days", type=int, default=120, help="length of the story (default 120)")
    parser.add_argument(
        "--observe-days",
        type=int,
        default=70,
        help="days of the story that have happened when the demo runs (default 70)",
    )
    parser.add_argument("--events-per-day", type=int, default=1500, help="default 1500")
    parser.add_argument("--seed", type=int, default=7)
    parser.set_defaults(func=demo, landing=None, wait=0.0)


def _generate(settings: Settings, args: argparse.Namespace) -> None:
    from inference_ledger.generator import GenerationOptions, generate

    landing = settings.landing_dir
    truth_path = landing / "ground_truth.json"
    wanted = {
        "scenario": DEMO_SCENARIO,
        "days": args.days,
        "observe_days": args.observe_days,
        "events_per_day": args.events_per_day,
        "seed": args.seed,
    }
    if truth_path.exists():
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if all(truth.get(key) == value for key, value in wanted.items()):
            print(f"demo workload already in {landing}")
            return
        print(f"ledger demo: {landing} holds other data; use an empty --home", file=sys.stderr)
        raise SystemExit(2)
    started = time.monotonic()
    result = generate(
        GenerationOptions(
            out=landing,
            scenario=DEMO_SCENARIO,
            days=args.days,
            observe_days=args.observe_days,
            events_per_day=args.events_per_day,
            seed=args.seed,
            format="mixed",
        )
    )
    elapsed = time.monotonic() - started
    print(f"generated {result.inference_events:,} events in {elapsed:.0f} s into {landing}")


def _headline(settings: Settings) -> list[tuple[str, str, str, float | None]]:
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            """
            select metric, cast(period_start as varchar), status, value
            from marts.fct_metric_health
            where scope = 'all' and metric in (select unnest(?::varchar[]))
            qualify row_number() over (partition by metric order by period_start desc) = 1
            order by metric
            """,
            [list(HEADLINE_METRICS)],
        ).fetchall()
    finally:
        con.close()
    return [(m, p, s, v) for m, p, s, v in rows]


def demo(args: argparse.Namespace) -> int:
    apply_common_arguments(args)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return 2
    _generate(settings, args)
    from orchestration.lib.runner import WarehouseBusy, run_pipeline

    last_day = _last_event_day(settings.landing_dir)
    try:
        outcome = run_pipeline(settings, partition=last_day)
    except WarehouseBusy as exc:
        print(f"ledger: {exc}", file=sys.stderr)
        return EXIT_BUSY
    print_outcome(outcome)
    if settings.warehouse_path.exists():
        print("\nheadline metrics (latest period):")
        for metric, period, status, value in _headline(settings):
            shown = "n/a" if value is None else f"{value:.3f}"
            print(f"  {metric:<30} {period}  {status.upper():<8} {shown}")
    reports = sorted(settings.report_dir.glob("ops-report-20*.html"))
    print("\nwhere things are:")
    print(f"  warehouse        {settings.warehouse_path}")
    print(f"  published (BI)   {settings.publish_dir / 'inference_ledger.duckdb'}")
    print(f"  parquet marts    {settings.publish_dir / 'parquet'}")
    print(f"  weekly report    {reports[-1] if reports else '(not written)'}")
    print(f"  data docs        {settings.report_dir / 'data_docs' / 'index.html'}")
    print(f"  alerts           table main.alert_log in the warehouse ({outcome.alerts_sent} new)")
    return 0 if outcome.success else 1


def _last_event_day(landing: Path) -> str:
    truth = json.loads((landing / "ground_truth.json").read_text(encoding="utf-8"))
    return truth["per_day"][-1]["date_day"]
