"""After every nightly run: alert on failed expectations and worsening metrics; on failure,
also say that the run failed."""

import dagster as dg

from inference_ledger.alerts import run_alerts
from inference_ledger.alerts.sinks import send, sink_urls_from_env
from inference_ledger.settings import load_settings
from orchestration.defs.automation.jobs import nightly_job


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Send metric and data-quality alerts after a successful nightly run.",
)
def alert_after_nightly_run(context: dg.RunStatusSensorContext):
    settings = load_settings()
    if settings.warehouse_path.exists():
        outcome = run_alerts(settings.warehouse_path)
        context.log.info(f"alerts: {len(outcome.new_alerts)} new, delivery {outcome.delivery}")


@dg.run_failure_sensor(
    monitored_jobs=[nightly_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tell the alert sinks that a nightly run failed, then send its quality alerts.",
)
def nightly_run_failed(context: dg.RunFailureSensorContext):
    message = context.failure_event.message or "no message"
    title = f"Inference Ledger: nightly run {context.dagster_run.run_id[:8]} failed"
    for url in sink_urls_from_env():
        send(url, title, message, critical=True)
    settings = load_settings()
    if settings.warehouse_path.exists():
        run_alerts(settings.warehouse_path)
