"""Alerts on metric-health transitions and failed data-quality expectations."""

from inference_ledger.alerts.rules import Alert, digest, expectation_alerts, metric_alerts
from inference_ledger.alerts.run import ALERT_LOG, AlertRun, run_alerts
from inference_ledger.alerts.sinks import ENV_VAR, mask_url, parse_sink_urls

__all__ = [
    "ALERT_LOG",
    "ENV_VAR",
    "Alert",
    "AlertRun",
    "digest",
    "expectation_alerts",
    "mask_url",
    "metric_alerts",
    "parse_sink_urls",
    "run_alerts",
]
