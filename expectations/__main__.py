"""Validate the warehouse from a shell: `python -m expectations [--partition DAY] [--marts]`.

Uses the ledger settings (LEDGER_HOME, LEDGER_WAREHOUSE, LEDGER_REPORT_DIR); stores the
results and renders Data Docs like the Dagster checks. Exit status 1 when an `error`
expectation failed (the data must not be published), else 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from expectations.runner import run_quality, summary
from expectations.suites import MART_SUITES, RAW_SUITES
from inference_ledger.settings import duckdb_config, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expectations", description=__doc__)
    parser.add_argument(
        "--partition",
        type=dt.date.fromisoformat,
        default=None,
        help="day of the raw zone to validate (default: the newest)",
    )
    parser.add_argument("--marts", action="store_true", help="validate the marts as well")
    parser.add_argument("--run-id", default=None, help="id recorded with the results")
    args = parser.parse_args(argv)
    settings = load_settings()
    suites = RAW_SUITES + MART_SUITES if args.marts else RAW_SUITES
    results = run_quality(
        settings.warehouse_path,
        suites,
        partition=args.partition,
        run_id=args.run_id,
        report_dir=settings.report_dir,
        duckdb_config=duckdb_config(settings),
    )
    for result in results:
        for o in result.outcomes:
            if not o.success:
                keys = ", ".join(str(list(s.values())) for s in o.sample[:3])
                print(
                    f"{o.severity.upper():5} {o.suite}.{o.check} [{result.partition or 'all'}]"
                    f" unexpected={o.unexpected_count} {o.exception or keys}"
                )
    counts = summary(results)
    print(
        f"{counts['expectations']} expectations in {counts['suites']} suites: "
        f"{counts['failed_errors']} error(s), {counts['failed_warnings']} warning(s); "
        f"Data Docs: {settings.report_dir / 'data_docs' / 'index.html'}"
    )
    return 1 if counts["failed_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
