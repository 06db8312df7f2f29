"""The pipeline against the alternatives, and its scaling curve.

    python -m bench compare --sizes 1M,3M,10M --days 60 --repeat 3 [--workdir .bench]
                            [--formats jsonl,parquet] [--skip-postgres] [--skip-incremental]

For each size the project's generator writes `days + 1` days of landing files (JSONL and
Parquet); the first `days` days are the data set, the last one is the nightly increment.
Each measurement runs in a child process (wall time; peak RSS of the child's process tree,
plus the PostgreSQL server's, sampled with psutil) and is the median of `--repeat` runs:

- pipeline: `python -m inference_ledger.cli run` (the Dagster job in-process) on a fresh
  ledger home: ingest, dbt build, expectations, publish; per-step times from Dagster events;
- incremental: one more day landed into the 60-day warehouse, then the same command;
- duckdb: hand-written SQL over the same files (`bench/alternatives/duckdb_direct.py`);
- postgres: COPY + the manual's queries on a local server (`.../postgres_manual.py`);
- pandas: read + groupby (`.../pandas_groupby.py`).

Every alternative's four headline results must equal the marts, or the command exits 1.
Results accumulate in `<workdir>/compare-results.json` (one entry per size, approach and
input, each with its time), so sizes, and approaches of one size, can be run separately; the
Markdown tables and the plot are written from it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench.alternatives import marts
from bench.alternatives import results as res

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "benchmarks.svg"
START, END = "<!-- compare:start -->", "<!-- compare:end -->"
DATED_FOLDERS = ("events", "transitions", "tool_calls", "approvals", "envelopes")
# Dagster step -> the pipeline stage it belongs to.
STAGES = {
    "ingest_landing": "ingest",
    "ledger_dbt_models": "dbt",
    "raw_zone_quality": "checks",
    "mart_quality": "checks",
    "ops_report": "publish",
    "published_marts": "publish",
}
STEP_DONE = re.compile(
    r' - (\w+) - STEP_SUCCESS - Finished execution of step "\w+" in ([\dhms.]+)\.'
)
APPROACH_LABELS = {
    "pipeline": "pipeline (ledger run)",
    "incremental": "nightly incremental (+1 day)",
    "duckdb": "hand-written DuckDB",
    "postgres": "PostgreSQL (COPY + manual queries)",
    "pandas": "pandas",
}
TARGET_RATIO, TARGET_INC_SHARE, TARGET_INC_SECONDS, TARGET_RSS_GIB = 4.0, 0.1, 30.0, 4.0


# --- measuring -------------------------------------------------------------------------------
class PeakRss:
    """Peak summed RSS of a process tree (plus extra trees), sampled every 100 ms."""

    def __init__(self, pid: int, extra: tuple[int, ...] = ()) -> None:
        self.roots = (pid, *extra)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            for root in self.roots:
                try:
                    proc = psutil.Process(root)
                    procs = [proc, *proc.children(recursive=True)]
                except psutil.Error:
                    continue
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def measure(argv: list[str], log: Path, extra_pids: tuple[int, ...] = ()) -> dict[str, Any]:
    """Run `argv`, logging stdout/stderr next to `log`; wall seconds and peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "DAGSTER_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    with log.with_suffix(".out").open("w") as out, log.with_suffix(".err").open("w") as err:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=REPO)
        sampler = PeakRss(proc.pid, extra_pids)
        code = proc.wait()
        wall = time.perf_counter() - started
        peak = sampler.stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the child and the descendants it waited for: comparable under load,
    # where wall time is not (the PostgreSQL server's own CPU is not included).
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if code != 0:
        tail = log.with_suffix(".err").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv[:6])} ... exited {code}:\n{tail}")
    return {"seconds": wall, "cpu_seconds": cpu, "peak_rss_gib": peak / 2**30}


def _duration(text: str) -> float:
    total = 0.0
    for value, unit in re.findall(r"([\d.]+)(ms|h|m|s)", text):
        total += float(value) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    return total


def pipeline_stages(stderr: Path, wall: float) -> dict[str, float]:
    """Seconds per stage from the Dagster step events; the rest of the wall is overhead."""
    stages = {"ingest": 0.0, "dbt": 0.0, "checks": 0.0, "publish": 0.0}
    for line in stderr.read_text(errors="replace").splitlines():
        match = STEP_DONE.search(line)
        if match:
            stage = STAGES.get(match.group(1), "publish")
            stages[stage] += _duration(match.group(2))
    stages["orchestration"] = max(0.0, wall - sum(stages.values()))
    return stages


