"""Quality validation of one day: seconds and peak RSS for N events in the partition.

    python -m bench quality --events 1000000 --history-days 7

A warehouse with `--history-days + 1` days of N synthetic canonical events each is built in
DuckDB (under --work, default a temporary directory); then a fresh child process runs the
raw-zone suites on the last day only, storing results and Data Docs as the pipeline does,
so the peak RSS reported is that of validation alone. DuckDB's memory limit and threads
come from the settings (LEDGER_DUCKDB_MEMORY_LIMIT, LEDGER_DUCKDB_THREADS). Only the
partition's rows (and only the columns the suites use) reach pandas; the volume suite
aggregates history in DuckDB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY = dt.date(2026, 3, 2)


def _build(warehouse: Path, events: int, history_days: int) -> float:
    import duckdb

    from expectations.sample_data import create_raw_tables, insert_synthetic_day

    started = time.perf_counter()
    warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        for offset in range(history_days, -1, -1):
            insert_synthetic_day(con, DAY - dt.timedelta(days=offset), events, seed=offset)
    return time.perf_counter() - started


def _child(warehouse: str, report_dir: str) -> int:
    from expectations import RAW_SUITES, run_quality
    from inference_ledger.settings import load_settings

    settings = load_settings()
    started = time.perf_counter()
    results = run_quality(
        Path(warehouse),
        RAW_SUITES,
        partition=DAY,
        report_dir=Path(report_dir),
        duckdb_config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
        },
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": {r.spec.name: r.rows for r in results},
                "failed": [
                    f"{o.suite}.{o.check}" for r in results for o in r.outcomes if not o.success
                ],
                # Linux reports ru_maxrss in KiB.
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench quality", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="events per day")
    parser.add_argument("--history-days", type=int, default=7, help="earlier days in the table")
    parser.add_argument("--work", type=Path, default=None, help="directory for the warehouse")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)

    work = args.work or Path(tempfile.mkdtemp(prefix="ledger-bench-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / "warehouse.duckdb"
    build_seconds = _build(warehouse, args.events, args.history_days)
    print(
        f"built {args.history_days + 1} day(s) x {args.events:,} events in {build_seconds:.1f}s",
        file=sys.stderr,
    )
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "quality",
            "--child",
            str(warehouse),
            str(work / "reports"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(child.stdout.strip().splitlines()[-1])
    events = report["rows"]["inference_events"]
    print(
        f"quality: validated {events:,} events of {DAY} (5 raw suites) in "
        f"{report['seconds']:.1f}s ({events / report['seconds']:,.0f} events/s), "
        f"peak RSS {report['peak_rss_mib']:.0f} MiB; failed: {report['failed'] or 'none'}"
    )
    return 0
