"""`ledger backfill`: re-process a range of event dates in one run."""

from __future__ import annotations

import argparse
import datetime as dt

from inference_ledger.commands.run import add_common_arguments, run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backfill",
        help="re-process a date range (one run, dbt window = the range)",
        description=(
            "Re-process the event dates START..END (inclusive) in one run: new landing files "
            "are ingested and the dbt models rebuild exactly that window."
        ),
    )
    parser.add_argument("--start", required=True, type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    parser.add_argument("--end", required=True, type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    add_common_arguments(parser)
    parser.set_defaults(func=backfill)


def backfill(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise SystemExit("ledger backfill: --end must not be before --start")
    return run(args, start=args.start.isoformat(), end=args.end.isoformat())
