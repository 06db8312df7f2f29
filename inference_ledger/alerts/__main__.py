"""`python -m inference_ledger.alerts`: one alerting pass (sinks from LEDGER_ALERT_URLS)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from inference_ledger.alerts.run import run_alerts
from inference_ledger.settings import load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m inference_ledger.alerts",
        description=(
            "Alert on metrics that got worse and on failed data-quality expectations; "
            "deliver to the sinks in LEDGER_ALERT_URLS and record every alert in alert_log."
        ),
    )
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--report-link", help="link or path to the report, put in messages")
    parser.add_argument(
        "--all-periods",
        action="store_true",
        help="check every period, not only each metric's latest two (backfills)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    warehouse = args.warehouse or load_settings().warehouse_path
    run = run_alerts(
        warehouse,
        report_link=args.report_link,
        lookback_periods=None if args.all_periods else 2,
    )
    for alert in run.new_alerts:
        print(alert.message)
    print(
        f"{len(run.new_alerts)} new alert(s), {run.already_logged} already logged; "
        f"delivery: {run.delivery}"
    )
    # A sink that refused every message is an operational failure worth a non-zero exit.
    return 1 if run.delivery == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
