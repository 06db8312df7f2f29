"""Validate the warehouse: load each suite's slice from DuckDB, run GE, keep every outcome.

Great Expectations takes seconds to initialise, so a `QualityRun` holds one ephemeral
context for all suites of a run; its in-memory results feed the Data Docs build.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import pandas_execution_engine

from expectations import store
from expectations.config import QualityConfig
from expectations.core import ERROR, WARN, ExpectationOutcome, SuiteSpec, nanosecond_timestamps
from expectations.docs import DOCS_SITE, add_docs_site, context_config, docs_index
from expectations.suites import ALL_SUITES

# Which day of a multi-day frame a row belongs to (position in the validated days).
DAY_COLUMN = "_ledger_day"


@dataclass
class SuiteResult:
    """All outcomes of one suite on one partition (or on a whole mart)."""

    spec: SuiteSpec
    partition: dt.date | None
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.severity == ERROR and not o.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.severity == WARN and not o.success]

    def outcome(self, check: str) -> ExpectationOutcome:
        for o in self.outcomes:
            if o.check == check:
                return o
        raise KeyError(f"suite {self.spec.name} has no check {check!r}")


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


@contextmanager
def _without_batch_fingerprints() -> Iterator[None]:
    """GE fingerprints every pandas batch smaller than a threshold by hashing all of its
    values (pandas row hashes, then md5): 15% of the raw-zone validation time, for a batch
    marker nothing reads. Batches here are named by table, day and ingest run instead."""
    saved = pandas_execution_engine.HASH_THRESHOLD
    pandas_execution_engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        pandas_execution_engine.HASH_THRESHOLD = saved


class QualityRun:
    """One validation run: a GE ephemeral context, its run id and optional Data Docs site."""

    def __init__(
        self,
        run_id: str | None = None,
        config: QualityConfig | None = None,
        docs_dir: Path | None = None,
        run_time: dt.datetime | None = None,
    ) -> None:
        self.run_id = run_id or uuid.uuid4().hex
        self.config = config or QualityConfig()
        self.docs_dir = docs_dir
        # Workers validating parts of one run share its id and time, so Data Docs show one run.
        self.run_time = run_time or dt.datetime.now(dt.UTC)
        self.context = gx.get_context(mode="ephemeral", project_config=context_config(docs_dir))
        # Progress bars only clutter orchestrator logs.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._datasource = self.context.data_sources.add_pandas("ledger")
        self._run_identifier = RunIdentifier(run_name=self.run_id, run_time=self.run_time)
        # Identifiers of the stored validation results this run's Data Docs render.
        self.validated: list[Any] = []
        # Listing the context's suites deserializes every one of them: a run of many
        # partitions would spend quadratic time asking whether a name is taken.
        self._suite_names: set[str] = set()
        if docs_dir is not None:
            add_docs_site(self.context, docs_dir)

    def validate(
        self, spec: SuiteSpec, frame: pd.DataFrame, partition: dt.date | None = None
    ) -> SuiteResult:
        """Run the suite on `frame`; every expectation yields one outcome."""
        validation = self._run_suite(spec, frame, [partition], complete=False)
        outcomes = [self._outcome(spec, frame, r) for r in validation.results]
        return SuiteResult(spec=spec, partition=partition, rows=len(frame), outcomes=outcomes)

    def validate_days(
        self, spec: SuiteSpec, frames: list[tuple[dt.date, pd.DataFrame]]
    ) -> list[SuiteResult]:
        """Validate several days of one suite in one GE validation; one result per day.

        Great Expectations spends a fixed fraction of a second per expectation on every
        validation, whatever the number of rows, so a run over many small days paid mostly
        that overhead. The days' frames are validated as one frame tagged with each row's
        day; GE judges every row, and each day's counts, share and sample are taken from the
        rows GE found unexpected on that day, with GE's own `mostly` rule. Every result is
        the one validating that day alone would give. `frames` is emptied, so the caller
        holds no day twice.
        """
        if len(frames) == 1:
            ((day, frame),) = frames
            frames.clear()
            return [self.validate(spec, frame, day)]
        days = [day for day, _ in frames]
        # Days are contiguous in the combined frame: each day is a slice, not a copy.
        ends = list(itertools.accumulate(len(f) for _, f in frames))
        frame = _concat_days(frames)
        frames.clear()
        validation = self._run_suite(spec, frame, days, complete=True)
        # Each expectation's unexpected rows, grouped by day once (not scanned per day).
        unexpected_by_day: list[dict[int, list[dict[str, Any]]]] = []
        for r in validation.results:
            grouped: dict[int, list[dict[str, Any]]] = {}
            for row in (r.result or {}).get("unexpected_index_list") or []:
                if isinstance(row, dict):
                    grouped.setdefault(row.get(DAY_COLUMN), []).append(row)
            unexpected_by_day.append(grouped)
        results = []
        for i, day in enumerate(days):
            day_frame = frame.iloc[(ends[i - 1] if i else 0) : ends[i]]
            outcomes = [
                self._day_outcome(spec, day_frame, r, by_day.get(i))
                for r, by_day in zip(validation.results, unexpected_by_day, strict=True)
            ]
            results.append(
                SuiteResult(spec=spec, partition=day, rows=len(day_frame), outcomes=outcomes)
            )
        return results

    def _run_suite(
        self,
        spec: SuiteSpec,
        frame: pd.DataFrame,
        partitions: Sequence[dt.date | None],
        complete: bool,
    ) -> Any:
        # GE copies the frame for each metric it filters, and pandas consolidates the copy's
        # blocks every time when the frame is not (Arrow's split blocks): about a fifth of the
        # validation time at 1M events. Consolidated once here, those copies are plain.
        nanosecond_timestamps(frame)
        frame._consolidate_inplace()
        asset = self._datasource.add_dataframe_asset(f"{spec.name}-{uuid.uuid4().hex[:8]}")
        batch = asset.add_batch_definition_whole_dataframe("slice")
        # A suite validated twice in one run (two partitions) needs a second name.
        name = (
            f"{spec.name}-{uuid.uuid4().hex[:8]}" if spec.name in self._suite_names else spec.name
        )
        self._suite_names.add(name)
        shown = ", ".join(str(p) for p in partitions if p is not None) or None
        suite = gx.ExpectationSuite(
            name=name,
            expectations=spec.expectations(self.config),
            meta={"table": spec.table, "partition": shown},
        )
        suite = self.context.suites.add(suite)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
        )
        keys = list(spec.key_columns)
        result_format: dict[str, Any] = {
            "result_format": "SUMMARY",
            "unexpected_index_column_names": keys,
            "partial_unexpected_count": self.config.sample_size,
        }
        if complete:
            # Every unexpected row, tagged with its day, so each day is judged on its own.
            result_format = {
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [*keys, DAY_COLUMN],
            }
        # GE's pandas "query" for the unexpected rows is the frame's row positions as text:
        # meaningless outside this process, and computing it copied the whole frame once per
        # expectation (60 days at 10M events: 173.9 s with it, 151.9 s without). Keys name
        # the rows.
        result_format["return_unexpected_index_query"] = False
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[definition],
                actions=[],
                result_format=result_format,
            )
        )
        try:
            with _without_batch_fingerprints():
                result = checkpoint.run(
                    batch_parameters={"dataframe": frame}, run_id=self._run_identifier
                )
        finally:
            self._release_batches()
        ((identifier, validation),) = result.run_results.items()
        self.validated.append(identifier)
        return validation

    def failed_load(
        self, spec: SuiteSpec, partition: dt.date | None, error: Exception
    ) -> SuiteResult:
        """A slice that could not be read fails every expectation of its suite."""
        outcomes = [
            ExpectationOutcome(
                suite=spec.name,
                table=spec.table,
                check=e.meta["check"],
                expectation_type=e.expectation_type,
                column=getattr(e, "column", None),
                severity=e.meta["severity"],
                success=False,
                observed_value=None,
                element_count=None,
                unexpected_count=None,
                unexpected_percent=None,
                why=e.meta["why"],
                exception=f"{type(error).__name__}: {error}",
            )
            for e in spec.expectations(self.config)
        ]
        return SuiteResult(spec=spec, partition=partition, rows=0, outcomes=outcomes)

    def build_docs(self) -> Path | None:
        """Render Data Docs for this run's validations; returns the index page."""
        if self.docs_dir is None:
            return None
        # Only this run's pages are rendered; the index lists every stored run.
        self.context.build_data_docs(
            site_names=[DOCS_SITE], resource_identifiers=list(self.validated)
        )
        return docs_index(self.docs_dir)

    def _release_batches(self) -> None:
        """Drop the frame and its computed metrics from the shared execution engine.

        The pandas engine caches every batch it loaded and every metric it resolved (row
        masks included) for the life of the context; a run over many partitions would hold
        all of them, so memory grew with the history validated instead of the largest day.
        """
        engine = self._datasource.get_execution_engine()
        manager = engine.batch_manager
        manager.batch_data_cache.clear()
        manager.reset_batch_cache()
        metric_cache = getattr(engine, "_metric_cache", None)
        if isinstance(metric_cache, dict):
            metric_cache.clear()

    def _outcome(self, spec: SuiteSpec, frame: pd.DataFrame, r: Any) -> ExpectationOutcome:
        config = r.expectation_config
        result = r.result or {}
        column = config.kwargs.get("column")
        observed = result.get("observed_value")
        if observed is None and column in frame and len(frame) == 1:
            # A one-row suite (daily volume) reports the value it judged.
            observed = frame[column].iloc[0]
        elif observed is None and "unexpected_percent" in result:
            observed = (result.get("unexpected_percent") or 0.0) / 100.0
        keys = set(spec.key_columns)
        sample = [
            {k: _json_safe(v) for k, v in row.items() if k in keys}
            for row in result.get("partial_unexpected_index_list") or []
            if isinstance(row, dict)
        ]
        exception = None
        if r.exception_info and r.exception_info.get("raised_exception"):
            exception = r.exception_info.get("exception_message")
        return ExpectationOutcome.of(
            spec,
            config,
            column,
            success=bool(r.success),
            observed_value=_json_safe(observed),
            element_count=result.get("element_count"),
            unexpected_count=result.get("unexpected_count"),
            unexpected_percent=_json_safe(result.get("unexpected_percent")),
            sample=sample,
            exception=exception,
        )

    def _day_outcome(
        self,
        spec: SuiteSpec,
        day_frame: pd.DataFrame,
        r: Any,
        unexpected: list[dict[str, Any]] | None,
    ) -> ExpectationOutcome:
        """One day's outcome of an expectation GE judged over several days (see GE's
        `_format_map_output` and `_mostly_success`, which this follows)."""
        config = r.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column")
        exception = None
        if r.exception_info and r.exception_info.get("raised_exception"):
            exception = r.exception_info.get("exception_message")
        rows = len(day_frame)
        unexpected = unexpected or []
        unexpected_count: int | None = len(unexpected)
        nonnull: int | None
        if config.type == "expect_column_values_to_not_be_null":
            # Nulls are what this expectation counts: every row is considered.
            considered, nonnull = rows, None
        elif column is None:
            # Column pairs: rows dropped by `ignore_row_if` are not considered.
            a, b = day_frame[kwargs["column_A"]].notna(), day_frame[kwargs["column_B"]].notna()
            ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
            kept = {"either_value_is_missing": a & b, "both_values_are_missing": a | b}
            considered = nonnull = int(kept[ignore].sum()) if ignore in kept else rows
        else:
            considered = nonnull = int(day_frame[column].notna().sum())
        if exception is not None:
            success, unexpected_count = False, None
        elif rows == 0 or considered == 0:
            success = True  # vacuously, as GE judges an empty slice
        else:
            mostly = kwargs.get("mostly")
            mostly = 1.0 if mostly is None else float(mostly)
            success = (considered - unexpected_count) / considered >= mostly
        percent = None
        if unexpected_count is not None and rows > 0:
            if nonnull is None:
                percent = unexpected_count / rows * 100
            elif nonnull > 0:
                percent = unexpected_count / nonnull * 100
        if column is not None and column in day_frame and rows == 1:
            # A one-row suite (daily volume) reports the value it judged.
            observed = day_frame[column].iloc[0]
        else:
            observed = None if exception else (percent or 0.0) / 100.0
        keys = set(spec.key_columns)
        sample = [
            {k: _json_safe(v) for k, v in row.items() if k in keys}
            for row in unexpected[: self.config.sample_size]
        ]
        return ExpectationOutcome.of(
            spec,
            config,
            column,
            success=success,
            observed_value=_json_safe(observed),
            element_count=rows if exception is None else None,
            unexpected_count=unexpected_count,
            unexpected_percent=_json_safe(percent),
            sample=sample,
            exception=exception,
        )


