"""`generate(options)`: stream a synthetic landing directory day by day with ground truth."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from inference_ledger.generator import catalog, shapes, writers
from inference_ledger.generator.arrivals import ArrivalTrace
from inference_ledger.generator.corrupt import corrupt_file
from inference_ledger.generator.scenarios import SCENARIOS, knobs_for
from inference_ledger.generator.simulate import (
    DAY_MS,
    EPOCH,
    DayData,
    Population,
    build_population,
    simulate_day,
)
from inference_ledger.generator.truth import GroundTruth

FORMATS = ("jsonl", "jsonl.gz", "parquet", "csv", "otlp", "mixed")
CORRUPTIBLE_FORMATS = ("jsonl", "jsonl.gz", "mixed")
DEFAULT_START = dt.date(2025, 5, 5)
GAPS_FILE = "ground_truth_audit_gaps.csv"
PRICE_FILE = "prices/owned_models.csv"
_PRICE_COLUMNS = (
    "provider",
    "model",
    "effective_from",
    "effective_to",
    "input_per_mtok_usd",
    "output_per_mtok_usd",
    "cached_input_per_mtok_usd",
    "per_request_usd",
)
# Columns of the creating call that an approval envelope repeats.
_APPROVAL_CONTEXT = (
    "out_idx",
    "model_version",
    "prompt_version",
    "guardrails_version",
    "context_ok",
    "user_action",
    "usr",
    "tenant",
    "feature",
)


@dataclass(frozen=True)
class GenerationOptions:
    """What to generate; mirrors `ledger generate` options."""

    out: Path
    scenario: str = "baseline"
    days: int = 28
    events_per_day: int = 1000
    seed: int = 7
    start: dt.date = DEFAULT_START
    format: str = "jsonl"
    corrupt_rate: float = 0.0
    arrivals: Path | None = None
    tenants: int = 20
    users: int = 500
    # Stop after this many days of a `days`-long story (the scenario timeline still spans
    # `days`): a workload "as of" a day in the middle of the story. None = the whole story.
    observe_days: int | None = None

    @property
    def observed_days(self) -> int:
        return self.days if self.observe_days is None else self.observe_days

    def validate(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; choose from {SCENARIOS}")
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}; choose from {FORMATS}")
        if self.days < 1 or self.events_per_day < 1:
            raise ValueError("days and events per day must be at least 1")
        if self.tenants < 1 or self.users < 1:
            raise ValueError("tenants and users must be at least 1")
        if self.observe_days is not None and not 1 <= self.observe_days <= self.days:
            raise ValueError("observe days must be between 1 and days")
        if not 0.0 <= self.corrupt_rate <= 1.0:
            raise ValueError("corrupt rate must be between 0 and 1")
        if self.corrupt_rate > 0 and self.format not in CORRUPTIBLE_FORMATS:
            raise ValueError(
                f"corruption is injected into JSON-lines event files: use a format in "
                f"{CORRUPTIBLE_FORMATS}, not {self.format!r}"
            )


@dataclass(frozen=True)
class GenerationResult:
    out: Path
    ground_truth_path: Path
    audit_gaps_path: Path
    files: tuple[Path, ...]
    inference_events: int
    total_cost_usd: float
    corrupted_lines: int
    duplicates_injected: int
    seconds: float


def _by_day(frame: pd.DataFrame, start_days: int) -> dict[int, pd.DataFrame]:
    if frame.empty:
        return {}
    index = frame["ts"].to_numpy() // DAY_MS - start_days
    return {int(k): part for k, part in frame.groupby(index, sort=True)}


class _Writer:
    """Writes one day's records in the chosen format and remembers every file written."""

    def __init__(self, out: Path, fmt: str, seed: int) -> None:
        self.out = out
        self.fmt = fmt
        self.seed = seed
        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute("SET enable_progress_bar = false")
        self.files: list[Path] = []
        self.file_fmt = fmt if fmt in writers.FILE_FORMATS else "jsonl"
        self.ext = self.file_fmt

    def _frame(self, frame, columns, sort_by, rel: str, fmt: str | None = None) -> Path:
        fmt = fmt or self.file_fmt
        path = self.out / rel
        writers.write_frame(self.con, frame, columns, sort_by, path, fmt)
        self.files.append(path)
        return path

    def events(self, events: pd.DataFrame, day: str) -> tuple[Path | None, str, str]:
        """Returns the file corruption may go into, with its timestamp and cost field names."""
        if self.fmt == "otlp":
            self.con.register("ev", events)
            docs = shapes.otlp_documents(self.con, "ev", self.seed)
            self.con.unregister("ev")
            path = self.out / f"otlp/{day}.jsonl"
            writers.write_lines(path, docs)
            self.files.append(path)
            return None, "", ""
        if self.fmt != "mixed":
            cols = writers.event_columns(self.seed, self.file_fmt)
            return (
                self._frame(events, cols, None, f"events/{day}.{self.ext}"),
                "event_ts",
                "inference_cost_usd",
            )
        return self._mixed_events(events, day)

    def _mixed_events(self, events: pd.DataFrame, day: str) -> tuple[Path | None, str, str]:
        rng = np.random.default_rng([self.seed, int(events["day"].iloc[0]), 31])
        shape = rng.integers(0, 4, size=len(events))
        # OTLP needs a trace id; spans without one go to the quick-start file instead.
        shape = np.where((shape == 2) & ~events["trace_ok"].to_numpy(), 0, shape)
        quick = None
        parts = {k: events[shape == k] for k in range(4)}
        if len(parts[0]):
            quick = self._frame(
                parts[0],
                shapes.quickstart_columns(self.seed),
                None,
                f"events/{day}.quickstart.jsonl",
                "jsonl",
            )
        if len(parts[1]):
            self._frame(
                parts[1],
                shapes.aliased_envelope_columns(self.seed),
                None,
                f"events/{day}.envelope.jsonl",
                "jsonl",
            )
        if len(parts[2]):
            self.con.register("ev", parts[2])
            docs = shapes.otlp_documents(self.con, "ev", self.seed)
            self.con.unregister("ev")
            path = self.out / f"otlp/{day}.jsonl"
            writers.write_lines(path, docs)
            self.files.append(path)
        if len(parts[3]):
            self._frame(
                parts[3],
                writers.event_columns(self.seed, "csv"),
                None,
                f"events/{day}.csv",
                "csv",
            )
        return quick, "timestamp", "cost_usd"

    def transitions(self, frame: pd.DataFrame, day: str) -> None:
        if frame.empty:
            return
        cols = writers.transition_columns(self.seed, self.file_fmt)
        if self.fmt == "mixed":
            cols = {**cols, "state": shapes.MIXED_TRANSITION_STATE}
        self._frame(
            frame, cols, ["ts", "out_day", "out_idx", "kind"], f"transitions/{day}.{self.ext}"
        )

    def tools_and_approvals(
        self, events: pd.DataFrame, tools: pd.DataFrame, approvals: pd.DataFrame, day: str
    ) -> None:
        if self.fmt == "mixed":
            docs = shapes.envelope_documents(self.con, events, tools, approvals, self.seed)
            if docs:
                path = self.out / f"envelopes/{day}.jsonl"
                writers.write_lines(path, docs)
                self.files.append(path)
            return
        if len(tools):
            self._frame(
                tools,
                writers.tool_call_columns(self.file_fmt),
                None,
                f"tool_calls/{day}.{self.ext}",
            )
        if len(approvals):
            self._frame(
                approvals,
                writers.approval_columns(self.file_fmt),
                ["ts", "out_day", "out_idx"],
                f"approvals/{day}.{self.ext}",
            )

    def revenue(self, frame: pd.DataFrame, month: str) -> None:
        cols = {
            "tenant_id": "tenant_id",
            "period_start": "period_start",
            "period_end": "period_end",
            "revenue_usd": "revenue_usd",
            "plan": "plan",
        }
        self._frame(frame, cols, None, f"revenue/{month}.{self.ext}")


