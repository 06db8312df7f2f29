"""Ingestion throughput: events/s, MB/s and peak RSS for JSONL and Parquet landing files.

    python -m bench ingest --events 1000000 --formats jsonl parquet

Data comes from the workload generator (once per format, cached under --work); each ingest
runs in a fresh child process on an empty ledger home so its peak RSS is its own. DuckDB's
memory limit and threads come from the settings (LEDGER_DUCKDB_MEMORY_LIMIT, ..._THREADS).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.rss import own_peak_rss_mib

TARGET_SECONDS_PER_10M = 45.0
TARGET_RSS_GIB = 4.0


def _landing_bytes(landing: Path) -> int:
    return sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())


def _generate(landing: Path, fmt: str, events: int, days: int) -> None:
    from inference_ledger.generator import GenerationOptions, generate

    marker = landing / "ground_truth.json"
    if marker.exists():
        truth = json.loads(marker.read_text())
        if truth.get("format") == fmt and truth["totals"]["inference_events"] > 0:
            wanted = truth.get("events_per_day", 0) * truth.get("days", 0)
            if wanted == (events // days) * days:
                return
    shutil.rmtree(landing, ignore_errors=True)
    started = time.perf_counter()
    generate(GenerationOptions(out=landing, format=fmt, days=days, events_per_day=events // days))
    print(f"  generated {fmt} in {time.perf_counter() - started:.1f}s", file=sys.stderr)


def _child(landing: str, home: str) -> int:
    os.environ["LEDGER_HOME"] = home
    from inference_ledger.ingest import ingest_landing
    from inference_ledger.settings import load_settings

    result = ingest_landing(Path(landing), load_settings())
    print(
        json.dumps(
            {
                "seconds": result.seconds,
                "loaded": result.total("records_loaded"),
                "events": sum(
                    f.records_loaded for f in result.files if f.kind in ("events", "otlp")
                ),
                "failed": len(result.failed),
                "peak_rss_mib": own_peak_rss_mib(),
            }
        )
    )
    return 0


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_one(landing: Path, work: Path) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="ingest-home-", dir=work))
    try:
        cpu_before = _children_cpu_seconds()
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "bench.ingest", "--child", str(landing), str(home)],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        cpu = _children_cpu_seconds() - cpu_before
        child = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    size = _landing_bytes(landing)
    return {
        "wall_seconds": wall,
        "ingest_seconds": child["seconds"],
        # CPU time of the ingest process (all threads): comparable on a shared, loaded machine
        # where wall time is not.
        "cpu_seconds": cpu,
        "records_loaded": child["loaded"],
        "events_loaded": child["events"],
        "files_failed": child["failed"],
        "events_per_second": child["events"] / wall,
        "records_per_second": child["loaded"] / wall,
        "mb_per_second": size / 1e6 / wall,
        "landing_mb": size / 1e6,
        "peak_rss_gib": child["peak_rss_mib"] / 1024,
    }


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        return _child(argv[1], argv[2])
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--formats", nargs="+", default=["jsonl", "parquet"])
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "ledger-bench-ingest"
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for fmt in args.formats:
        landing = args.work / f"landing-{fmt}-{args.events}"
        _generate(landing, fmt, args.events, args.days)
        results[fmt] = run_one(landing, args.work)
        r = results[fmt]
        print(
            f"{fmt:>8}: {r['events_loaded']:,.0f} events ({r['records_loaded']:,.0f} records "
            f"of all kinds) in {r['wall_seconds']:.1f}s ({r['events_per_second']:,.0f} events/s, "
            f"{r['records_per_second']:,.0f} records/s, {r['mb_per_second']:.1f} MB/s of "
            f"{r['landing_mb']:.0f} MB), {r['cpu_seconds']:.1f} CPU-s, "
            f"peak RSS {r['peak_rss_gib']:.2f} GiB"
        )
    scale = 10_000_000 / max(args.events, 1)
    for fmt, r in results.items():
        projected = r["wall_seconds"] * scale
        print(
            f"{fmt:>8}: projected 10M: {projected:.0f}s (target < {TARGET_SECONDS_PER_10M:.0f}s); "
            f"RSS target < {TARGET_RSS_GIB:.0f} GiB"
        )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
