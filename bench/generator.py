"""Generator throughput: events per second and peak memory for a given event count.

python -m bench generator --events 1000000 [--days 28] [--format jsonl] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from bench.rss import own_peak_rss_mib
from inference_ledger.generator import FORMATS, SCENARIOS, GenerationOptions, generate


def _peak_rss_mib() -> float:
    return own_peak_rss_mib()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generator", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="total events")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--format", choices=FORMATS, default="jsonl")
    parser.add_argument("--scenario", choices=SCENARIOS, default="baseline")
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args(argv)
    per_day = max(1, math.ceil(args.events / args.days))
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    cpu_before = _cpu_seconds()
    try:
        result = generate(
            GenerationOptions(
                out=workdir,
                scenario=args.scenario,
                days=args.days,
                events_per_day=per_day,
                format=args.format,
            )
        )
        size = sum(p.stat().st_size for p in workdir.rglob("*") if p.is_file())
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    rate = result.inference_events / result.seconds
    cpu = _cpu_seconds() - cpu_before
    print(
        f"generator format={args.format} events={result.inference_events} days={args.days} "
        f"seconds={result.seconds:.1f} cpu_seconds={cpu:.1f} events_per_s={rate:,.0f} "
        f"peak_rss_mib={_peak_rss_mib():.0f} output_mib={size / 2**20:.0f}"
    )
    # Wall time suffers when other work shares the cores; CPU time shows the generator's cost.
    print(
        f"projected 10M events: {10_000_000 / rate:.0f} s wall, "
        f"{10_000_000 / result.inference_events * cpu:.0f} s cpu; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