def _concat_days(frames: Sequence[tuple[dt.date, pd.DataFrame]]) -> pd.DataFrame:
    """One frame of several days, each row tagged with its day's position.

    Categorical columns get the union of the days' categories first, so the combined
    column stays categorical (concatenating differing categories yields Python objects).
    """
    parts = [frame for _, frame in frames]
    for name in parts[0].columns:
        if isinstance(parts[0][name].dtype, pd.CategoricalDtype) and all(
            isinstance(p[name].dtype, pd.CategoricalDtype) for p in parts
        ):
            categories = pd.api.types.union_categoricals(
                [p[name] for p in parts], ignore_order=True
            ).categories
            for p in parts:
                p[name] = p[name].cat.set_categories(categories)
    tagged = [p.assign(**{DAY_COLUMN: i}) for i, p in enumerate(parts)]
    del parts
    return pd.concat(tagged, ignore_index=True)


def latest_partition(con: duckdb.DuckDBPyConnection, table: str) -> dt.date | None:
    """The newest `event_date` of a raw table: what an unpartitioned run validates."""
    return con.execute(f"SELECT max(event_date) FROM {table}").fetchall()[0][0]


def days_loaded_by_ingest(
    con: duckdb.DuckDBPyConnection, table: str, ingest_run_id: str
) -> set[dt.date]:
    """Event dates an ingest run loaded rows for: that run's new data, whatever its dates.

    File-driven ingestion loads whatever arrived (late events, backfilled files, impossible
    future timestamps); validating only the run's partition would let such rows through.
    """
    rows = con.execute(
        f"SELECT DISTINCT event_date FROM {table} WHERE ingest_run_id = ?", [ingest_run_id]
    ).fetchall()
    return {row[0] for row in rows if row[0] is not None}


