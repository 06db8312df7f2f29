"""`ledger backfill`: not available yet in this release."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backfill",
        help="(coming soon) see README",
        description="Not available yet in this release.",
    )
    parser.set_defaults(func=_not_yet)


def _not_yet(args: argparse.Namespace) -> int:
    print(
        f"ledger {args.command}: not available yet in this release; "
        "see README.md for what works today.",
        file=sys.stderr,
    )
    return 2