# --- data ------------------------------------------------------------------------------------
def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def generate(data: Path, fmt: str, events_per_day: int, days: int) -> None:
    from inference_ledger.generator import GenerationOptions, generate

    truth = data / "ground_truth.json"
    if truth.exists():
        known = json.loads(truth.read_text())
        if (known.get("events_per_day"), known.get("days"), known.get("format")) == (
            events_per_day,
            days,
            fmt,
        ):
            return
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    generate(GenerationOptions(out=data, format=fmt, days=days, events_per_day=events_per_day))
    print(f"  generated {fmt} x {days} days in {time.perf_counter() - started:.0f}s", flush=True)


def split_landing(data: Path, landing: Path, last_day: str) -> list[tuple[Path, Path]]:
    """Hard-link all but the last day into `landing`; return the last day's (source, target)."""
    shutil.rmtree(landing, ignore_errors=True)
    later: list[tuple[Path, Path]] = []
    for path in sorted(data.rglob("*")):
        rel = path.relative_to(data)
        if not path.is_file() or len(rel.parts) < 2:
            continue  # ground truth files in the root are not landing data
        target = landing / rel
        if rel.parts[0] in DATED_FOLDERS and path.name.startswith(last_day):
            later.append((path, target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    return later


def price_list(landing: Path, fmt: str, out: Path) -> None:
    """The price list every alternative uses (reference data, like a vendor's price sheet):
    the pipeline's own resolution (genai-prices, then the seed and landing overrides)."""
    import duckdb

    from inference_ledger import pricing

    reader = "read_parquet" if fmt == "parquet" else "read_json_auto"
    models = [
        row[0]
        for row in duckdb.sql(
            f"select distinct model_version from {reader}('{landing}/events/*.{fmt}')"
            " where model_version is not null"
        ).fetchall()
    ]
    overrides = pricing.load_overrides(REPO / "dbt_project/seeds/model_price_overrides.csv")
    for path in sorted((landing / "prices").glob("*.csv")):
        overrides += pricing.load_overrides(path)
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "model",
                "effective_from",
                "effective_to",
                "input_per_mtok_usd",
                "output_per_mtok_usd",
                "cached_input_per_mtok_usd",
                "per_request_usd",
            ]
        )
        for row in pricing.build_price_table(models, overrides):
            writer.writerow(
                [
                    row.model,
                    row.effective_from,
                    row.effective_to,
                    row.input_per_mtok_usd,
                    row.output_per_mtok_usd,
                    row.cached_input_per_mtok_usd,
                    row.per_request_usd,
                ]
            )


# --- one size --------------------------------------------------------------------------------
def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def merged(earlier: dict[str, Any] | None, block: dict[str, Any]) -> dict[str, Any]:
    """`block` with the entries of an earlier measurement of the same size and days that it
    did not measure again, so approaches of one size can be measured in separate runs."""
    if not earlier or (earlier.get("events"), earlier.get("days")) != (
        block["events"],
        block["days"],
    ):
        return block
    # Entries stored before each carried its own time keep their block's.
    kept = {
        name: {"measured_at": earlier["measured_at"].split(" to ")[-1], **entry}
        for name, entry in earlier["results"].items()
    }
    results = {**kept, **block["results"]}
    stamps = sorted(e["measured_at"] for e in results.values() if "measured_at" in e)
    span = f"{stamps[0]} to {stamps[-1]}" if stamps and stamps[0] != stamps[-1] else None
    return {**block, "results": results, "measured_at": span or block["measured_at"]}


def _summary(runs: list[dict[str, Any]], events: int) -> dict[str, Any]:
    seconds = statistics.median(r["seconds"] for r in runs)
    entry: dict[str, Any] = {
        "seconds": seconds,
        "runs": [round(r["seconds"], 2) for r in runs],
        "peak_rss_gib": max(r["peak_rss_gib"] for r in runs),
        "cpu_seconds": statistics.median(r.get("cpu_seconds", 0.0) for r in runs),
        "events_per_second": events / seconds,
        "measured_at": _now(),
    }
    if "stages" in runs[0]:
        entry["stages"] = {
            k: statistics.median(r["stages"][k] for r in runs) for k in runs[0]["stages"]
        }
    return entry


def _check(name: str, reference: res.Results, out: Path, failures: list[str]) -> None:
    problems = res.differences(reference, res.load(out))
    if problems:
        failures.append(f"{name}: " + "; ".join(problems))
        print(f"  MISMATCH {name}: {problems[:3]}", flush=True)