def days_to_validate(
    con: duckdb.DuckDBPyConnection,
    table: str,
    partition: dt.date | None,
    ingest_run_id: str | None = None,
) -> list[dt.date | None]:
    """The partition plus every day `ingest_run_id` loaded (the newest day by default)."""
    days = days_loaded_by_ingest(con, table, ingest_run_id) if ingest_run_id else set()
    if partition is not None:
        days.add(partition)
    if not days:
        return [latest_partition(con, table)]
    return sorted(days)


Plan = list[tuple[SuiteSpec, list[dt.date | None]]]


def plan_validation(
    con: duckdb.DuckDBPyConnection,
    run: QualityRun,
    suites: Iterable[SuiteSpec],
    partition: dt.date | None = None,
    ingest_run_id: str | None = None,
) -> tuple[Plan, dict[str, SuiteResult]]:
    """The days each suite validates (marts: `[None]`, whole); a suite whose days cannot be
    listed is failed here instead, keyed by suite name."""
    plan: Plan = []
    failed: dict[str, SuiteResult] = {}
    for spec in suites:
        days: list[dt.date | None] = [None]
        try:
            if not spec.is_mart:
                days = days_to_validate(con, spec.table, partition, ingest_run_id)
        except duckdb.Error as error:
            failed[spec.name] = run.failed_load(spec, partition, error)
            continue
        plan.append((spec, days))
    return plan, failed


