"""`ledger ui`: the Dagster UI over this ledger's code location and run history."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from inference_ledger.settings import export_environment, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ui",
        help="start the Dagster UI (asset graph, runs, schedule, sensors, checks)",
        description=(
            "Start `dagster dev` on the Inference Ledger code location, with the run history "
            "of `ledger run` (LEDGER_HOME/dagster). The schedule and sensors run while it is up."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from orchestration.lib.runner import dagster_home

    settings = load_settings()
    export_environment(settings)
    os.environ["DAGSTER_HOME"] = str(dagster_home(settings))
    dagster = Path(sys.executable).with_name("dagster")
    argv = [str(dagster), "dev", "-h", args.host, "-p", str(args.port)]
    argv += ["-m", "orchestration.definitions", "-d", str(PROJECT_ROOT)]
    os.execv(argv[0], argv)
    return 0  # not reached: the process is replaced
