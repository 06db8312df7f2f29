"""Alerts delivered to a real HTTP receiver and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import duckdb
import pytest
from local_servers import Mailbox, Receiver, free_port, plain_text, wait_for

from inference_ledger.alerts import run_alerts
from inference_ledger.report.sample_marts import build_sample_warehouse

REPORT = "https://reports.example.com/ops-report-2025-W20.html"
SECRET = "s3cr3t-token"


def test_each_sink_gets_one_message_and_a_rerun_sends_none(
    tmp_path: Path, receiver: Receiver, mailbox: tuple[Mailbox, int], caplog
):
    box, smtp_port = mailbox
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    urls = [
        # A generic JSON webhook whose credentials must never show up anywhere.
        f"json://ledger:{SECRET}@127.0.0.1:{receiver.port}/generic",
        # Slack-compatible: the body goes in `text`, the other keys are dropped.
        f"json://127.0.0.1:{receiver.port}/slack?:message=text&:title&:version&:type",
        f"mailto://127.0.0.1:{smtp_port}?from=ledger@example.com&to=ops@example.com&mode=insecure",
    ]
    caplog.set_level(logging.DEBUG)

    first = run_alerts(warehouse, urls, report_link=REPORT)
    wait_for(lambda: len(box.messages) >= 1)

    assert len(first.new_alerts) == 6
    assert first.delivery == "sent"
    hidden = "CRITICAL hidden_recompute_ratio [all] week 2025-05-12: 46.0% (warning > 20.0%"

    [(_, headers, raw)] = receiver.at("/generic")
    generic = json.loads(raw)
    assert generic["title"] == "Inference Ledger: 6 new alerts (2 critical)"
    assert hidden in generic["message"]
    assert "[inference_events] unknown_trigger_share(trigger_type) failed" in generic["message"]
    assert REPORT in generic["message"]
    assert headers["Authorization"].startswith("Basic ")

    [(_, _, raw)] = receiver.at("/slack")
    slack = json.loads(raw)
    assert set(slack) <= {"text", "attachments"}
    assert hidden in slack["text"] and REPORT in slack["text"]

    assert len(box.messages) == 1
    assert box.recipients == [["ops@example.com"]]
    assert box.messages[0]["Subject"] == "Inference Ledger: 6 new alerts (2 critical)"
    assert "hidden_recompute_ratio [all] week 2025-05-12: 46.0%" in plain_text(box.messages[0])

    with duckdb.connect(str(warehouse), read_only=True) as con:
        log_rows = con.execute(
            "SELECT alert_key, status, delivery, sinks, failed_sinks FROM alert_log ORDER BY 1"
        ).fetchall()
    assert len(log_rows) == 6
    statuses = {row[0]: row[1] for row in log_rows}
    assert statuses["metric:hidden_recompute_ratio:all:week:2025-05-12"] == "critical"
    unknown_triggers = "expectation:inference_events:unknown_trigger_share(trigger_type):2025-05-18"
    assert statuses[unknown_triggers] == "warn"
    assert {row[2] for row in log_rows} == {"sent"}
    assert log_rows[0][3].count("://") == 3 and log_rows[0][4] is None
    assert SECRET not in repr(log_rows) and SECRET not in caplog.text

    second = run_alerts(warehouse, urls, report_link=REPORT)
    time.sleep(0.5)
    assert second.new_alerts == [] and second.already_logged == 6
    assert len(receiver.requests) == 2 and len(box.messages) == 1

    # A new failure on a later day alerts once, alone.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "INSERT INTO quality.dq_validation_results (run_id, partition_key, suite, "
            "table_name, check_name, expectation_type, column_name, severity, success, "
            "observed_value, unexpected_count, validated_at) VALUES ('run-2025-05-19', "
            "'2025-05-19', 'tool_calls', 'stg_raw__tool_calls', 'hashes_present', "
            "'expect_column_values_to_not_be_null', 'input_hash', 'error', false, '0.97', 41, "
            "TIMESTAMP '2025-05-20 02:10:00')"
        )
    third = run_alerts(warehouse, urls, report_link=REPORT)
    wait_for(lambda: len(box.messages) >= 2)
    assert [a.key for a in third.new_alerts] == [
        "expectation:tool_calls:hashes_present(input_hash):2025-05-19"
    ]
    assert len(receiver.at("/generic")) == 2 and len(receiver.at("/slack")) == 2
    latest = json.loads(receiver.at("/generic")[-1][2])
    assert latest["title"] == "Inference Ledger: 1 new alert (1 critical)"
    assert "hidden_recompute_ratio" not in latest["message"]
    assert len(box.messages) == 2


def test_without_sinks_alerts_are_still_logged_once(tmp_path: Path):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    first = run_alerts(warehouse, [], report_link=REPORT)
    assert first.delivery == "logged" and len(first.new_alerts) == 6
    assert run_alerts(warehouse, []).new_alerts == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*), any_value(delivery) FROM alert_log").fetchone() == (
            6,
            "logged",
        )


def test_failed_delivery_is_retried_on_the_next_run(tmp_path: Path, receiver: Receiver):
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    dead = f"json://127.0.0.1:{free_port()}/nobody-listens"
    failed = run_alerts(warehouse, [dead], report_link=REPORT)
    assert failed.delivery == "failed"
    retried = run_alerts(warehouse, [f"json://127.0.0.1:{receiver.port}/hook"], REPORT)
    assert len(retried.new_alerts) == 6 and retried.delivery == "sent"
    assert len(receiver.at("/hook")) == 1
    assert run_alerts(warehouse, [f"json://127.0.0.1:{receiver.port}/hook"]).new_alerts == []


def test_missing_warehouse_is_an_error_not_an_empty_one(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        run_alerts(tmp_path / "absent.duckdb", [])
    assert not (tmp_path / "absent.duckdb").exists()
