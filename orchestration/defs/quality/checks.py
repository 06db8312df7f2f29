"""Asset checks that run the quality suites: one check per expectation.

Checks with severity `error` are blocking: when one fails, assets downstream of the checked
asset are not materialized in that run (raw errors stop dbt; mart errors stop publishing).
`warn` checks record and alert, and the run continues. All checks of one group run in one
step, so Great Expectations is initialised once per step, not once per check.
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
import datetime as dt
import json
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import dagster as dg

from expectations import ERROR, MART_SUITES, RAW_SUITES, WARN, SuiteSpec
from inference_ledger.settings import duckdb_config
from orchestration.defs.resources import WAREHOUSE_POOL, LedgerResource

if TYPE_CHECKING:
    from expectations.runner import SuiteResult

RAW_EVENTS_KEY = dg.AssetKey(["raw", "inference_events"])
SEVERITY = {ERROR: dg.AssetCheckSeverity.ERROR, WARN: dg.AssetCheckSeverity.WARN}


def asset_key_for(spec: SuiteSpec, mart_key_prefix: Sequence[str] = ()) -> dg.AssetKey:
    """The checked asset: raw tables by their raw key, marts as dagster-dbt names them."""
    if spec.is_mart:
        return dg.AssetKey([*mart_key_prefix, *spec.asset_key])
    return dg.AssetKey(list(spec.asset_key))


def check_specs(
    suites: Sequence[SuiteSpec],
    mart_key_prefix: Sequence[str] = (),
    partitions_def: dg.PartitionsDefinition | None = None,
) -> list[dg.AssetCheckSpec]:
    specs = []
    with warnings.catch_warnings():
        # Partitioned asset checks are a Dagster preview feature, used on purpose: a raw
        # check's result belongs to the day it validated.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        for suite in suites:
            for check, severity, why in suite.checks():
                specs.append(
                    dg.AssetCheckSpec(
                        check,
                        asset=asset_key_for(suite, mart_key_prefix),
                        description=f"[{severity}] {suite.name}: {why}",
                        blocking=severity == ERROR,
                        metadata={"suite": suite.name, "severity": severity},
                        partitions_def=partitions_def,
                    )
                )
    return specs


def _partition(context: dg.AssetCheckExecutionContext) -> dt.date | None:
    if context.has_partition_key:
        return dt.date.fromisoformat(context.partition_key)
    tag = context.run.tags.get("dagster/partition")
    return dt.date.fromisoformat(tag) if tag else None


def _ingest_run_of(context: dg.AssetCheckExecutionContext) -> str | None:
    """The ingest run id of this Dagster run's ingestion, when this run ingested."""
    event = context.instance.get_latest_materialization_event(RAW_EVENTS_KEY)
    if event is None or event.run_id != context.run.run_id:
        return None
    value = event.asset_materialization.metadata.get("ingest_run_id")
    return str(value.value) if value is not None else None


def _results(
    context: dg.AssetCheckExecutionContext,
    ledger: LedgerResource,
    suites: Sequence[SuiteSpec],
    mart_key_prefix: Sequence[str],
) -> Iterator[dg.AssetCheckResult]:
    selected = context.selected_asset_check_keys
    wanted = [
        s
        for s in suites
        if any(
            dg.AssetCheckKey(asset_key_for(s, mart_key_prefix), c) in selected
            for c, _, _ in s.checks()
        )
    ]
    from expectations.runner import run_quality

    settings = ledger.settings()
    partition = _partition(context)
    results = run_quality(
        settings.warehouse_path,
        wanted,
        partition=partition,
        ingest_run_id=_ingest_run_of(context),
        run_id=context.run.run_id,
        report_dir=settings.report_dir,
        duckdb_config=duckdb_config(settings),
    )
    # A raw suite may have validated several days (every day the run's ingest touched):
    # one check result per check, failing when any day failed.
    by_check: dict[dg.AssetCheckKey, list[tuple[SuiteResult, Any]]] = {}
    for result in results:
        key = asset_key_for(result.spec, mart_key_prefix)
        for outcome in result.outcomes:
            check_key = dg.AssetCheckKey(key, outcome.check)
            if check_key in selected:
                by_check.setdefault(check_key, []).append((result, outcome))
    for check_key, pairs in by_check.items():
        yield _check_result(check_key, pairs)
    context.log.info(
        "quality: "
        + json.dumps(
            {
                r.spec.name: {
                    "errors": len(r.blocking_failures),
                    "warnings": len(r.warnings),
                }
                for r in results
            }
        )
    )


def _check_result(
    check_key: dg.AssetCheckKey, pairs: list[tuple["SuiteResult", Any]]
) -> dg.AssetCheckResult:
    failed = [(r, o) for r, o in pairs if not o.success]
    first = pairs[0][1]
    shown = failed[0] if failed else pairs[-1]
    sample: list[Any] = []
    for _, outcome in failed:
        sample.extend(outcome.sample)
    metadata: dict[str, object] = {
        "success": not failed,
        "severity": first.severity,
        "suite": first.suite,
        "expectation_type": first.expectation_type,
        "column": first.column or "",
        "partition": str(shown[0].partition or ""),
        "days_validated": len(pairs),
        "days_failed": dg.MetadataValue.json(sorted(str(r.partition) for r, _ in failed)),
        "rows_validated": sum(r.rows for r, _ in pairs),
        "observed_value": dg.MetadataValue.json({"value": shown[1].observed_value}),
        "unexpected_count": dg.MetadataValue.int(
            sum(int(o.unexpected_count or 0) for _, o in pairs)
        ),
        "unexpected_percent": dg.MetadataValue.float(float(shown[1].unexpected_percent or 0.0)),
        "sample_failing_keys": dg.MetadataValue.json(sample[:20]),
    }
    exceptions = [o.exception for _, o in pairs if o.exception]
    if exceptions:
        metadata["exception"] = exceptions[0]
    return dg.AssetCheckResult(
        asset_key=check_key.asset_key,
        check_name=check_key.name,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR
        if first.severity == ERROR
        else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=first.why,
    )


def build_quality_checks(
    raw_partitions_def: dg.PartitionsDefinition | None = None,
    mart_key_prefix: Sequence[str] = (),
    mart_partitions_def: dg.PartitionsDefinition | None = None,
    pool: str | None = WAREHOUSE_POOL,
    raw_suites: Sequence[SuiteSpec] = RAW_SUITES,
    mart_suites: Sequence[SuiteSpec] = MART_SUITES,
) -> list[dg.AssetChecksDefinition]:
    """The raw-zone checks (one step per run) and the mart checks (one step per run).

    `mart_key_prefix` is prepended to mart model names when the dbt assets carry a prefix.
    """
    prefix = tuple(mart_key_prefix)

    @dg.multi_asset_check(
        name="raw_zone_quality",
        specs=check_specs(raw_suites, prefix, raw_partitions_def),
        can_subset=True,
        pool=pool,
        description="Great Expectations suites on the day's raw-zone rows.",
    )
    def raw_zone_quality(context: dg.AssetCheckExecutionContext, ledger: LedgerResource):
        yield from _results(context, ledger, raw_suites, prefix)

    @dg.multi_asset_check(
        name="mart_quality",
        specs=check_specs(mart_suites, prefix, mart_partitions_def),
        can_subset=True,
        pool=pool,
        description="Great Expectations suites on the headline marts.",
    )
    def mart_quality(context: dg.AssetCheckExecutionContext, ledger: LedgerResource):
        yield from _results(context, ledger, mart_suites, prefix)

    return [raw_zone_quality, mart_quality]
