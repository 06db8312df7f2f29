"""Validate the warehouse: each suite's slice is selected in DuckDB and judged by Great
Expectations through SQL, in DuckDB, where the rows already are.

A suite's slice is a query over the warehouse (a raw table's rows of the days to check with
derived columns, or a whole mart). Each is created as a view in an in-memory catalog
attached to the run's warehouse connection and validated as a GE table asset through GE's
SQL execution engine on cursors of that connection (`expectations.duckdb_sql`): GE turns
every expectation into queries that DuckDB runs on all cores, and no row is copied out.
Helper tables a slice needs (the untagged retries) live in the same catalog. Great
Expectations takes seconds to initialise, so a `QualityRun` holds one ephemeral context for
all suites of a run; its stored results feed the Data Docs build.
"""

from __future__ import annotations

import datetime as dt
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
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations import duckdb_sql, store
from expectations.config import QualityConfig
from expectations.core import (
    DAY_COLUMN,
    ERROR,
    SCRATCH_CATALOG,
    WARN,
    ExpectationOutcome,
    SuiteSpec,
)
from expectations.docs import DOCS_SITE, add_docs_site, context_config, docs_index
from expectations.suites import ALL_SUITES


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
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


@dataclass
class SliceStats:
    """What a day's outcome is judged against: its rows, non-null values per column, the
    rows a column pair considers, and each column's value when the day has one row."""

    rows: int = 0
    nonnull: dict[str, int] = field(default_factory=dict)
    pairs: dict[tuple[str, str, str], int] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


