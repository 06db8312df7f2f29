"""Alert rules, message formatting, sink configuration and masking."""

from __future__ import annotations

from datetime import date

from inference_ledger.alerts import (
    digest,
    expectation_alerts,
    mask_url,
    metric_alerts,
    parse_sink_urls,
)


def health(metric, period, status, previous, value, back=1, warning=0.2, critical=0.4):
    return {
        "metric": metric,
        "scope": "all",
        "period_start": period,
        "value": value,
        "status": status,
        "previous_status": previous,
        "warning_threshold": warning,
        "critical_threshold": critical,
        "periods_back": back,
    }


def test_only_worsening_statuses_alert():
    rows = [
        health("hidden_recompute_ratio", date(2025, 5, 12), "warning", "healthy", 0.25),
        health("retry_rate", date(2025, 5, 12), "critical", "warning", 0.2, 1, 0.05, 0.15),
        health("undo_rate", date(2025, 5, 12), "warning", "warning", 0.25),
        health("timeout_rate", date(2025, 5, 12), "healthy", "critical", 0.0),
        health("regenerate_rate", date(2025, 5, 12), "unknown", "healthy", None),
        health("new_metric", date(2025, 5, 12), "critical", None, 0.5),
    ]
    alerts = metric_alerts(rows)
    assert [a.metric for a in alerts] == ["hidden_recompute_ratio", "retry_rate", "new_metric"]
    assert alerts[0].key == "metric:hidden_recompute_ratio:all:2025-05-12"
    assert alerts[0].message == (
        "WARNING hidden_recompute_ratio [all] period 2025-05-12: 25.0% "
        "(warning > 20.0%, critical > 40.0%; was healthy)"
    )
    assert alerts[1].is_critical and not alerts[0].is_critical


def test_lookback_skips_old_transitions():
    old = health("hidden_recompute_ratio", date(2025, 3, 3), "warning", "healthy", 0.25, back=9)
    assert metric_alerts([old]) == []
    assert len(metric_alerts([old], lookback_periods=None)) == 1


def test_lower_is_worse_metrics_read_with_less_than():
    row = health("cache_hit_rate", date(2025, 5, 12), "critical", "healthy", 0.42, 1, 0.7, 0.5)
    assert "42.0% (warning < 70.0%, critical < 50.0%" in metric_alerts([row])[0].message
    row = health("latency_p95_ms", date(2025, 5, 12), "warning", "healthy", 2450, 1, 2000, 5000)
    assert "2,450 ms (warning > 2,000 ms" in metric_alerts([row])[0].message


def test_expectation_failures_alert_once_per_period():
    row = {
        "run_id": "r1",
        "suite": "inference_events",
        "expectation": "expect_share_below",
        "severity": "warn",
        "observed_value": "0.07",
        "unexpected_count": 1200,
        "period": "2025-05-19",
    }
    alerts = expectation_alerts([row, {**row, "run_id": "r2"}])
    assert len(alerts) == 1
    assert alerts[0].status == "warn"
    assert "observed 0.07, 1,200 unexpected" in alerts[0].message


def test_digest_lists_critical_first_and_links_the_report():
    rows = [
        health("a_rate", date(2025, 5, 12), "warning", "healthy", 0.25),
        health("b_rate", date(2025, 5, 12), "critical", "healthy", 0.5),
    ]
    title, body = digest(metric_alerts(rows), "reports/ops-report-2025-W20.html")
    assert title == "Inference Ledger: 2 new alerts (1 critical)"
    lines = body.splitlines()
    assert lines[1].startswith("- CRITICAL b_rate") and lines[2].startswith("- WARNING a_rate")
    assert lines[-1] == "Report: reports/ops-report-2025-W20.html"


def test_sink_urls_split_on_spaces_and_commas_but_keep_commas_inside_a_url():
    text = (
        "json://127.0.0.1:9000/hook, mailto://127.0.0.1:25?to=a@x.org,b@x.org\nslack://T0/B0/secret"
    )
    assert parse_sink_urls(text) == [
        "json://127.0.0.1:9000/hook",
        "mailto://127.0.0.1:25?to=a@x.org,b@x.org",
        "slack://T0/B0/secret",
    ]
    assert parse_sink_urls("") == [] and parse_sink_urls(None) == []


def test_masked_urls_hide_credentials_and_tokens():
    assert mask_url("json://user:pw@hooks.example.com:8443/T/B/tok?x=1") == (
        "json://hooks.example.com:8443/***"
    )
    assert mask_url("slack://T0/B0/secret") == "slack://***/***"
    assert "pw" not in mask_url("mailto://me:pw@smtp.example.com")
