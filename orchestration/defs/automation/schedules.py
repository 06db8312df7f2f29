"""The nightly schedule; cron and timezone come from the environment."""

import datetime as dt
import os

import dagster as dg

from orchestration.defs.automation.jobs import nightly_job
from orchestration.lib.run_modes import MODE_TAG, NIGHTLY

NIGHTLY_CRON = os.environ.get("LEDGER_NIGHTLY_CRON", "0 3 * * *")
NIGHTLY_TIMEZONE = os.environ.get("LEDGER_TIMEZONE", "UTC")


@dg.schedule(
    job=nightly_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=NIGHTLY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Nightly run for the day that just ended (late data is picked up by lookback).",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    day = (tick.astimezone(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=f"nightly-{day}", partition_key=day, tags={MODE_TAG: NIGHTLY})
