"""Quality validation: seconds (wall and CPU) and peak RSS of the raw-zone suites.

    python -m bench quality --events 1000000 --history-days 7
    python -m bench quality --events 16667 --history-days 59 --all-days   # 60 days, 1M events
    python -m bench quality --warehouse PATH --all-days    # an existing warehouse
    python -m bench quality --warehouse PATH --ingest-run ID    # the days one ingest loaded

A warehouse with `--history-days + 1` days of N synthetic canonical events each (and the
day's transitions, tool calls and approvals) is built in DuckDB under --work (default a
temporary directory); then a fresh child process runs the raw-zone suites, storing
results and Data Docs as the pipeline does, so the peak RSS reported is that of
validation alone. By default only the last day is validated; `--all-days` validates every
day the newest ingest run loaded, which is what the nightly job's quality step does after
a run that ingested the whole history (the first run, a backfill). DuckDB's memory limit
and threads come from the settings (LEDGER_DUCKDB_MEMORY_LIMIT, LEDGER_DUCKDB_THREADS).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.compare import PeakRss
from bench.rss import own_peak_rss_mib

DAY = dt.date(2026, 3, 2)
INGEST_RUN_ID = "bench-ingest"


def _build(warehouse: Path, events: int, history_days: int) -> float:
    import duckdb

    from expectations.sample_data import (
        create_raw_tables,
        insert_synthetic_day,
        insert_synthetic_related,
    )

    started = time.perf_counter()
    warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        for offset in range(history_days, -1, -1):
            day = DAY - dt.timedelta(days=offset)
            insert_synthetic_day(con, day, events, seed=offset)
            con.execute(
                "UPDATE raw.inference_events SET ingest_run_id = ? WHERE event_date = ?",
                [INGEST_RUN_ID, day],
            )
            insert_synthetic_related(con, day)
    return time.perf_counter() - started


def _newest_ingest_run(warehouse: Path) -> str | None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT ingest_run_id FROM raw.inference_events WHERE ingest_run_id IS NOT NULL "
            "GROUP BY ingest_run_id ORDER BY max(event_date) DESC, count(*) DESC LIMIT 1"
        ).fetchone()
    return row[0] if row else None


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(warehouse: str, report_dir: str, ingest_run_id: str) -> int:
    from expectations import RAW_SUITES, run_quality
    from inference_ledger.settings import load_settings

    settings = load_settings()
    started = time.perf_counter()
    before = _cpu_seconds()
    results = run_quality(
        Path(warehouse),
        RAW_SUITES,
        partition=None if ingest_run_id else DAY,
        ingest_run_id=ingest_run_id or None,
        report_dir=Path(report_dir),
        duckdb_config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
        },
    )
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - before
    rows: dict[str, int] = {}
    for r in results:
        rows[r.spec.name] = rows.get(r.spec.name, 0) + r.rows
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "validations": len(results),
                "days": len({r.partition for r in results}),
                "rows": rows,
                "failed": sorted(
                    {f"{o.suite}.{o.check}" for r in results for o in r.outcomes if not o.success}
                ),
                "peak_rss_mib": own_peak_rss_mib(),
            }
        )
    )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench quality", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="events per day")
    parser.add_argument("--history-days", type=int, default=7, help="earlier days in the table")
    parser.add_argument(
        "--all-days", action="store_true", help="validate every day the newest ingest loaded"
    )
    parser.add_argument("--warehouse", type=Path, default=None, help="existing warehouse to use")
    parser.add_argument("--work", type=Path, default=None, help="directory for the warehouse")
    parser.add_argument(
        "--ingest-run",
        default=None,
        help="validate every day this ingest run loaded (default with --all-days: the newest)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)

    work = args.work or Path(tempfile.mkdtemp(prefix="ledger-bench-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.warehouse is None:
        warehouse = work / "warehouse.duckdb"
        build_seconds = _build(warehouse, args.events, args.history_days)
        print(
            f"built {args.history_days + 1} day(s) x {args.events:,} events "
            f"in {build_seconds:.1f}s",
            file=sys.stderr,
        )
    else:
        warehouse = args.warehouse
    ingest_run_id = args.ingest_run or ""
    if args.all_days and not ingest_run_id:
        ingest_run_id = _newest_ingest_run(warehouse) or ""
    load = os.getloadavg()[0]
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench",
            "quality",
            "--child",
            str(warehouse),
            str(work / "reports"),
            ingest_run_id,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    sampler = PeakRss(child.pid)
    stdout, _ = child.communicate()
    peak_tree_mib = sampler.stop() / 2**20
    if child.returncode != 0:
        raise SystemExit(f"quality child exited {child.returncode}")
    report = json.loads(stdout.strip().splitlines()[-1])
    report["peak_rss_mib"] = max(report["peak_rss_mib"], peak_tree_mib)
    events = report["rows"].get("inference_events", 0)
    print(
        f"quality: validated {events:,} events over {report['days']} day(s) "
        f"({report['validations']} suite x day results, 5 raw suites) in "
        f"{report['seconds']:.1f}s wall / {report['cpu_seconds']:.1f}s CPU "
        f"({events / report['cpu_seconds']:,.0f} events per CPU second), "
        f"peak RSS {report['peak_rss_mib']:.0f} MiB, load average {load:.1f} at start; "
        f"failed: {report['failed'] or 'none'}"
    )
    return 0
