"""The suites as code: severities, tolerances from the bands, and real GE validations on a
hand-built raw zone (healthy, then with impossible and unauditable rows injected)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from expectations import ALL_SUITES, ERROR, WARN, QualityConfig, QualityRun, suite_by_name
from expectations.runner import validate_warehouse
from expectations.sample_data import (
    create_raw_tables,
    insert_synthetic_day,
    insert_synthetic_related,
)
from inference_ledger.thresholds import band

DAY = dt.date(2026, 1, 9)
EVENTS = suite_by_name("inference_events")


@pytest.fixture(scope="module")
def run() -> QualityRun:
    # One GE context for the module: initialising GE takes seconds.
    return QualityRun(run_id="unit")


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_raw_tables(con)
    for offset in range(5):
        insert_synthetic_day(con, DAY - dt.timedelta(days=4 - offset), 2000)
    yield con
    con.close()


def test_every_expectation_declares_a_severity_and_a_unique_check_per_asset():
    names_by_asset: dict[tuple[str, ...], list[str]] = {}
    for spec in ALL_SUITES:
        for check, severity, why in spec.checks():
            assert severity in (ERROR, WARN) and why
            names_by_asset.setdefault(spec.asset_key, []).append(check)
    for asset, names in names_by_asset.items():
        assert len(names) == len(set(names)), asset
    # Corrupt data is an error, auditability gaps are warnings.
    checks = {c: s for c, s, _ in EVENTS.checks()}
    assert checks["state_canonical"] == ERROR and checks["inference_cost_usd_non_negative"] == ERROR
    assert checks["event_ts_plausible"] == ERROR
    assert checks["provenance_model_version"] == WARN and checks["retries_tagged"] == WARN


def test_provenance_tolerance_comes_from_the_completeness_band():
    config = QualityConfig()
    assert config.provenance_mostly == band("completeness_rate").warning
    mostly = {
        e.meta["check"]: e.mostly
        for e in EVENTS.expectations(config)
        if e.meta["check"]
        in ("provenance_trace_id", "provenance_context_hash", "unknown_trigger_share")
    }
    assert mostly["provenance_trace_id"] == mostly["provenance_context_hash"] == 0.95
    assert mostly["unknown_trigger_share"] == pytest.approx(1 - 0.05)


def test_healthy_day_passes_every_raw_suite(warehouse, run):
    results = validate_warehouse(
        warehouse, run, [EVENTS, suite_by_name("inference_events_volume")], DAY
    )
    assert [r.rows for r in results] == [2000, 1]
    failed = [(o.suite, o.check, o.exception) for r in results for o in r.outcomes if not o.success]
    assert failed == []
    volume = results[1].outcome("volume_events_in_band")
    assert volume.observed_value == pytest.approx(1.0)


def test_impossible_values_fail_error_checks_and_name_the_rows(warehouse, run):
    future = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=3)
    warehouse.execute(
        "UPDATE raw.inference_events SET inference_cost_usd = -0.5 WHERE event_id LIKE '%00000007'"
    )
    warehouse.execute(
        "UPDATE raw.inference_events SET event_ts = ? WHERE event_id LIKE '%00000011'", [future]
    )
    warehouse.execute(
        "UPDATE raw.inference_events SET state = 'pending' WHERE event_id LIKE '%00000013'"
    )
    (result,) = validate_warehouse(warehouse, run, [EVENTS], DAY)
    blocking = {o.check: o for o in result.blocking_failures}
    assert set(blocking) == {
        "inference_cost_usd_non_negative",
        "event_ts_plausible",
        "state_canonical",
    }
    assert blocking["state_canonical"].unexpected_count == 1
    assert blocking["state_canonical"].sample[0]["event_id"].endswith("00000013")
    assert blocking["inference_cost_usd_non_negative"].sample[0]["event_id"].endswith("00000007")
    assert blocking["event_ts_plausible"].sample[0]["event_id"].endswith("00000011")
    assert result.warnings == []


def test_events_before_the_horizon_are_implausible(warehouse):
    warehouse.execute(
        "UPDATE raw.inference_events SET event_ts = TIMESTAMP '2019-06-01' "
        "WHERE event_id LIKE '%00000003'"
    )
    run = QualityRun(config=QualityConfig(horizon=dt.datetime(2020, 1, 1)))
    (result,) = validate_warehouse(warehouse, run, [EVENTS], DAY)
    assert [o.check for o in result.blocking_failures] == ["event_ts_plausible"]


def test_far_future_times_are_implausible_and_named(warehouse, run):
    warehouse.execute(
        "UPDATE raw.inference_events SET event_ts = TIMESTAMP '3000-01-01' "
        "WHERE event_id LIKE '%00000005'"
    )
    (result,) = validate_warehouse(warehouse, run, [EVENTS], DAY)
    (failure,) = result.blocking_failures
    assert failure.check == "event_ts_plausible"
    assert failure.unexpected_count == 1
    assert failure.sample[0]["event_id"].endswith("00000005")


def test_auditability_gaps_are_warnings_with_placeholders_counted_as_missing(warehouse, run):
    # 10% of the day's events lose their model version: half NULL, half a placeholder.
    warehouse.execute(
        "UPDATE raw.inference_events SET model_version = CASE WHEN hash(event_id) % 2 = 0 "
        "THEN NULL ELSE 'unknown' END WHERE event_date = ? AND hash(event_id, 'm') % 10 = 0",
        [DAY],
    )
    (result,) = validate_warehouse(warehouse, run, [EVENTS], DAY)
    assert result.blocking_failures == []
    (gap,) = result.warnings
    assert gap.check == "provenance_model_version" and gap.severity == WARN
    missing = warehouse.execute(
        "SELECT count(*) FROM raw.inference_events WHERE event_date = ? AND "
        "(model_version IS NULL OR model_version = 'unknown')",
        [DAY],
    ).fetchone()[0]
    assert gap.unexpected_count == missing and 100 < missing < 300


def test_untagged_retries_and_unknown_triggers_are_flagged(warehouse, run):
    # Repeat 60 explicit calls 30 s later on the same trace and output, without retry tags.
    warehouse.execute(
        """
        INSERT INTO raw.inference_events BY NAME
        SELECT * REPLACE (event_id || '-again' AS event_id,
                          event_ts + INTERVAL 30 SECOND AS event_ts)
        FROM raw.inference_events
        WHERE event_date = ? AND trigger_type = 'user_explicit' AND event_ts < ? - INTERVAL 1 MINUTE
        LIMIT 60
        """,
        [DAY, dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time())],
    )
    warehouse.execute(
        "UPDATE raw.inference_events SET trigger_type = 'unknown' "
        "WHERE event_date = ? AND trigger_type = 'background' AND hash(event_id) % 3 = 0",
        [DAY],
    )
    (result,) = validate_warehouse(warehouse, run, [EVENTS], DAY)
    warned = {o.check: o for o in result.warnings}
    assert set(warned) == {"retries_tagged", "unknown_trigger_share"}
    assert warned["retries_tagged"].unexpected_count == 60
    assert all(s["event_id"].endswith("-again") for s in warned["retries_tagged"].sample)
    # Tagging them as retries clears the warning.
    warehouse.execute(
        "UPDATE raw.inference_events SET is_retry = true WHERE event_id LIKE '%-again'"
    )
    (result,) = validate_warehouse(warehouse, run, [EVENTS], DAY)
    assert "retries_tagged" not in {o.check for o in result.warnings}


def test_a_day_far_from_the_trailing_median_is_a_volume_warning(warehouse, run):
    volume = suite_by_name("inference_events_volume")
    spike = DAY + dt.timedelta(days=1)
    insert_synthetic_day(warehouse, spike, 9000, seed=2)
    (result,) = validate_warehouse(warehouse, run, [volume], spike)
    events = result.outcome("volume_events_in_band")
    assert not events.success and events.severity == WARN
    assert events.observed_value == pytest.approx(4.5)
    # The first days have no history to compare with: nothing to judge, no warning.
    (first,) = validate_warehouse(warehouse, run, [volume], DAY - dt.timedelta(days=4))
    assert first.success and first.outcome("volume_events_in_band").observed_value is None


def test_raw_tables_without_rows_on_the_day_pass(warehouse, run):
    suites = [suite_by_name(n) for n in ("output_transitions", "tool_calls", "approvals")]
    results = validate_warehouse(warehouse, run, suites, DAY)
    assert [r.rows for r in results] == [0, 0, 0]
    assert all(r.success for r in results)


def test_the_quality_doc_lists_every_check_with_its_severity():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text(encoding="utf-8")
    for spec in ALL_SUITES:
        assert f"### `{spec.name}`" in doc
        for check, severity, _ in spec.checks():
            assert f"| `{check}` | {severity} |" in doc, (spec.name, check)


def test_tool_calls_need_input_hashes_and_output_hashes_when_they_succeeded(warehouse, run):
    warehouse.execute(
        """
        INSERT INTO raw.tool_calls (tool_call_id, tool_name, event_ts, event_date, output_id,
            status, input_hash, output_hash, latency_ms, retry_count, cost_usd)
        SELECT format('tc-{:03d}', i), 'search', TIMESTAMP '2026-01-09 10:00:00', DATE '2026-01-09',
            format('out-{:03d}', i),
            CASE WHEN i < 10 THEN 'failed' ELSE 'success' END,
            format('{:016x}', hash(i, 'in')),
            CASE WHEN i < 10 OR i >= 90 THEN NULL ELSE format('{:016x}', hash(i, 'out')) END,
            120.0, 0, 0.001
        FROM range(100) t(i)
        """
    )
    tools = suite_by_name("tool_calls")
    (result,) = validate_warehouse(warehouse, run, [tools], DAY)
    hashes = result.outcome("hashes_present")
    # Ten failed calls have nothing to hash; the ten successful ones without a hash count.
    assert hashes.unexpected_count == 10 and not hashes.success and hashes.severity == WARN
    assert {s["tool_call_id"] for s in hashes.sample} == {f"tc-{i:03d}" for i in range(90, 100)}
    assert result.blocking_failures == []
    warehouse.execute(
        "UPDATE raw.tool_calls SET input_hash = 'SHA256:ABC' WHERE tool_call_id = 'tc-050'"
    )
    (result,) = validate_warehouse(warehouse, run, [tools], DAY)
    assert [o.check for o in result.blocking_failures] == ["input_hash_format"]


def _faulty_days(warehouse: Path) -> list[dt.date]:
    """Four days of every raw table, loaded by ingest run `ing`, with faults on three."""
    con = duckdb.connect(str(warehouse))
    create_raw_tables(con)
    days = [DAY - dt.timedelta(days=3 - offset) for offset in range(4)]
    for seed, day in enumerate(days):
        insert_synthetic_day(con, day, 300, seed=seed)
        insert_synthetic_related(con, day)
    con.execute("UPDATE raw.inference_events SET ingest_run_id = 'ing'")
    for table in ("output_transitions", "tool_calls", "approvals"):
        con.execute(f"UPDATE raw.{table} SET ingest_run_id = 'ing'")
    d0, d1, d2, _ = (f"'{d}'" for d in days)
    events = "UPDATE raw.inference_events SET {} WHERE event_date = {} AND {}"
    con.execute(events.format("inference_cost_usd = -1", d0, "hash(event_id) % 100 = 0"))
    con.execute(events.format("context_hash = 'unknown'", d0, "hash(event_id) % 10 = 0"))
    con.execute(events.format("model_version = NULL", d0, "hash(event_id) % 50 = 0"))
    con.execute(events.format("cached_input_tokens = 5000", d1, "hash(event_id) % 90 = 0"))
    con.execute(events.format("trigger_type = 'unknown'", d1, "hash(event_id) % 10 = 1"))
    con.execute(events.format("state = 'bogus'", d2, "event_id LIKE '%00000007'"))
    con.execute(events.format("trigger_type = NULL", d2, "event_id LIKE '%00000008'"))
    con.execute(
        f"UPDATE raw.tool_calls SET output_hash = NULL WHERE event_date = {d1} "
        "AND hash(tool_call_id) % 8 = 0"
    )
    con.execute(f"UPDATE raw.approvals SET approver = '' WHERE event_date = {d2}")
    con.close()
    return days


def _facts(results, config: QualityConfig) -> dict:
    """Every stored per-day outcome, with floats rounded (sums in another order)."""
    return {
        (o.suite, str(r.partition), o.check): (
            o.success,
            o.element_count,
            o.unexpected_count,
            None if o.unexpected_percent is None else round(o.unexpected_percent, 9),
            o.observed_value
            if not isinstance(o.observed_value, float)
            else round(o.observed_value, 9),
            # Rows come from DuckDB in no fixed order: with more failures than the
            # sample holds, which ones are sampled may differ between two reads.
            sorted(json.dumps(s, sort_keys=True) for s in o.sample)
            if (o.unexpected_count or 0) <= config.sample_size
            else len(o.sample),
            o.exception,
        )
        for r in results
        for o in r.outcomes
    }


def _assert_faults_on_their_days(facts: dict, days: list[dt.date]) -> None:
    failed = {(s, p, c) for (s, p, c), f in facts.items() if not f[0]}
    assert ("inference_events", str(days[0]), "inference_cost_usd_non_negative") in failed
    assert ("inference_events", str(days[0]), "provenance_context_hash") in failed
    assert ("inference_events", str(days[1]), "cached_within_input") in failed
    assert ("inference_events", str(days[1]), "unknown_trigger_share") in failed
    assert ("inference_events", str(days[2]), "state_canonical") in failed
    assert ("tool_calls", str(days[1]), "hashes_present") in failed
    assert ("approvals", str(days[2]), "approver_and_time") in failed
    assert not any(p == str(days[3]) for _, p, _ in failed)


def test_days_validated_together_give_each_day_the_result_it_gets_alone(tmp_path):
    # A run over many days validates each suite's days in one GE validation; every stored
    # per-day outcome (success, counts, share, sample) must equal that of the day by itself.
    days = _faulty_days(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    config = QualityConfig()
    suites = [s for s in ALL_SUITES if not s.is_mart]
    batched = QualityRun(config=config)
    single = QualityRun(config=config)
    together = validate_warehouse(con, batched, suites, ingest_run_id="ing")
    alone = [
        result
        for spec in suites
        for day in days
        for result in validate_warehouse(con, single, [spec], day)
    ]
    # One GE validation per suite for all four days, against one per suite and day.
    assert (len(batched.validated), len(single.validated)) == (5, 20)
    con.close()

    assert [(r.spec.name, r.partition, r.rows) for r in together] == [
        (r.spec.name, r.partition, r.rows) for r in alone
    ]
    assert len({r.partition for r in together}) == 4
    assert _facts(together, config) == _facts(alone, config)
    _assert_faults_on_their_days(_facts(together, config), days)
    for r in together:
        for o in r.outcomes:
            assert all(str(r.partition) in json.dumps(s) for s in o.sample), (o.check, r.partition)


def test_failing_rows_are_named_by_key_from_ge_unexpected_rows_query(warehouse, run):
    """GE judges the rows in DuckDB through SQL; each day's count and sample of a validation
    over several days come from GE's own query for the unexpected rows."""
    warehouse.execute("UPDATE raw.inference_events SET ingest_run_id = 'ing'")
    warehouse.execute(
        "UPDATE raw.inference_events SET state = 'pending' "
        "WHERE event_id LIKE '%00000013' AND event_date = ?",
        [DAY],
    )
    results = validate_warehouse(warehouse, run, [EVENTS], ingest_run_id="ing")
    # The five days were validated together, in one GE validation.
    assert len(results) == 5
    failed = [r for r in results if not r.outcome("state_canonical").success]
    assert [r.partition for r in failed] == [DAY]
    assert failed[0].outcome("state_canonical").sample[0]["event_id"].endswith("00000013")
    stored = run.context.validation_results_store.get(run.validated[-1])
    failing = [r for r in stored.results if not r.success]
    assert [r.expectation_config.meta["check"] for r in failing] == ["state_canonical"]
    query = failing[0].result["unexpected_index_query"]
    assert query.startswith("SELECT event_id, output_id, _ledger_day") and "state NOT IN" in query
    assert failing[0].result["unexpected_count"] == 1
