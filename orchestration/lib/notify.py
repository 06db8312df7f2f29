"""What every sink hears after a nightly run, whoever ran it (the daemon or `ledger run`)."""

from __future__ import annotations

from inference_ledger.alerts import run_alerts
from inference_ledger.alerts.sinks import send, sink_urls_from_env
from inference_ledger.settings import load_settings


def notify_run_failed(run_id: str, message: str) -> int:
    """Tell every configured sink that a run failed; returns how many sinks accepted it."""
    title = f"Inference Ledger: nightly run {run_id[:8]} failed"
    return sum(send(url, title, message, critical=True) for url in sink_urls_from_env())


def alerts_after_run():
    """Metric and data-quality alerts (deduplicated); None when there is no warehouse yet."""
    settings = load_settings()
    if not settings.warehouse_path.exists():
        return None
    return run_alerts(settings.warehouse_path)