def run_size(
    args: argparse.Namespace,
    size: int,
    failures: list[str],
    progress: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Measure one size; `progress` gets the block after every approach (a long run that is
    stopped keeps what it measured)."""
    work: Path = args.workdir / label(size)
    work.mkdir(parents=True, exist_ok=True)
    events_per_day = size // args.days
    events = events_per_day * args.days
    start = dt.date(2025, 5, 5)  # the generator's default start
    last_day = (start + dt.timedelta(days=args.days)).isoformat()
    entries: dict[str, Any] = {}
    py = sys.executable

    def block() -> dict[str, Any]:
        return {
            "events": events,
            "days": args.days,
            "cores": os.cpu_count(),
            "load": [round(x, 2) for x in os.getloadavg()],
            "measured_at": _now(),
            "repeat": args.repeat,
            "pipeline_repeat": args.pipeline_repeat,
            "results": entries,
        }

    print(f"== {label(size)}: {events:,} events over {args.days} days", flush=True)
    for fmt in args.formats:
        data = work / f"data-{fmt}"
        generate(data, fmt, events_per_day, args.days + 1)
        landing = work / f"landing-{fmt}"
        later = split_landing(data, landing, last_day)
        prices = work / "prices.csv"
        price_list(landing, fmt, prices)
        logs = work / "logs"
        logs.mkdir(exist_ok=True)

        # The pipeline first: its marts are the reference every alternative must equal.
        runs = []
        home = work / f"home-{fmt}"
        for i in range(args.pipeline_repeat if "pipeline" in args.approaches else 1):
            shutil.rmtree(home, ignore_errors=True)
            cmd = [py, "-m", "inference_ledger.cli", "run", "--home", str(home)]
            run = measure([*cmd, "--landing", str(landing)], logs / f"pipeline-{fmt}-{i}")
            run["stages"] = pipeline_stages(logs / f"pipeline-{fmt}-{i}.err", run["seconds"])
            runs.append(run)
            print(f"  pipeline {fmt}: {run['seconds']:.1f}s {run['stages']}", flush=True)
        if "pipeline" in args.approaches:
            entries[f"pipeline|{fmt}"] = _summary(runs, events)
            progress(block())
        reference = marts.read(home / "warehouse.duckdb")
        reference_path = work / f"marts-{fmt}.json"
        res.save(reference, reference_path)

        if fmt == "jsonl" and not args.skip_incremental and later:
            entries["incremental|jsonl"] = incremental(args, home, landing, later, logs, size)
            progress(block())

        approaches = [a for a in ("duckdb", "pandas") if a in args.approaches]
        if fmt == "jsonl" and not args.skip_postgres:
            approaches.append("postgres")
        for approach in approaches:
            runs = []
            for i in range(args.repeat):
                out = work / f"{approach}-{fmt}.json"
                child = [py, "-m", "bench.compare", "--child", approach, fmt, str(landing)]
                child += [str(prices), str(out)]
                if approach == "postgres":
                    runs.append(postgres_run(child, logs / f"{approach}-{fmt}-{i}"))
                else:
                    runs.append(measure(child, logs / f"{approach}-{fmt}-{i}"))
                _check(f"{approach} {fmt} {label(size)}", reference, out, failures)
                print(f"  {approach} {fmt}: {runs[-1]['seconds']:.1f}s", flush=True)
            entries[f"{approach}|{fmt}"] = _summary(runs, events)
            progress(block())
        if not args.keep_data:
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(landing, ignore_errors=True)
    return block()


def incremental(
    args: argparse.Namespace,
    home: Path,
    landing: Path,
    later: list[tuple[Path, Path]],
    logs: Path,
    size: int,
) -> dict[str, Any]:
    """Land the next day into the 60-day warehouse and time the second run.

    The warehouse is restored from a copy before each repeat, at the same path, so every
    repeat starts from the same 60-day state (dbt's partial parse sees the same paths).
    """
    base = home.with_name(home.name + "-base")
    shutil.rmtree(base, ignore_errors=True)
    if args.pipeline_repeat > 1:
        shutil.copytree(home, base, symlinks=True)
    runs = []
    try:
        for source, target in later:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)
        for i in range(args.pipeline_repeat):
            if i:
                shutil.rmtree(home)
                shutil.copytree(base, home, symlinks=True)
            cmd = [sys.executable, "-m", "inference_ledger.cli", "run", "--home", str(home)]
            run = measure([*cmd, "--landing", str(landing)], logs / f"incremental-{i}")
            run["stages"] = pipeline_stages(logs / f"incremental-{i}.err", run["seconds"])
            runs.append(run)
            print(f"  incremental: {run['seconds']:.1f}s {run['stages']}", flush=True)
    finally:
        for _, target in later:
            target.unlink(missing_ok=True)
        # The 60-day state again: alternatives and later runs see the same data set.
        if base.exists():
            shutil.rmtree(home, ignore_errors=True)
            base.rename(home)
    return _summary(runs, (size // args.days))


_PG_DSN: dict[str, tuple[str, int]] = {}


def postgres_run(child: list[str], log: Path) -> dict[str, Any]:
    from bench.alternatives import postgres_manual

    dsn, pid = _PG_DSN["server"]
    database = postgres_manual.fresh_database(dsn, "bench")
    return measure([*child, database], log, extra_pids=(pid,))


def child(argv: list[str]) -> int:
    approach, fmt, landing, prices, out = argv[:5]
    if approach == "duckdb":
        from bench.alternatives import duckdb_direct

        found = duckdb_direct.run(Path(landing), Path(prices), fmt)
    elif approach == "pandas":
        from bench.alternatives import pandas_groupby

        found = pandas_groupby.run(Path(landing), Path(prices), fmt)
    else:
        from bench.alternatives import postgres_manual

        found = postgres_manual.run(argv[5], Path(landing), Path(prices))
    res.save(found, Path(out))
    return 0


# --- report ----------------------------------------------------------------------------------
def _ratio(a: float | None, b: float | None) -> str:
    if not (a and b):
        return "—"
    return f"{a / b:.1f}x" if a / b >= 1 else f"{a / b:.2f}x"


def render(store: dict[str, Any]) -> str:
    sizes = sorted(store, key=lambda k: store[k]["events"])
    lines = [START, ""]
    for key in sizes:
        block = store[key]
        r = block["results"]
        lines += [
            f"### {key} events ({block['events']:,} over {block['days']} days)",
            "",
            f"{block['cores']} cores, load average {block['load']} at the end, "
            f"{block['measured_at']}; each row is the median of the runs it lists.",
            "",
            "| approach | input | median s | runs (s) | CPU s | events/s | peak RSS GiB |",
            "|---|---|---:|---|---:|---:|---:|",
        ]
        for name, entry in r.items():
            approach, fmt = name.split("|")
            cpu = f"{entry['cpu_seconds']:.0f}" if entry.get("cpu_seconds") else "—"
            lines.append(
                f"| {APPROACH_LABELS[approach]} | {fmt} | {entry['seconds']:.1f} | "
                f"{', '.join(f'{s:g}' for s in entry['runs'])} | {cpu} | "
                f"{entry['events_per_second']:,.0f} | {entry['peak_rss_gib']:.2f} |"
            )

        def sec(name: str, r: dict[str, Any] = r) -> float | None:
            return r.get(name, {}).get("seconds")

        lines += [
            "",
            "- pipeline / hand-written DuckDB: JSONL "
            f"{_ratio(sec('pipeline|jsonl'), sec('duckdb|jsonl'))}"
            f" (target ≤ {TARGET_RATIO:g}x), Parquet "
            f"{_ratio(sec('pipeline|parquet'), sec('duckdb|parquet'))}",
            "- PostgreSQL / pipeline (JSONL): "
            f"{_ratio(sec('postgres|jsonl'), sec('pipeline|jsonl'))}",
            f"- pandas / pipeline (JSONL): {_ratio(sec('pandas|jsonl'), sec('pipeline|jsonl'))}",
        ]
        if sec("incremental|jsonl") and sec("pipeline|jsonl"):
            share = sec("incremental|jsonl") / sec("pipeline|jsonl")  # type: ignore[operator]
            lines.append(
                f"- incremental / full: {share:.2f} (target ≤ {TARGET_INC_SHARE:g} and "
                f"< {TARGET_INC_SECONDS:g} s; events/s column counts the new day's events)"
            )
        stage_rows = [(n, e["stages"]) for n, e in r.items() if "stages" in e]
        if stage_rows:
            lines += [
                "",
                "| where the pipeline's time goes (s) | ingest | dbt | checks | publish "
                "| orchestration + start-up |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for name, st in stage_rows:
                lines.append(
                    f"| {name.replace('|', ' ')} | {st['ingest']:.1f} | {st['dbt']:.1f} | "
                    f"{st['checks']:.1f} | {st['publish']:.1f} | {st['orchestration']:.1f} |"
                )
        lines.append("")
    growth = scaling(store)
    if growth:
        lines += [
            "Scaling from the smallest to the largest size each approach ran at "
            "(time ratio / events ratio; ≤ 1 is linear or better):",
            "",
        ]
        lines += [f"- {name.replace('|', ' ')}, {span}: {g:.2f}" for name, span, g in growth]
        lines.append("")
    lines += ["![time vs events](benchmarks.svg)", "", END]
    return "\n".join(lines)


def scaling(store: dict[str, Any]) -> list[tuple[str, str, float]]:
    """Per approach and input: (name, "1M → 10M", time ratio / events ratio)."""
    sizes = sorted(store, key=lambda k: store[k]["events"])
    names = dict.fromkeys(n for k in sizes for n in store[k]["results"] if n != "incremental|jsonl")
    found = []
    for name in names:
        ran = [k for k in sizes if name in store[k]["results"]]
        if len(ran) < 2:
            continue
        first, last = store[ran[0]], store[ran[-1]]
        time_ratio = last["results"][name]["seconds"] / first["results"][name]["seconds"]
        found.append(
            (name, f"{ran[0]} → {ran[-1]}", time_ratio / (last["events"] / first["events"]))
        )
    return found


def plot(store: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "inference-ledger"  # stable ids: small diffs
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    names = sorted({n for b in store.values() for n in b["results"] if n != "incremental|jsonl"})
    for name in names:
        points = sorted(
            (b["events"], b["results"][name]["seconds"])
            for b in store.values()
            if name in b["results"]
        )
        approach, fmt = name.split("|")
        ax.plot(*zip(*points, strict=True), marker="o", label=f"{APPROACH_LABELS[approach]}, {fmt}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events (60 days)")
    ax.set_ylabel("seconds (median)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def write_doc(store: dict[str, Any], doc: Path, plot_path: Path) -> None:
    body = render(store)
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    doc.write_text(head + body + tail, encoding="utf-8")
    plot(store, plot_path)


# --- entry point -----------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        return child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench compare", description=__doc__)
    parser.add_argument("--sizes", default="1M,3M,10M", help="event counts, e.g. 20k,1M,3M")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pipeline-repeat",
        type=int,
        help="runs of the pipeline and the incremental (default: --repeat); minutes each",
    )
    parser.add_argument("--workdir", type=Path, default=REPO / ".bench")
    parser.add_argument("--formats", default="jsonl,parquet")
    parser.add_argument(
        "--approaches",
        default="pipeline,incremental,duckdb,postgres,pandas",
        help="subset to measure; the pipeline always runs once (its marts are the reference)",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--keep-data", action="store_true", help="keep landing and warehouse")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.*")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="rewrite docs/benchmarks.* from the stored results, measuring nothing",
    )
    args = parser.parse_args(argv)
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    args.pipeline_repeat = args.pipeline_repeat or args.repeat
    args.approaches = {a.strip() for a in args.approaches.split(",") if a.strip()}
    if "postgres" not in args.approaches:
        args.skip_postgres = True
    if "incremental" not in args.approaches:
        args.skip_incremental = True
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()}", flush=True)

    store_path = args.workdir / "compare-results.json"
    store: dict[str, Any] = json.loads(store_path.read_text()) if store_path.exists() else {}
    if args.render_only:
        write_doc(store, DOC, PLOT)
        print(f"wrote {DOC} and {PLOT} from {store_path}")
        return 0
    failures: list[str] = []
    server = None
    if not args.skip_postgres:
        from bench.alternatives import postgres_manual

        server = postgres_manual.server()
        _PG_DSN["server"] = server.__enter__()
    try:
        for text in args.sizes.split(","):
            size = parse_size(text)

            def save(block: dict[str, Any], size: int = size) -> None:
                # Re-read: another size may be measured by a concurrent invocation.
                current = json.loads(store_path.read_text()) if store_path.exists() else {}
                current[label(size)] = merged(current.get(label(size)), block)
                store_path.write_text(json.dumps(current, indent=2))
                store.clear()
                store.update(current)
                if not args.no_doc:
                    write_doc(store, DOC, PLOT)

            save(run_size(args, size, failures, save))
    finally:
        if server is not None:
            server.__exit__(None, None, None)
    measured = {label(parse_size(text)) for text in args.sizes.split(",")}
    print(render({k: v for k, v in store.items() if k in measured}))
    if failures:
        print("FAILED: results differ from the marts:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
