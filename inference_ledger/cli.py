"""The `ledger` command line: one sub-command per module in `inference_ledger.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from inference_ledger import __version__

# Each module exposes `register(subparsers)`, which adds its parser and sets `func`.
COMMAND_MODULES = (
    "generate",
    "validate",
    "ingest",
    "run",
    "backfill",
    "report",
    "demo",
    "ui",
    "sync-postgres",
    "retention",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledger",
        description=(
            "Inference Ledger: turn LLM inference logs into cost-per-outcome, margin, "
            "control-surface drift and audit-completeness marts."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = name.replace("-", "_")
        importlib.import_module(f"inference_ledger.commands.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