def _revenue_frames(options: GenerationOptions, population) -> dict[str, pd.DataFrame]:
    last = options.start + dt.timedelta(days=options.observed_days - 1)
    month = options.start.replace(day=1)
    frames = {}
    while month <= last:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        frames[month.isoformat()] = pd.DataFrame(
            {
                "tenant_id": [f"t-{t:03d}" for t in range(options.tenants)],
                "period_start": month,
                "period_end": following - dt.timedelta(days=1),
                "revenue_usd": population.tenant_revenue,
                "plan": [catalog.PLANS[p] for p in population.tenant_plan],
            }
        )
        month = following
    return frames


def _write_price_file(out: Path) -> Path:
    path = out / PRICE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    price = catalog.OWNED_PRICE
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_PRICE_COLUMNS)
        writer.writerow(
            [
                price.provider,
                price.model,
                price.effective_from.isoformat(),
                "",
                price.input_per_mtok_usd,
                price.output_per_mtok_usd,
                price.cached_input_per_mtok_usd,
                price.per_request_usd,
            ]
        )
    return path


def generate(
    options: GenerationOptions, progress: Callable[[int], None] | None = None
) -> GenerationResult:
    """Write the landing directory and its ground truth; `progress(day_index)` per day."""
    options.validate()
    started = time.perf_counter()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    population = build_population(options.seed, options.tenants, options.users)
    arrivals = ArrivalTrace.from_csv(options.arrivals) if options.arrivals else None
    writer = _Writer(out, options.format, options.seed)
    truth = GroundTruth()
    writer.files.append(_write_price_file(out))
    for month, frame in _revenue_frames(options, population).items():
        writer.revenue(frame, month)
    start_days = (options.start - EPOCH).days
    pending_transitions: dict[int, list[pd.DataFrame]] = defaultdict(list)
    pending_approvals: dict[int, list[pd.DataFrame]] = defaultdict(list)
    corruption: list[dict[str, object]] = []
    gaps_path = out / GAPS_FILE
    with gaps_path.open("w", newline="", encoding="utf-8") as gaps_handle:
        gaps = csv.writer(gaps_handle, lineterminator="\n")
        gaps.writerow(["output_id", "missing"])
        # Simulating the next day (numpy) overlaps writing this one (DuckDB releases the GIL).
        with ThreadPoolExecutor(max_workers=1) as pool:
            upcoming = pool.submit(_simulate, options, 0, population, arrivals)
            for index in range(options.observed_days):
                data = upcoming.result()
                if index + 1 < options.observed_days:
                    upcoming = pool.submit(_simulate, options, index + 1, population, arrivals)
                _write_day(
                    options,
                    index,
                    data,
                    writer,
                    truth,
                    gaps,
                    corruption,
                    pending_transitions,
                    pending_approvals,
                    start_days,
                )
                if progress is not None:
                    progress(index)
    writer.con.close()
    weeks = truth.per_week()
    duplicates = sum(1 for c in corruption if c["reason"] == "duplicate")
    totals = truth.totals_dict()
    ground_truth = {
        "scenario": options.scenario,
        "seed": options.seed,
        "days": options.days,
        "observe_days": options.observed_days,
        "start_date": options.start.isoformat(),
        "format": options.format,
        "events_per_day": options.events_per_day,
        "tenants": options.tenants,
        "users": options.users,
        "arrivals": options.arrivals.name if options.arrivals else None,
        "corrupt_rate": options.corrupt_rate,
        "totals": totals,
        "per_day": truth.per_day(),
        "per_week": weeks,
        "audit_gaps_file": GAPS_FILE,
        "expected_status": truth.expected_status(weeks),
        "corruption": corruption,
        "duplicates_injected": duplicates,
    }
    gt_path = out / "ground_truth.json"
    gt_path.write_text(json.dumps(ground_truth, indent=1) + "\n", encoding="utf-8")
    return GenerationResult(
        out=out,
        ground_truth_path=gt_path,
        audit_gaps_path=gaps_path,
        files=tuple(writer.files),
        inference_events=totals["inference_events"],
        total_cost_usd=totals["total_cost_usd"],
        corrupted_lines=len(corruption) - duplicates,
        duplicates_injected=duplicates,
        seconds=time.perf_counter() - started,
    )


