"""Run the nightly job without the UI: one writer at a time, alerts after every run.

`ledger run`, `ledger backfill` and `ledger demo` call `run_pipeline`; the Dagster daemon runs
the same job from the schedule and sensors (`orchestration/defs/automation`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from inference_ledger.settings import Settings, export_environment
from orchestration.lib.run_modes import BACKFILL, MODE_TAG, NIGHTLY

RUN_LOCK_NAME = ".run.lock"
# Marks runs executed in-process by `run_pipeline`; they only ever run under the run lock.
RUNNER_TAG = "ledger/runner"
DAGSTER_YAML = """\
# Written by Inference Ledger. One writer to the DuckDB warehouse at a time: every step that
# writes it runs in the `duckdb_warehouse` pool, limited to one slot. The instance class keeps
# Dagster's SQLite storage and opens each database once per process, not once per event.
instance_class:
  module: orchestration.lib.dagster_instance
  class: LedgerInstance
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""
# What earlier versions wrote; such a file is brought up to date.
EARLIER_DAGSTER_YAML = """\
# Written by Inference Ledger. One writer to the DuckDB warehouse at a time: every step that
# writes it runs in the `duckdb_warehouse` pool, limited to one slot.
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse and did not finish within the wait."""


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    partitions: str
    failed_steps: list[str] = field(default_factory=list)
    blocked_checks: list[str] = field(default_factory=list)
    # What to change when a step failed for lack of memory or temp space.
    resource_hints: list[str] = field(default_factory=list)
    materialized: int = 0
    alerts_sent: int = 0
    alert_delivery: str = "none"


def _holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text(encoding="utf-8").strip() or "another run"
    except OSError:
        return "another run"


@contextmanager
def warehouse_run_lock(
    home: Path, wait_seconds: float, say: Callable[[str], None] = print
) -> Iterator[None]:
    """Hold the ledger's run lock; wait up to `wait_seconds` for a running job to finish."""
    home.mkdir(parents=True, exist_ok=True)
    lock_path = home / RUN_LOCK_NAME
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + wait_seconds
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(lock_path)
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the warehouse in {home} is busy ({holder}); this run did not start. "
                        "Try again when it finishes, or pass --wait SECONDS to queue behind it."
                    ) from None
                if not announced:
                    say(f"waiting for {holder} to finish (up to {wait_seconds:.0f} s)...")
                    announced = True
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.write(f"run by pid {os.getpid()} since {started}")
        handle.flush()
        try:
            yield
        finally:
            # Cleared before the lock is released, so nobody reads a finished run as holder.
            handle.seek(0)
            handle.truncate()
            handle.flush()
    finally:
        handle.close()


@contextmanager
def long_lived_objects() -> Iterator[None]:
    """Keep the objects created inside (modules, the asset graph, the instance) out of the
    garbage collector's full passes.

    Loading Dagster and the definitions creates about half a million objects that live as
    long as the process, and every full collection walks all of them: nine passes of up to
    0.26 s each in a nightly run at 10M events, none of them finding garbage among those
    objects. Collection stays off while they are created, and they are frozen afterwards.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def dagster_home(settings: Settings) -> Path:
    """The Dagster instance directory of this ledger (run history, concurrency pools)."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") == EARLIER_DAGSTER_YAML:
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def run_pipeline(
    settings: Settings,
    *,
    partition: str | None = None,
    start: str | None = None,
    end: str | None = None,
    wait_seconds: float = 0.0,
    say: Callable[[str], None] = print,
) -> RunOutcome:
    """Run the nightly job for one partition (default yesterday) or a backfill `start..end`."""
    export_environment(settings)
    instance_dir = dagster_home(settings)
    if start or end:
        if not (start and end):
            raise ValueError("a backfill needs both --start and --end")
        tags = {
            MODE_TAG: BACKFILL,
            "dagster/asset_partition_range_start": start,
            "dagster/asset_partition_range_end": end,
        }
        partition_key, label = None, f"{start}..{end}"
    else:
        yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
        partition_key = partition or yesterday.isoformat()
        tags, label = {MODE_TAG: NIGHTLY}, partition_key

    with warehouse_run_lock(settings.home, wait_seconds, say):
        with long_lived_objects():
            import dagster as dg

            # Loaded under the lock: loading may parse the dbt project.
            from orchestration.definitions import defs

            job = defs.resolve_job_def("nightly")
            instance = dg.DagsterInstance.from_config(str(instance_dir))
        _release_dead_runs(instance, say)
        say(f"running the nightly job for {label} (Dagster instance: {instance_dir})")
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition_key,
            tags={**tags, RUNNER_TAG: "in_process"},
            raise_on_error=False,
        )
        outcome = _summarise(result, label, settings)
        outcome.alerts_sent, outcome.alert_delivery = _send_alerts(outcome, say)
    return outcome


def _release_dead_runs(instance, say: Callable[[str], None]) -> None:
    """Fail the in-process runs a killed `ledger run` left "started", and free their pool slots.

    They ran under the run lock we now hold, so none of them is alive; left alone, the slot a
    killed run held in the one-slot `duckdb_warehouse` pool blocks every later run forever.
    """
    import dagster as dg

    stale = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.NOT_STARTED,
            ],
            tags={RUNNER_TAG: "in_process"},
        )
    )
    for run in stale:
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        instance.report_run_failed(run, "the process running it died (released by the next run)")
        say(f"released run {run.run_id}: its process died before it finished")


def _error_text(error) -> str:
    """An error's message with those of its causes and contexts (dbt's sits a few levels down)."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause or error.context
    return "\n".join(parts)


def _summarise(result, label: str, settings: Settings) -> RunOutcome:
    import dagster as dg

    from inference_ledger.resource_errors import resource_hint
    from orchestration.defs.transform.assets import ledger_dbt_models

    dbt_step = ledger_dbt_models.op.name

    outcome = RunOutcome(run_id=result.run_id, success=result.success, partitions=label)
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            step = event.step_key or "?"
            outcome.failed_steps.append(step)
            hint = resource_hint(
                _error_text(event.event_specific_data.error), settings, in_dbt=step == dbt_step
            )
            if hint:
                outcome.resource_hints.append(f"{step}: {hint}")
        elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            outcome.materialized += 1
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                key = evaluation.asset_check_key
                outcome.blocked_checks.append(f"{key.asset_key.to_user_string()}:{key.name}")
    return outcome


def _send_alerts(outcome: RunOutcome, say: Callable[[str], None]) -> tuple[int, str]:
    from orchestration.lib.notify import alerts_after_run, notify_run_failed

    if not outcome.success:
        steps = ", ".join(outcome.failed_steps) or "see the run's event log"
        notify_run_failed(
            outcome.run_id, "; ".join([f"failed steps: {steps}", *outcome.resource_hints])
        )
    alert_run = alerts_after_run()
    if alert_run is None:
        return 0, "none"
    if alert_run.new_alerts:
        say(f"alerts: {len(alert_run.new_alerts)} new ({alert_run.delivery})")
    return len(alert_run.new_alerts), alert_run.delivery
