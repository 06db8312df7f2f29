"""Every scenario, generated, ingested and built with dbt, reproduces its ground truth.

The generator records what it wrote (ground_truth.json); the marts must agree to 1e-9
relative on money and exactly on counts, and fct_metric_health must show the weekly bands
the scenario is built to produce.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from dbt_harness import BuiltWarehouse

REL = 1e-9


def close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(actual - expected) <= REL * max(abs(actual), abs(expected), 1e-300)


def assert_close(actual: float | None, expected: float | None, what: str) -> None:
    assert close(actual, expected), f"{what}: mart {actual!r} != ground truth {expected!r}"


def test_totals(scenario_warehouse: BuiltWarehouse) -> None:
    truth = scenario_warehouse.ground_truth["totals"]
    (row,) = scenario_warehouse.query(
        """
        select sum(inference_events), sum(total_cost_usd), sum(inference_cost_usd),
               sum(orchestration_cost_usd), sum(tool_cost_usd), sum(retry_cost_usd),
               sum(hidden_cost_usd), sum(committed_outcomes)
        from marts.fct_cost_per_outcome
        """
    )
    names = (
        "inference_events",
        "total_cost_usd",
        "inference_cost_usd",
        "orchestration_cost_usd",
        "tool_cost_usd",
        "retry_cost_usd",
        "hidden_cost_usd",
        "committed_outcomes",
    )
    for name, value in zip(names, row, strict=True):
        assert_close(float(value), float(truth[name]), name)
    (outputs, t1) = scenario_warehouse.query(
        "select sum(outputs), sum(t1_outputs) from marts.fct_audit_completeness"
    )[0]
    assert (outputs, t1) == (truth["outputs"], truth["t1_outputs"])


def test_per_day_cost_outcomes_and_completeness(scenario_warehouse: BuiltWarehouse) -> None:
    cost = {
        str(day): rest
        for day, *rest in scenario_warehouse.query(
            """
            select date_day, sum(inference_events), sum(total_cost_usd),
                   sum(committed_outcomes),
                   sum(total_cost_usd) / nullif(sum(committed_outcomes), 0)
            from marts.fct_cost_per_outcome group by date_day
            """
        )
    }
    audit = {
        str(day): rest
        for day, *rest in scenario_warehouse.query(
            """
            select date_day, sum(outputs), sum(t1_outputs),
                   cast(sum(t1_outputs) as double) / sum(outputs)
            from marts.fct_audit_completeness group by date_day
            """
        )
    }
    per_day = scenario_warehouse.ground_truth["per_day"]
    assert len(per_day) == len(cost)
    for day in per_day:
        events, total, committed, cpo = cost[day["date_day"]]
        assert events == day["inference_events"], day["date_day"]
        assert committed == day["committed_outcomes"], day["date_day"]
        assert_close(total, day["total_cost_usd"], f"cost {day['date_day']}")
        assert_close(cpo, day["cost_per_outcome"], f"cost per outcome {day['date_day']}")
        outputs, t1, rate = audit.get(day["date_day"], (0, 0, None))
        assert (outputs, t1) == (day["outputs"], day["t1_outputs"]), day["date_day"]
        assert_close(rate, day["completeness_rate"], f"completeness {day['date_day']}")


def _by_week(rows: list[tuple]) -> dict[str, tuple]:
    return {str(week): rest for week, *rest in rows}


def test_per_week_control_surface(scenario_warehouse: BuiltWarehouse) -> None:
    weekly = _by_week(
        scenario_warehouse.query(
            """
            select w.week_start, w.inference_events, w.hidden_events, w.hidden_recompute_ratio,
                   w.regenerate_rate, w.attempts_per_outcome, r.retry_rate, r.timeout_rate,
                   r.cache_hit_rate
            from marts.fct_control_surface_weekly as w
            join marts.fct_reliability_weekly as r using (week_start)
            """
        )
    )
    shares: dict[str, dict[str, float]] = {}
    for week, trigger, share in scenario_warehouse.query(
        "select week_start, trigger_type, cost_share from marts.fct_control_surface_drift"
    ):
        shares.setdefault(str(week), {})[trigger] = share
    per_week = scenario_warehouse.ground_truth["per_week"]
    assert len(per_week) == len(weekly)
    for week in per_week:
        key = week["week_start"]
        events, hidden, ratio, regen, attempts, retry, timeout, cache = weekly[key]
        assert (events, hidden) == (week["inference_events"], week["hidden_events"]), key
        assert_close(ratio, week["hidden_recompute_ratio"], f"hidden ratio {key}")
        assert_close(regen, week["regenerate_rate"], f"regenerate rate {key}")
        assert_close(attempts, week["attempts_per_outcome"], f"attempts {key}")
        assert_close(retry, week["retry_rate"], f"retry rate {key}")
        assert_close(timeout, week["timeout_rate"], f"timeout rate {key}")
        assert_close(cache, week["cache_hit_rate"], f"cache hit rate {key}")
        for trigger, share in shares[key].items():
            expected = week["cost_share_by_trigger"].get(trigger, 0.0)
            assert_close(share, expected, f"cost share {trigger} {key}")


def test_audit_gap_list(scenario_warehouse: BuiltWarehouse) -> None:
    truth_file = scenario_warehouse.landing / scenario_warehouse.ground_truth["audit_gaps_file"]
    with truth_file.open(newline="", encoding="utf-8") as handle:
        expected = {row["output_id"]: row["missing"] for row in csv.DictReader(handle)}
    actual = dict(scenario_warehouse.query("select output_id, missing from marts.audit_gaps"))
    assert actual == expected


def test_expected_status_per_week(scenario_warehouse: BuiltWarehouse) -> None:
    expected: dict[str, dict[str, Any]] = scenario_warehouse.ground_truth["expected_status"]
    health = {
        (metric, str(week)): status
        for metric, week, status in scenario_warehouse.query(
            "select metric, period_start, status from marts.fct_metric_health"
            " where period_grain = 'week' and scope = 'all'"
        )
    }
    mismatches = [
        (metric, week, status, health.get((metric, week)))
        for metric, weeks in expected.items()
        for week, status in weeks.items()
        if health.get((metric, week)) != status
    ]
    assert not mismatches
    # The stories exist to move bands: all but the steady ones have a non-healthy week
    # (api-to-owned moves cost between deployments and keeps every band healthy).
    if scenario_warehouse.ground_truth["scenario"] not in {"baseline", "api-to-owned"}:
        assert any(s in {"warning", "critical"} for w in expected.values() for s in w.values())


def test_dbt_tests_passed_in_build(scenario_warehouse: BuiltWarehouse) -> None:
    # The session build ran every data test and unit test; a structural failure would have
    # raised. Here: the marts hold rows for every generated day and week.
    truth = scenario_warehouse.ground_truth
    (days,) = scenario_warehouse.query("select count(*) from marts.dim_date")[0]
    assert days == truth["days"]


def test_mixed_shapes_with_envelopes_match_ground_truth(
    build_scenario: Callable[..., BuiltWarehouse],
) -> None:
    # The same facts written in the manual's other shapes (quick-start records, flattened
    # and nested decision envelopes, OTLP spans): provenance comes from envelopes where
    # present, outcomes from transitions, and the marts still equal the ground truth.
    built = build_scenario("compliance-gap", "mixed")
    (envelopes,) = built.query("select count(*) from raw.decision_envelopes")[0]
    assert envelopes > 0
    truth = built.ground_truth["totals"]
    (outputs, t1) = built.query(
        "select sum(outputs), sum(t1_outputs) from marts.fct_audit_completeness"
    )[0]
    assert (outputs, t1) == (truth["outputs"], truth["t1_outputs"])
    (events, cost, outcomes) = built.query(
        "select sum(inference_events), sum(total_cost_usd), sum(committed_outcomes)"
        " from marts.fct_cost_per_outcome"
    )[0]
    assert (events, outcomes) == (truth["inference_events"], truth["committed_outcomes"])
    assert_close(cost, truth["total_cost_usd"], "total cost")
    test_audit_gap_list(built)
