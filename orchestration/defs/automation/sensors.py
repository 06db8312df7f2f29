"""After every nightly run: alert on failed expectations and worsening metrics; on failure,
also say that the run failed."""

import dagster as dg

from orchestration.defs.automation.jobs import nightly_job
from orchestration.lib.notify import alerts_after_run, notify_run_failed


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Send metric and data-quality alerts after a successful nightly run.",
)
def alert_after_nightly_run(context: dg.RunStatusSensorContext):
    outcome = alerts_after_run()
    if outcome is not None:
        context.log.info(f"alerts: {len(outcome.new_alerts)} new, delivery {outcome.delivery}")


@dg.run_failure_sensor(
    monitored_jobs=[nightly_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tell the alert sinks that a nightly run failed, then send its quality alerts.",
)
def nightly_run_failed(context: dg.RunFailureSensorContext):
    notify_run_failed(context.dagster_run.run_id, context.failure_event.message or "no message")
    alerts_after_run()
