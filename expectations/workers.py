"""Validate a large run on several processes, each a share of every suite's days.

Great Expectations judges rows in single-threaded Python, so a backfill's validation used
one core while the other idled. Each worker opens the warehouse read-only (DuckDB lets
several processes read one file when none writes it), validates an interleaved share of the
days of every suite with its own GE context, and returns its results; Data Docs pages are
rendered by the caller from the results the workers stored under the same run. A day is
judged the same whichever process validates it, with whichever other days (see
`QualityRun.validate_days`), so the results equal a validation on one process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import multiprocessing
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from expectations.config import QualityConfig
from expectations.core import SuiteSpec
from expectations.runner import (
    Plan,
    QualityRun,
    SuiteResult,
    in_suite_order,
    plan_validation,
    validate_suite_days,
)
from expectations.suites import ALL_SUITES, suite_by_name

log = logging.getLogger(__name__)

Share = list[tuple[str, list[dt.date | None]]]

_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([KMGT]i?B)\s*$", re.IGNORECASE)
_UNIT_POWER = {"K": 1, "M": 2, "G": 3, "T": 4}


def can_share(plan: Plan) -> bool:
    """Workers look suites up by name, so only the shipped suites can be shared out."""
    return all(any(spec is known for known in ALL_SUITES) for spec, _ in plan)


def rows_to_validate(con: duckdb.DuckDBPyConnection, plan: Plan) -> int:
    """Rows the plan's raw suites will load (each table and set of days counted once)."""
    counted: set[tuple[str, tuple[dt.date, ...]]] = set()
    total = 0
    for spec, days in plan:
        dated = tuple(sorted(d for d in days if d is not None))
        if spec.is_mart or not dated or (spec.table, dated) in counted:
            continue
        counted.add((spec.table, dated))
        # fetchall, not fetchone: a half-read result would block the connection's next query.
        ((count,),) = con.execute(
            f"SELECT count(*) FROM {spec.table} WHERE event_date IN (SELECT unnest(?))",
            [list(dated)],
        ).fetchall()
        total += int(count)
    return total


def split_plan(plan: Plan, workers: int) -> list[Share]:
    """Every suite's days dealt round-robin to `workers` shares (empty shares dropped)."""
    shares: list[Share] = []
    for index in range(workers):
        share = [(spec.name, days[index::workers]) for spec, days in plan if days[index::workers]]
        if share:
            shares.append(share)
    return shares


def worker_duckdb_config(config: dict[str, Any], workers: int) -> dict[str, Any]:
    """The caller's DuckDB limits divided among `workers` processes."""
    shared = dict(config)
    threads = int(config.get("threads") or 0)
    if threads:
        shared["threads"] = str(max(1, threads // workers))
    match = _SIZE.match(str(config.get("memory_limit") or ""))
    if match:
        number, unit = float(match.group(1)), match.group(2).upper()
        # DuckDB reads "GB" as 1000^3 bytes and "GiB" as 1024^3.
        base = 1024 if unit.endswith("IB") else 1000
        limit = number * base ** _UNIT_POWER[unit[0]] / workers
        shared["memory_limit"] = f"{int(limit) >> 20}MiB"
    return shared


def validate_share(
    warehouse: str,
    duckdb_config: dict[str, Any],
    share: Share,
    config: QualityConfig,
    run_id: str,
    run_time: dt.datetime,
    docs_dir: Path | None,
) -> tuple[list[SuiteResult], list[Any]] | None:
    """A worker's part: its results and stored-result identifiers; None when the warehouse
    cannot be opened for reading (a process started writing it)."""
    try:
        con = duckdb.connect(warehouse, read_only=True, config=duckdb_config)
    except duckdb.Error:
        return None
    try:
        run = QualityRun(run_id=run_id, config=config, docs_dir=docs_dir, run_time=run_time)
        return _validate(con, run, share), run.validated
    finally:
        con.close()


def _validate(con: duckdb.DuckDBPyConnection, run: QualityRun, share: Share) -> list[SuiteResult]:
    results: list[SuiteResult] = []
    for name, days in share:
        results.extend(validate_suite_days(con, run, suite_by_name(name), days))
    return results


def validate_in_workers(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    duckdb_config: dict[str, Any],
    run: QualityRun,
    plan: Plan,
    workers: int,
) -> dict[str, list[SuiteResult]]:
    """Validate `plan` in `workers` shares: the first here on `con` (read-only) while
    worker processes start and validate the others; results by suite name in day order."""
    shares = split_plan(plan, workers)
    log.info("validating %d suite(s) on %d processes", len(plan), len(shares))
    results: list[SuiteResult] = []
    if len(shares) > 1:
        config = worker_duckdb_config(duckdb_config, len(shares))
        # Spawned, not forked: this process holds DuckDB connections and threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=len(shares) - 1, mp_context=context) as pool:
            futures = [
                pool.submit(
                    validate_share,
                    str(warehouse),
                    config,
                    share,
                    run.config,
                    run.run_id,
                    run.run_time,
                    run.docs_dir,
                )
                for share in shares[1:]
            ]
            results.extend(_validate(con, run, shares[0]))
            outputs = [future.result() for future in futures]
        for share, output in zip(shares[1:], outputs, strict=True):
            if output is None:
                results.extend(_validate(con, run, share))
                continue
            worker_results, identifiers = output
            results.extend(worker_results)
            run.validated.extend(identifiers)
    elif shares:
        results.extend(_validate(con, run, shares[0]))
    validated: dict[str, list[SuiteResult]] = {}
    for result in results:
        validated.setdefault(result.spec.name, []).append(result)
    for suite_results in validated.values():
        suite_results.sort(key=lambda r: r.partition or dt.date.min)
    return validated


def validate_in_parallel(
    warehouse: Path,
    run: QualityRun,
    suites: Sequence[SuiteSpec],
    partition: dt.date | None,
    ingest_run_id: str | None,
    duckdb_config: dict[str, Any],
    workers: int,
) -> list[SuiteResult] | None:
    """`validate_warehouse` on `workers` processes when the run is large enough to gain;
    None when it is not, or when the warehouse cannot be shared for reading."""
    own_config = worker_duckdb_config(duckdb_config, workers)
    try:
        con = duckdb.connect(str(warehouse), read_only=True, config=own_config)
    except duckdb.Error:
        return None  # open for writing (here or elsewhere), or not created yet
    try:
        plan, failed = plan_validation(con, run, suites, partition, ingest_run_id)
        if not can_share(plan) or rows_to_validate(con, plan) < run.config.parallel_min_rows:
            return None
        # Each process holds one batch of rows and GE's copies of it (~1.6 GiB for 250k
        # transitions): the batch is divided among the processes so that together they hold
        # about what one process would.
        run.config = dataclasses.replace(
            run.config, batch_rows=max(1, run.config.batch_rows // workers)
        )
        validated = validate_in_workers(con, warehouse, duckdb_config, run, plan, workers)
    finally:
        con.close()
    return in_suite_order(suites, failed, validated)
