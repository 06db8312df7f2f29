"""`ledger generate`: write a synthetic landing directory with ground truth."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from inference_ledger.generator import FORMATS, SCENARIOS, GenerationOptions, generate
from inference_ledger.generator.core import DEFAULT_START

DESCRIPTION = """\
Generate synthetic LLM-agent inference logs in a landing directory (events, output state
transitions, tool calls, approvals, revenue, owned-model prices) plus ground_truth.json and
ground_truth_audit_gaps.csv describing exactly what the pipeline should compute.
Output is deterministic for a seed. Scenarios replay known failure stories (see
inference_ledger/generator/scenarios.py for each timeline)."""

EPILOG = """\
examples:
  ledger generate --scenario baseline --days 28 --events-per-day 2000 --seed 7 --out landing
  ledger generate --scenario undo-margin-killer --days 120 --events-per-day 5000 --out l2
  ledger generate --scenario compliance-gap --format mixed --corrupt-rate 0.01 --out l3
  ledger generate --arrivals AzureLLMInferenceTrace_conv.csv --out l4"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write synthetic inference logs with ground truth",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="baseline",
        help="story to generate (default: baseline)",
    )
    parser.add_argument("--days", type=_positive, default=28, help="number of days (default 28)")
    parser.add_argument(
        "--events-per-day",
        type=_positive,
        default=1000,
        help="inference events per day (default 1000)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", type=Path, required=True, help="landing directory to write")
    parser.add_argument(
        "--start",
        type=_date,
        default=DEFAULT_START,
        help=f"first day, YYYY-MM-DD (default {DEFAULT_START}, a Monday)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="jsonl",
        help="file shape: canonical jsonl/jsonl.gz/parquet/csv, OTLP spans, or "
        "mixed shapes of the same facts (default jsonl)",
    )
    parser.add_argument(
        "--corrupt-rate",
        type=_rate,
        default=0.0,
        help="fraction of bad lines to add to event files (jsonl, jsonl.gz, "
        "mixed); every one is listed in ground_truth.json",
    )
    parser.add_argument(
        "--arrivals",
        type=Path,
        default=None,
        help="CSV trace (TIMESTAMP,ContextTokens,GeneratedTokens) whose arrival "
        "pattern and token sizes are replayed onto each day",
    )
    parser.add_argument("--tenants", type=_positive, default=20, help="tenants (default 20)")
    parser.add_argument("--users", type=_positive, default=500, help="users (default 500)")
    parser.add_argument(
        "--observe-days",
        type=_positive,
        metavar="N",
        help="write only the first N days of the --days-long story (a workload as of day N)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    options = GenerationOptions(
        out=args.out,
        scenario=args.scenario,
        days=args.days,
        events_per_day=args.events_per_day,
        seed=args.seed,
        start=args.start,
        format=args.format,
        corrupt_rate=args.corrupt_rate,
        arrivals=args.arrivals,
        tenants=args.tenants,
        users=args.users,
        observe_days=args.observe_days,
    )
    try:
        options.validate()
    except ValueError as exc:
        print(f"ledger generate: {exc}", file=sys.stderr)
        return 2
    if args.arrivals is not None and not args.arrivals.is_file():
        print(f"ledger generate: arrival trace not found: {args.arrivals}", file=sys.stderr)
        return 2
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=options.observed_days, unit="day", desc="generate", file=sys.stderr)
    try:
        result = generate(options, progress=(lambda _day: bar.update(1)) if bar else None)
    finally:
        if bar is not None:
            bar.close()
    if not args.quiet:
        print(
            f"wrote {result.inference_events} events (${result.total_cost_usd:,.2f}) in "
            f"{result.seconds:.1f}s to {result.out}; ground truth: {result.ground_truth_path}",
            file=sys.stderr,
        )
    return 0