def validate_suite_days(
    con: duckdb.DuckDBPyConnection,
    run: QualityRun,
    spec: SuiteSpec,
    days: Sequence[dt.date | None],
) -> list[SuiteResult]:
    """Validate `days` of one suite, several days per GE validation up to `batch_rows`."""
    suite_results: list[SuiteResult] = []
    pending: list[tuple[dt.date, pd.DataFrame]] = []
    pending_rows = 0
    for day in days:
        try:
            frame = spec.load(con, day, run.config)
        except (duckdb.Error, LookupError) as error:
            suite_results.append(run.failed_load(spec, day, error))
            continue
        if day is None or len(frame) == 0:
            # Marts, and days without rows, are validated on their own.
            suite_results.append(run.validate(spec, frame, day))
            del frame
            continue
        if pending and pending_rows + len(frame) > run.config.batch_rows:
            suite_results.extend(run.validate_days(spec, pending))
            pending_rows = 0
        pending.append((day, frame))
        pending_rows += len(frame)
        # Held only by `pending`: at most one batch of days is alive.
        del frame
    if pending:
        suite_results.extend(run.validate_days(spec, pending))
    # Days validated alone (no rows) interleave with batches: keep the days' order.
    suite_results.sort(key=lambda r: r.partition or dt.date.min)
    return suite_results


