"""dbt build cost: full build of N events over D days vs a one-day incremental run.

    python -m bench dbt_build --events 1000000 --days 60

The workload generator writes D days; ingestion loads the first D-1 into a fresh warehouse
and `dbt build` builds everything (full). Then the last day is ingested and an incremental
`dbt run` processes it (default lookback of 3 days). Then `dbt run --full-refresh` on all D
days gives the full-build time at the same size, and an incremental `dbt run` with the last
day's partition window (`--vars start_date/end_date`, as the orchestrator runs a daily
partition) gives the one-day incremental time; the ratio is partition / full. Two last
invocations select no model: dbt's fixed cost per process (start-up, connection) with the
saved parse, and with a new window, which makes dbt parse the project again. `--reuse`
repeats only the last two on the warehouse of a previous run. Each dbt invocation runs in
a fresh child process, so its peak RSS and CPU seconds (user + system, all threads) are its
own; CPU seconds stay comparable when other work shares the machine, wall seconds do not, so
the load average is printed too. Data tests are excluded (models only). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.rss import own_peak_rss_mib


def _child(spec: str) -> int:
    from inference_ledger.dbt_runner import DbtInvocation, run_dbt

    options = json.loads(spec)
    started = time.perf_counter()
    run_dbt(
        DbtInvocation(
            command=options["command"],
            full_refresh=options["full_refresh"],
            target_path=Path(options["work"]) / "target",
            log_path=Path(options["work"]) / "logs",
            select=tuple(options.get("select", ())),
            exclude=tuple(options.get("exclude", ())),
            vars=options.get("vars", {}),
        )
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_rss_mib": own_peak_rss_mib(),
            }
        )
    )
    return 0


def _dbt(
    work: Path,
    warehouse: Path,
    command: str,
    full_refresh: bool,
    window: dict[str, str] | None = None,
    select: tuple[str, ...] = (),
) -> dict[str, float]:
    spec = json.dumps(
        {
            "command": command,
            "full_refresh": full_refresh,
            "vars": window or {},
            "work": str(work),
            "select": list(select),
            # Data tests are a separate cost from transformation; the bench times models.
            "exclude": ["resource_type:test", "resource_type:unit_test"],
        }
    )
    env = dict(os.environ, LEDGER_WAREHOUSE=str(warehouse), LEDGER_DBT_TARGET="duckdb")
    output = subprocess.run(
        [sys.executable, "-m", "bench", "dbt_build", "--child", spec],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _ingest(landing: Path, home: Path) -> float:
    from inference_ledger.ingest import ingest_landing
    from inference_ledger.settings import load_settings

    os.environ["LEDGER_HOME"] = str(home)
    started = time.perf_counter()
    ingest_landing(landing, load_settings())
    return time.perf_counter() - started


def _stage_days(source: Path, landing: Path, days: set[str]) -> None:
    """Link the generator's files of the given days (plus month-level ones) into `landing`."""
    for path in source.rglob("*"):
        if not path.is_file() or path.parent == source:
            continue
        stem = path.name.split(".")[0]
        kind = path.relative_to(source).parts[0]
        if stem in days or kind in {"revenue", "prices"}:
            target = landing / path.relative_to(source)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dbt_build", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="total inference events")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--scenario", default="undo-margin-killer")
    parser.add_argument("--work", type=Path, default=Path("bench/results/dbt_build"))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the warehouse of a previous run (skip generation, ingestion, first build)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)

    from inference_ledger.generator import GenerationOptions, generate

    work = args.work.resolve()
    source = work / "generated"
    truth_path = source / "ground_truth.json"
    per_day = args.events // args.days
    cached = (
        truth_path.exists()
        and json.loads(truth_path.read_text()).get("events_per_day") == per_day
        and json.loads(truth_path.read_text()).get("days") == args.days
    )
    if not cached:
        shutil.rmtree(source, ignore_errors=True)
        generate(
            GenerationOptions(
                out=source, scenario=args.scenario, days=args.days, events_per_day=per_day
            )
        )
    truth = json.loads(truth_path.read_text())
    day_names = [row["date_day"] for row in truth["per_day"]]

    run = work / "run"
    landing, home = run / "landing", run / "home"
    warehouse = home / "warehouse.duckdb"
    report: dict[str, object] = {
        "events": truth["totals"]["inference_events"],
        "days": args.days,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }
    if not (args.reuse and warehouse.exists()):
        shutil.rmtree(run, ignore_errors=True)
        _stage_days(source, landing, set(day_names[:-1]))
        report["ingest_first_days_seconds"] = round(_ingest(landing, home), 2)
        first = _dbt(run, warehouse, "build", full_refresh=True)
        report["full_build_first_days_seconds"] = round(first["seconds"], 2)
        _stage_days(source, landing, {day_names[-1]})
        report["ingest_last_day_seconds"] = round(_ingest(landing, home), 2)
        lookback = _dbt(run, warehouse, "run", full_refresh=False)
        report["incremental_one_day_lookback_seconds"] = round(lookback["seconds"], 2)
        report["incremental_one_day_lookback_cpu_seconds"] = round(lookback["cpu_seconds"], 2)
        report["incremental_peak_rss_mib"] = round(lookback["peak_rss_mib"], 1)
    full = _dbt(run, warehouse, "run", full_refresh=True)
    last = dt.date.fromisoformat(day_names[-1])
    # The orchestrator's daily partition run: only the last day's window.
    window = {"start_date": last.isoformat(), "end_date": (last + dt.timedelta(days=1)).isoformat()}
    partition = _dbt(run, warehouse, "run", full_refresh=False, window=window)
    # The same invocation selecting nothing: dbt's fixed cost (start-up, connection), which
    # no model change can remove. With the same window the saved parse is reused; with the
    # next day's window dbt parses the whole project again (new --vars), as every daily
    # partition run does.
    nothing = ("resource_type:analysis",)
    startup = _dbt(run, warehouse, "run", full_refresh=False, window=window, select=nothing)
    next_day = {
        "start_date": (last + dt.timedelta(days=1)).isoformat(),
        "end_date": (last + dt.timedelta(days=2)).isoformat(),
    }
    reparse = _dbt(run, warehouse, "run", full_refresh=False, window=next_day, select=nothing)
    report.update(
        {
            "full_build_seconds": round(full["seconds"], 2),
            "full_build_cpu_seconds": round(full["cpu_seconds"], 2),
            "full_build_peak_rss_mib": round(full["peak_rss_mib"], 1),
            "incremental_one_day_partition_seconds": round(partition["seconds"], 2),
            "incremental_partition_cpu_seconds": round(partition["cpu_seconds"], 2),
            "incremental_partition_peak_rss_mib": round(partition["peak_rss_mib"], 1),
            "incremental_to_full_ratio": round(partition["seconds"] / full["seconds"], 3),
            "incremental_to_full_cpu_ratio": round(
                partition["cpu_seconds"] / full["cpu_seconds"], 3
            ),
            "dbt_fixed_cost_seconds": round(startup["seconds"], 2),
            "dbt_fixed_cost_cpu_seconds": round(startup["cpu_seconds"], 2),
            "dbt_fixed_cost_with_reparse_cpu_seconds": round(reparse["cpu_seconds"], 2),
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        }
    )
    print(json.dumps(report, indent=1))
    return 0