class Slices:
    """The slices of one run: views in an in-memory catalog (`SCRATCH_CATALOG`) attached to
    the warehouse connection for the run, validated as GE table assets.

    GE's connections are cursors of that connection whose default catalog is the scratch
    catalog, so GE's SQL names the views as they are; a view names warehouse tables with
    their catalog (`core.in_warehouse`).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, context: Any) -> None:
        self.con = con
        self.con.execute(f"ATTACH ':memory:' AS {SCRATCH_CATALOG}")
        self.datasource = duckdb_sql.datasource_on(context, con, SCRATCH_CATALOG)

    def view(self, name: str, select_sql: str) -> Any:
        """The view `name` over `select_sql`, as a GE table asset."""
        self.con.execute(
            f"CREATE OR REPLACE VIEW {SCRATCH_CATALOG}.main.{_q(name)} AS {select_sql}"
        )
        return self.datasource.add_table_asset(f"{name}-{uuid.uuid4().hex[:8]}", table_name=name)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of `sql`, through GE's own connection."""
        with self.datasource.get_engine().connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql).fetchall()]

    def close(self) -> None:
        self.datasource.get_engine().dispose()
        self.con.execute(f"DETACH {SCRATCH_CATALOG}")


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
        self.run_time = run_time or dt.datetime.now(dt.UTC)
        self.context = gx.get_context(mode="ephemeral", project_config=context_config(docs_dir))
        # Progress bars only clutter orchestrator logs.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._run_identifier = RunIdentifier(run_name=self.run_id, run_time=self.run_time)
        # Identifiers of the stored validation results this run's Data Docs render.
        self.validated: list[Any] = []
        # Listing the context's suites deserializes every one of them: a run of many
        # partitions would spend quadratic time asking whether a name is taken.
        self._suite_names: set[str] = set()
        if docs_dir is not None:
            add_docs_site(self.context, docs_dir)

    def validate_slice(
        self,
        slices: Slices,
        spec: SuiteSpec,
        select_sql: str,
        days: Sequence[dt.date | None],
    ) -> list[SuiteResult]:
        """Validate one suite's slice in one GE validation; one result per day (or one for
        a whole mart).

        GE judges every row of the slice. With one day, its verdicts are the day's. With
        several, each day's count, share and sample come from the rows GE's own
        unexpected-rows query returns for that day, judged by GE's `mostly` rule (see
        `_day_outcome`), so every day gets the result validating it alone would give.
        """
        asset = slices.view(spec.name, select_sql)
        dated = days != [None]
        configs = [e.configuration for e in spec.expectations(self.config)]
        stats = _slice_stats(slices, spec.name, configs, dated)
        rows = sum(s.rows for s in stats.values())
        values = rows <= self.config.sample_values_max_rows
        validation = self._run_suite(asset, spec, days, values)
        results = []
        per_day = [
            _unexpected_by_day(slices, spec, r, self.config.sample_size, dated)
            for r in validation.results
        ]
        for day in days:
            day_stats = stats.get(day, SliceStats())
            if len(days) == 1:
                outcomes = [
                    self._outcome(spec, day_stats, r, found.get(day, (0, []))[1])
                    for r, found in zip(validation.results, per_day, strict=True)
                ]
            else:
                outcomes = [
                    self._day_outcome(spec, day_stats, r, found.get(day))
                    for r, found in zip(validation.results, per_day, strict=True)
                ]
            results.append(SuiteResult(spec, day, day_stats.rows, outcomes))
        return results

    def _run_suite(
        self, asset: Any, spec: SuiteSpec, days: Sequence[dt.date | None], values: bool
    ) -> Any:
        batch = asset.add_batch_definition_whole_table("slice")
        # A suite validated twice in one context needs a second name.
        name = (
            f"{spec.name}-{uuid.uuid4().hex[:8]}" if spec.name in self._suite_names else spec.name
        )
        self._suite_names.add(name)
        shown = ", ".join(str(p) for p in days if p is not None) or None
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
        if days != [None]:
            keys.append(DAY_COLUMN)
        result_format = {
            "result_format": "BASIC",
            "unexpected_index_column_names": keys,
            # GE's list of unexpected values costs a scan of the slice per expectation, even
            # when nothing is unexpected: Data Docs show it for slices of a nightly size.
            "partial_unexpected_count": self.config.sample_size if values else 0,
            # GE's SQL for the unexpected rows: per-day counts and samples are read from it.
            "return_unexpected_index_query": True,
        }
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[definition],
                actions=[],
                result_format=result_format,
            )
        )
        result = checkpoint.run(run_id=self._run_identifier)
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

    def _sample(self, spec: SuiteSpec, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = set(spec.key_columns)
        return [{k: _json_safe(v) for k, v in row.items() if k in keys} for row in rows]

    def _outcome(
        self, spec: SuiteSpec, stats: SliceStats, r: Any, sample: Sequence[dict[str, Any]]
    ) -> ExpectationOutcome:
        """The outcome GE judged, for a slice of one day or a whole mart."""
        config = r.expectation_config
        result = r.result or {}
        column = config.kwargs.get("column")
        observed = result.get("observed_value")
        if observed is None and column in stats.values and stats.rows == 1:
            # A one-row suite (daily volume) reports the value it judged.
            observed = stats.values[column]
        elif observed is None and "unexpected_percent" in result:
            observed = (result.get("unexpected_percent") or 0.0) / 100.0
        return ExpectationOutcome.of(
            spec,
            config,
            column,
            success=bool(r.success),
            observed_value=_json_safe(observed),
            element_count=result.get("element_count"),
            unexpected_count=result.get("unexpected_count"),
            unexpected_percent=_json_safe(result.get("unexpected_percent")),
            sample=self._sample(spec, sample),
            exception=_exception(r),
        )

    def _day_outcome(
        self,
        spec: SuiteSpec,
        stats: SliceStats,
        r: Any,
        unexpected: tuple[int, list[dict[str, Any]]] | None,
    ) -> ExpectationOutcome:
        """One day's outcome of an expectation GE judged over several days (see GE's
        `_format_map_output` and `_mostly_success`, which this follows)."""
        config = r.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column")
        exception = _exception(r)
        rows = stats.rows
        unexpected_count: int | None
        unexpected_count, sample = unexpected or (0, [])
        nonnull: int | None
        if config.type == "expect_column_values_to_not_be_null":
            # Nulls are what this expectation counts: every row is considered.
            considered, nonnull = rows, None
        elif column is None:
            # Column pairs: rows dropped by `ignore_row_if` are not considered.
            considered = nonnull = stats.pairs.get(_pair_key(kwargs), rows)
        else:
            considered = nonnull = stats.nonnull.get(column, 0)
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
        if column is not None and column in stats.values and rows == 1:
            # A one-row suite (daily volume) reports the value it judged.
            observed = stats.values[column]
        else:
            observed = None if exception else (percent or 0.0) / 100.0
        return ExpectationOutcome.of(
            spec,
            config,
            column,
            success=success,
            observed_value=_json_safe(observed),
            element_count=rows if exception is None else None,
            unexpected_count=unexpected_count,
            unexpected_percent=_json_safe(percent),
            sample=self._sample(spec, sample),
            exception=exception,
        )


def _exception(r: Any) -> str | None:
    if r.exception_info and r.exception_info.get("raised_exception"):
        return r.exception_info.get("exception_message")
    return None


def _pair_key(kwargs: dict[str, Any]) -> tuple[str, str, str]:
    return (
        kwargs["column_A"],
        kwargs["column_B"],
        kwargs.get("ignore_row_if", "both_values_are_missing"),
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _slice_stats(
    slices: Slices, view: str, expectations: Sequence[Any], dated: bool
) -> dict[dt.date | None, SliceStats]:
    """Rows, non-null counts and single values of the expectations' columns, per day."""
    columns = sorted({c for e in expectations if (c := e.kwargs.get("column"))})
    pairs = sorted({_pair_key(e.kwargs) for e in expectations if "column_A" in e.kwargs})
    kept = {
        "either_value_is_missing": "{a} IS NOT NULL AND {b} IS NOT NULL",
        "both_values_are_missing": "{a} IS NOT NULL OR {b} IS NOT NULL",
    }
    selects = ["count(*)"]
    selects += [f"count({_q(c)})" for c in columns]
    selects += [f"any_value({_q(c)})" for c in columns]
    for a, b, ignore in pairs:
        condition = kept.get(ignore)
        selects.append(
            f"count(*) FILTER (WHERE {condition.format(a=_q(a), b=_q(b))})"
            if condition
            else "count(*)"
        )
    day = DAY_COLUMN if dated else "NULL"
    rows = slices.query(
        f"SELECT {day}, {', '.join(selects)} FROM {_q(view)}" + (" GROUP BY ALL" if dated else "")
    )
    stats: dict[dt.date | None, SliceStats] = {}
    n = len(columns)
    for row in rows:
        values = row[1:]
        stats[row[0]] = SliceStats(
            rows=int(values[0]),
            nonnull={c: int(v) for c, v in zip(columns, values[1 : 1 + n], strict=True)},
            values=dict(zip(columns, values[1 + n : 1 + 2 * n], strict=True)),
            pairs={p: int(v) for p, v in zip(pairs, values[1 + 2 * n :], strict=True)},
        )
    return stats


def _unexpected_by_day(
    slices: Slices, spec: SuiteSpec, r: Any, sample_size: int, dated: bool
) -> dict[dt.date | None, tuple[int, list[dict[str, Any]]]]:
    """Per day: how many rows GE found unexpected, and the first `sample_size` of them.

    Read from GE's own query for the unexpected rows, and checked against GE's count.
    Samples list the lowest keys, so a day's sample does not depend on the other days.
    """
    result = r.result or {}
    total = int(result.get("unexpected_count") or 0)
    query = result.get("unexpected_index_query")
    if total == 0 or _exception(r) is not None or not isinstance(query, str):
        return {}
    unexpected = query.strip().rstrip(";")
    keys = ", ".join(_q(k) for k in spec.key_columns)
    order = ", ".join(f"{_q(k)} NULLS LAST" for k in spec.key_columns)
    day = DAY_COLUMN if dated else "NULL"
    partition = f"PARTITION BY {DAY_COLUMN}" if dated else ""
    # One pass: each day's count beside its first rows (at least one, which carries the count
    # of a day whatever the sample size).
    found: dict[dt.date | None, tuple[int, list[dict[str, Any]]]] = {}
    for row in slices.query(
        f"SELECT {day}, count(*) OVER ({partition}), {keys} FROM ({unexpected}) AS u "
        f"QUALIFY row_number() OVER ({partition} ORDER BY {order}) <= {max(1, sample_size)} "
        f"ORDER BY {order}"
    ):
        count, sample = found.setdefault(row[0], (int(row[1]), []))
        if len(sample) < sample_size:
            sample.append(dict(zip(spec.key_columns, row[2:], strict=True)))
    counted = sum(count for count, _ in found.values())
    if counted != total:
        raise RuntimeError(
            f"{spec.name}.{r.expectation_config.meta.get('check')}: GE counted {total} "
            f"unexpected rows, its unexpected-rows query returned {counted}"
        )
    return found


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
) -> tuple[Plan, dict[str, list[SuiteResult]]]:
    """The days each suite validates (marts: `[None]`, whole); a suite whose days cannot be
    listed is failed here instead, keyed by suite name."""
    plan: Plan = []
    failed: dict[str, list[SuiteResult]] = {}
    for spec in suites:
        days: list[dt.date | None] = [None]
        try:
            if not spec.is_mart:
                days = days_to_validate(con, spec.table, partition, ingest_run_id)
        except duckdb.Error as error:
            failed[spec.name] = [run.failed_load(spec, partition, error)]
            continue
        plan.append((spec, days))
    return plan, failed


@contextmanager
def open_slices(con: duckdb.DuckDBPyConnection, context: Any) -> Iterator[Slices]:
    slices = Slices(con, context)
    try:
        yield slices
    finally:
        slices.close()


def validate_warehouse(
    con: duckdb.DuckDBPyConnection,
    run: QualityRun,
    suites: Iterable[SuiteSpec] = ALL_SUITES,
    partition: dt.date | None = None,
    ingest_run_id: str | None = None,
) -> list[SuiteResult]:
    """Validate raw suites on their days (see `days_to_validate`) and marts whole."""
    suites = list(suites)
    plan, failed = plan_validation(con, run, suites, partition, ingest_run_id)
    validated: dict[str, list[SuiteResult]] = {}
    with open_slices(con, run.context) as slices:
        for spec, days in plan:
            dated = [d for d in days if d is not None]
            try:
                select_sql = spec.select(con, None if spec.is_mart else dated, run.config)
            except (duckdb.Error, LookupError) as error:
                failed[spec.name] = [run.failed_load(spec, day, error) for day in days]
                continue
            validated[spec.name] = run.validate_slice(slices, spec, select_sql, days)
    return in_suite_order(suites, failed, validated)


def in_suite_order(
    suites: Sequence[SuiteSpec],
    failed: dict[str, list[SuiteResult]],
    validated: dict[str, list[SuiteResult]],
) -> list[SuiteResult]:
    """Results suite by suite, each suite's days in order."""
    results: list[SuiteResult] = []
    for spec in suites:
        results.extend(failed.get(spec.name, []))
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
) -> list[SuiteResult]:
    """Validate, append every outcome to `quality.dq_validation_results`, build Data Docs.

    Data Docs go to `<report_dir>/data_docs/` when `report_dir` is given; `duckdb_config`
    (e.g. `memory_limit`, `threads` from the settings) bounds DuckDB while GE's queries run.
    """
    docs_dir = report_dir / "data_docs" if report_dir is not None else None
    run = QualityRun(run_id=run_id, config=config, docs_dir=docs_dir)
    con = duckdb.connect(str(warehouse), config=duckdb_config or {})
    try:
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