def validate_warehouse(
    con: duckdb.DuckDBPyConnection,
    run: QualityRun,
    suites: Iterable[SuiteSpec] = ALL_SUITES,
    partition: dt.date | None = None,
    ingest_run_id: str | None = None,
) -> list[SuiteResult]:
    """Validate raw suites day by day (see `days_to_validate`) and marts whole."""
    suites = list(suites)
    plan, failed = plan_validation(con, run, suites, partition, ingest_run_id)
    validated = {spec.name: validate_suite_days(con, run, spec, days) for spec, days in plan}
    return in_suite_order(suites, failed, validated)


def in_suite_order(
    suites: Sequence[SuiteSpec],
    failed: dict[str, SuiteResult],
    validated: dict[str, list[SuiteResult]],
) -> list[SuiteResult]:
    """Results as a one-process run lists them: suite by suite, each suite's days in order."""
    results: list[SuiteResult] = []
    for spec in suites:
        if spec.name in failed:
            results.append(failed[spec.name])
        results.extend(validated.get(spec.name, []))
    return results


def run_quality(
    warehouse: Path,
    suites: Sequence[SuiteSpec] = ALL_SUITES,
    partition: dt.date | None = None,
    run_id: str | None = None,
    report_dir: Path | None = None,
    config: QualityConfig | None = None,
    duckdb_config: dict[str, Any] | None = None,
    ingest_run_id: str | None = None,
    workers: int = 1,
) -> list[SuiteResult]:
    """Validate, append every outcome to `quality.dq_validation_results`, build Data Docs.

    Data Docs go to `<report_dir>/data_docs/` when `report_dir` is given; `duckdb_config`
    (e.g. `memory_limit`, `threads` from the settings) bounds DuckDB while it reads, split
    among `workers` processes when a large run is validated on several
    (`expectations.workers`).
    """
    docs_dir = report_dir / "data_docs" if report_dir is not None else None
    run = QualityRun(run_id=run_id, config=config, docs_dir=docs_dir)
    suites = list(suites)
    results: list[SuiteResult] | None = None
    if workers > 1:
        from expectations.workers import validate_in_parallel

        results = validate_in_parallel(
            warehouse, run, suites, partition, ingest_run_id, duckdb_config or {}, workers
        )
    con = duckdb.connect(str(warehouse), config=duckdb_config or {})
    try:
        if results is None:
            results = validate_warehouse(con, run, suites, partition, ingest_run_id)
        store.append_results(con, run.run_id, results)
    finally:
        con.close()
    run.build_docs()
    return results


def summary(results: Sequence[SuiteResult]) -> dict[str, Any]:
    """Counts a command line or log line can print."""
    outcomes = [o for r in results for o in r.outcomes]
    return {
        "suites": len(results),
        "expectations": len(outcomes),
        "failed_errors": sum(o.severity == ERROR and not o.success for o in outcomes),
        "failed_warnings": sum(o.severity == WARN and not o.success for o in outcomes),
        "failures": json.dumps(
            [f"{o.suite}.{o.check}" for o in outcomes if not o.success], sort_keys=True
        ),
    }
