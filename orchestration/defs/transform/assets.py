"""dbt models as Dagster assets, partitioned by event date like the raw zone.

A partition range (a backfill) runs as one dbt invocation whose window is passed as
`--vars`; the nightly run passes no window, so incremental models reprocess their lookback
plus anything newer, which is what picks up late events and late commits, or from the
oldest event date ingested since the last build when that is older (through the
environment, so dbt keeps its saved parse).
"""

# No `from __future__ import annotations`: Dagster inspects the `context` annotation.
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
    group_from_dbt_resource_props_fallback_to_directory,
)

from inference_ledger.dbt_runner import temporary_environment, window_vars
from inference_ledger.memory import release_unused_memory
from inference_ledger.settings import child_environment, load_settings
from orchestration.defs.automation.freshness import with_mart_freshness
from orchestration.defs.ingest.assets import daily_partitions
from orchestration.defs.resources import WAREHOUSE_POOL
from orchestration.lib.dbt_project import ledger_dbt_project
from orchestration.lib.late_data import pending_window, record_build
from orchestration.lib.run_modes import NIGHTLY, run_mode

# Read by the dbt project's `window_start` macro.
START_DATE_ENV = "LEDGER_DBT_START_DATE"


class LedgerDbtTranslator(DagsterDbtTranslator):
    """Logical asset keys: a model is keyed by its name alone, never by the schema or database,
    which differ between targets; sources keep the raw-zone keys their `meta` declares."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest, unique_id, project=None) -> dg.AssetSpec:
        return with_mart_freshness(super().get_asset_spec(manifest, unique_id, project))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return group_from_dbt_resource_props_fallback_to_directory(dbt_resource_props)


translator = LedgerDbtTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_source_tests_as_checks=True
    )
)


# dbt unit tests check the project's SQL against fixed inputs, not the data: they run with
# the test suite (`make test`), as dbt recommends, not in every scheduled build.
NOT_IN_SCHEDULED_BUILDS = ("--exclude", "resource_type:unit_test")


def dbt_build_args(mode: str, window: dg.TimeWindow | None) -> list[str]:
    """`dbt build` arguments for a run: no window at night, the partition window otherwise."""
    args = ["build", *NOT_IN_SCHEDULED_BUILDS]
    if mode != NIGHTLY and window is not None:
        vars_ = window_vars(window.start.date().isoformat(), window.end.date().isoformat())
        args += ["--vars", json.dumps(vars_, sort_keys=True)]
    return args


def nightly_window_environment(mode: str, late_start: dt.date | None) -> dict[str, str]:
    """The nightly run's window start for dbt, as an environment variable (empty: none).

    Records older than the lookback arrived since the last build: reprocess from there. A
    `--vars` window would differ every night and make dbt parse the project from scratch;
    the macros read this variable only at run time, so the saved parse stays valid.
    """
    start = late_start.isoformat() if mode == NIGHTLY and late_start is not None else ""
    return {START_DATE_ENV: start}


@dbt_assets(
    manifest=ledger_dbt_project().manifest_path,
    project=ledger_dbt_project(),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def ledger_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Staging, intermediate and mart models of the dbt project (`dbt build`)."""
    window = context.partition_time_window if context.has_partition_key_range else None
    mode = run_mode(context.run.tags)
    args = dbt_build_args(mode, window)
    settings = load_settings()
    late_start, newest_run = pending_window(settings.warehouse_path)
    env = {**child_environment(settings), **nightly_window_environment(mode, late_start)}
    context.log.info(
        f"dbt {' '.join(args)}"
        + (f" (reprocessing from {env[START_DATE_ENV]})" if env.get(START_DATE_ENV) else "")
    )
    # One target directory per ledger home: runs never overlap (one writer), and reusing it
    # lets dbt parse partially instead of from scratch.
    target_path = settings.home / "dbt" / "target"
    # dbt runs in a child process with its own DuckDB memory limit: what ingestion and the
    # checks freed here is handed back first, so the two together stay within the machine.
    release_unused_memory()
    # The dbt process reads the warehouse location, limits and window through `env_var`.
    with temporary_environment(env):
        invocation = dbt.cli(args, context=context, target_path=target_path, raise_on_error=False)
        yield from invocation.stream()
    if invocation.is_successful():
        if mode == NIGHTLY:  # a backfill models its window only: late rows stay pending
            record_build(settings.warehouse_path, newest_run)
    elif (error := invocation.get_error()) is not None:
        raise error  # the step fails as before; the pending window is kept for the next run
