"""Validation history in the warehouse and Data Docs HTML, from real runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from expectations import RAW_SUITES, run_quality
from expectations.sample_data import create_raw_tables, insert_synthetic_day


def test_every_run_appends_its_results_and_renders_data_docs(tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    report_dir = tmp_path / "reports"
    day = dt.date(2026, 2, 2)
    with duckdb.connect(str(warehouse)) as con:
        create_raw_tables(con)
        insert_synthetic_day(con, day, 500)
        con.execute(
            "UPDATE raw.inference_events SET output_tokens = -1 WHERE event_id LIKE '%00000004'"
        )

    first = run_quality(warehouse, RAW_SUITES, partition=day, run_id="run-1", report_dir=report_dir)
    second = run_quality(warehouse, RAW_SUITES, run_id="run-2", report_dir=report_dir)
    expected_rows = sum(len(r.outcomes) for r in first)
    assert expected_rows == sum(len(r.outcomes) for r in second) > 40

    with duckdb.connect(str(warehouse), read_only=True) as con:
        per_run = con.execute(
            "SELECT run_id, count(*), count(DISTINCT suite), min(partition_key) "
            "FROM quality.dq_validation_results GROUP BY run_id ORDER BY run_id"
        ).fetchall()
        failed = con.execute(
            "SELECT suite, check_name, severity, unexpected_count, unexpected_percent, "
            "sample_keys, observed_value FROM quality.dq_validation_results "
            "WHERE NOT success AND run_id = 'run-2'"
        ).fetchall()
        stamped = con.execute(
            "SELECT count(*) FROM quality.dq_validation_results WHERE validated_at IS NULL"
        ).fetchone()[0]
    # The second run had no partition: it validated the newest day.
    assert per_run == [
        ("run-1", expected_rows, 5, day.isoformat()),
        ("run-2", expected_rows, 5, day.isoformat()),
    ]
    assert stamped == 0
    assert len(failed) == 1, failed
    ((suite, check, severity, count, percent, sample, observed),) = failed
    assert (suite, check, severity, count) == (
        "inference_events",
        "output_tokens_non_negative",
        "error",
        1,
    )
    assert percent == 0.2 and json.loads(observed) == 0.002
    assert json.loads(sample)[0]["event_id"].endswith("00000004")

    index = report_dir / "data_docs" / "index.html"
    html = index.read_text(encoding="utf-8")
    for spec in RAW_SUITES:
        assert spec.name in html
    assert "run-1" in html and "run-2" in html
    pages = list((report_dir / "data_docs" / "validations" / "inference_events").rglob("*.html"))
    assert len(pages) == 2


def test_command_line_validates_with_the_settings_and_fails_on_errors(
    tmp_path: Path, monkeypatch, capsys
):
    from expectations.__main__ import main

    for name, value in {
        "LEDGER_HOME": tmp_path,
        "LEDGER_WAREHOUSE": tmp_path / "warehouse.duckdb",
        "LEDGER_REPORT_DIR": tmp_path / "reports",
    }.items():
        monkeypatch.setenv(name, str(value))
    day = dt.date(2026, 2, 3)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        create_raw_tables(con)
        insert_synthetic_day(con, day, 300)
    assert main(["--run-id", "cli-ok"]) == 0
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("UPDATE raw.inference_events SET status = 'exploded' WHERE event_id LIKE '%5'")
    assert main(["--partition", day.isoformat(), "--run-id", "cli-bad"]) == 1
    out = capsys.readouterr().out
    assert "ERROR inference_events.status_canonical [2026-02-03] unexpected=30" in out
    assert (tmp_path / "reports" / "data_docs" / "index.html").exists()
