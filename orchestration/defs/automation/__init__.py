"""Automation area: the nightly job and schedule, and alerting after runs.

Mart freshness policies are attached where the dbt assets are defined (`freshness.py`)."""

import dagster as dg

from orchestration.defs.automation.jobs import nightly_job
from orchestration.defs.automation.schedules import nightly_schedule
from orchestration.defs.automation.sensors import alert_after_nightly_run, nightly_run_failed

defs = dg.Definitions(
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[alert_after_nightly_run, nightly_run_failed],
)

__all__ = ["defs", "nightly_job", "nightly_schedule"]