def _simulate(
    options: GenerationOptions,
    index: int,
    population: Population,
    arrivals: ArrivalTrace | None,
) -> DayData:
    return simulate_day(
        seed=options.seed,
        day_index=index,
        date=options.start + dt.timedelta(days=index),
        events_per_day=options.events_per_day,
        knobs=knobs_for(options.scenario, index, options.days),
        population=population,
        arrivals=arrivals,
        unknown_trigger_rate=options.corrupt_rate / 4,
    )


def _write_day(
    options: GenerationOptions,
    index: int,
    data: DayData,
    writer: _Writer,
    truth: GroundTruth,
    gaps,
    corruption: list[dict[str, object]],
    pending_transitions: dict[int, list[pd.DataFrame]],
    pending_approvals: dict[int, list[pd.DataFrame]],
    start_days: int,
) -> None:
    """Write one day, including transitions and approvals of earlier days that fall on it."""
    date = data.date
    label = date.isoformat()
    creators = data.events.loc[data.events["kind"] == 0, list(_APPROVAL_CONTEXT)]
    approvals = data.approvals.merge(creators, on="out_idx", how="left")
    for key, part in _by_day(data.transitions, start_days).items():
        pending_transitions[key].append(part)
    for key, part in _by_day(approvals, start_days).items():
        pending_approvals[key].append(part)
    today_transitions = _concat(pending_transitions.pop(index, []))
    today_approvals = _concat(pending_approvals.pop(index, []))

    target, ts_field, cost_field = writer.events(data.events, label)
    writer.transitions(today_transitions, label)
    writer.tools_and_approvals(data.events, data.tool_calls, today_approvals, label)

    truth.add_events(date, data.events)
    truth.add_outputs(date, data.outputs)
    truth.add_transitions(date, today_transitions)
    truth.add_tool_calls(len(data.tool_calls))
    truth.add_approvals(len(today_approvals))
    incomplete = data.outputs[~data.outputs["t1"]]
    gaps.writerows(
        (f"out-{index:04d}-{idx:06d}", missing)
        for idx, missing in zip(incomplete["out_idx"], incomplete["missing"], strict=True)
    )
    if options.corrupt_rate > 0 and target is not None:
        crng = np.random.default_rng([options.seed, index, 29])
        corruption += corrupt_file(
            target,
            target.relative_to(writer.out).as_posix(),
            crng,
            options.corrupt_rate,
            ts_field=ts_field,
            cost_field=cost_field,
        )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
