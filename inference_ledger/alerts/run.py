"""One alerting pass: find new alerts, deliver them, record them in `alert_log`.

Every alert is written to the warehouse table `alert_log` whether or not a sink is
configured, so the table is the complete history. An alert whose key is already logged is
not sent again, unless every sink failed last time (then it is retried).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from inference_ledger.alerts.rules import Alert, digest, expectation_alerts, metric_alerts
from inference_ledger.alerts.sinks import mask_url, send, sink_urls_from_env
from inference_ledger.report import queries

log = logging.getLogger(__name__)

ALERT_LOG = "alert_log"
_ALERT_LOG_DDL = f"""
CREATE TABLE IF NOT EXISTS main.{ALERT_LOG} (
    alert_key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    scope VARCHAR,
    period VARCHAR,
    status VARCHAR NOT NULL,
    value DOUBLE,
    message VARCHAR NOT NULL,
    sinks VARCHAR,
    failed_sinks VARCHAR,
    delivery VARCHAR NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL
)
"""


@dataclass
class AlertRun:
    run_id: str
    new_alerts: list[Alert] = field(default_factory=list)
    already_logged: int = 0
    # (masked sink, success) in configuration order; two sinks may mask alike.
    delivered: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def delivery(self) -> str:
        if not self.new_alerts:
            return "none"
        if not self.delivered:
            return "logged"
        ok = sum(good for _, good in self.delivered)
        return "sent" if ok == len(self.delivered) else ("partial" if ok else "failed")


def default_report_link(alerts: Sequence[Alert]) -> str | None:
    """The weekly report file that covers the newest alert's period."""
    from inference_ledger.settings import load_settings

    periods = []
    for alert in alerts:
        try:
            periods.append(date.fromisoformat(alert.period[:10]))
        except ValueError:
            continue
    if not periods:
        return None
    year, week, _ = max(periods).isocalendar()
    return str(load_settings().report_dir / f"ops-report-{year}-W{week:02d}.html")


def _logged_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(f"SELECT alert_key FROM main.{ALERT_LOG} WHERE delivery <> 'failed'")
    return {row[0] for row in rows.fetchall()}


def run_alerts(
    warehouse_path: Path | str,
    sink_urls: Sequence[str] | None = None,
    report_link: str | None = None,
    lookback_periods: int | None = 2,
) -> AlertRun:
    """Evaluate, deliver and log alerts; `sink_urls` defaults to `LEDGER_ALERT_URLS`."""
    if not Path(warehouse_path).exists():
        # Connecting would create an empty warehouse and report "nothing new".
        raise FileNotFoundError(f"warehouse not found: {warehouse_path}")
    urls = list(sink_urls) if sink_urls is not None else sink_urls_from_env()
    run = AlertRun(run_id=f"alerts-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}")
    with queries.open_warehouse(warehouse_path, read_only=False) as con:
        con.execute(_ALERT_LOG_DDL)
        candidates = metric_alerts(
            queries.metric_health_history(con), lookback_periods
        ) + expectation_alerts(queries.dq_failures(con))
        logged = _logged_keys(con)
        run.already_logged = sum(a.key in logged for a in candidates)
        run.new_alerts = [a for a in candidates if a.key not in logged]
        if not run.new_alerts:
            log.info("alerts: nothing new (%d already logged)", run.already_logged)
            return run

        link = report_link if report_link is not None else default_report_link(run.new_alerts)
        title, body = digest(run.new_alerts, link)
        critical = any(a.is_critical for a in run.new_alerts)
        for url in urls:
            run.delivered.append((mask_url(url), send(url, title, body, critical)))

        sent_at = datetime.now(UTC)
        ok = ", ".join(s for s, good in run.delivered if good) or None
        failed = ", ".join(s for s, good in run.delivered if not good) or None
        con.execute("BEGIN TRANSACTION")
        con.executemany(
            f"DELETE FROM main.{ALERT_LOG} WHERE alert_key = ?",
            [[a.key] for a in run.new_alerts],
        )
        con.executemany(
            f"INSERT INTO main.{ALERT_LOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    a.key,
                    a.kind,
                    a.metric,
                    a.scope,
                    a.period,
                    a.status,
                    a.value,
                    a.message,
                    ok,
                    failed,
                    run.delivery,
                    sent_at,
                    run.run_id,
                ]
                for a in run.new_alerts
            ],
        )
        con.execute("COMMIT")
    log.info(
        "alerts: %d new, %d already logged, delivery %s to %s",
        len(run.new_alerts),
        run.already_logged,
        run.delivery,
        ", ".join(sink for sink, _ in run.delivered) or "no sinks",
    )
    return run
