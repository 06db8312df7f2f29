"""Ground truth of every scenario recomputed from the written files with plain DuckDB SQL."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import duckdb
import pytest

from inference_ledger import pricing
from inference_ledger.generator import SCENARIOS, GenerationOptions, generate
from inference_ledger.generator.catalog import MODELS

HIDDEN = "('undo', 'auto_save', 'retry', 'background')"
MISSING = "(x IS NULL OR lower(trim(x)) IN ('unknown', '', 'none', 'null'))"


def _missing(col: str) -> str:
    return MISSING.replace("x", col)


def recompute(out: Path) -> dict:
    """Everything ground_truth.json claims, derived only from the landing files."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    table = pricing.build_price_table(
        MODELS, overrides=pricing.load_overrides(out / "prices" / "owned_models.csv")
    )
    con.execute(
        "CREATE TABLE prices (model VARCHAR, effective_from DATE, effective_to DATE,"
        " input_per_mtok_usd DOUBLE, output_per_mtok_usd DOUBLE,"
        " cached_input_per_mtok_usd DOUBLE, per_request_usd DOUBLE)"
    )
    con.executemany(
        "INSERT INTO prices VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                p.model,
                p.effective_from,
                p.effective_to,
                p.input_per_mtok_usd,
                p.output_per_mtok_usd,
                p.cached_input_per_mtok_usd,
                p.per_request_usd,
            )
            for p in table
        ],
    )
    rj = "read_json('{}', format='newline_delimited')"
    con.execute(
        f"""CREATE TABLE ev AS SELECT e.*, e.event_ts::DATE AS d,
          date_trunc('week', e.event_ts)::DATE AS w,
          coalesce(e.inference_cost_usd, {pricing.PRICE_SQL_EXPRESSION}) AS inf,
          coalesce(e.inference_cost_usd, {pricing.PRICE_SQL_EXPRESSION})
            + coalesce(e.orchestration_cost_usd, 0) + coalesce(e.tool_cost_usd, 0) AS cost,
          e.trigger_type IN {HIDDEN} AS hidden,
          (e.is_retry OR e.trigger_type = 'retry' OR e.retry_count > 0) AS retry
        FROM {rj.format(out / "events" / "*.jsonl")} e
        LEFT JOIN prices p ON p.model = e.model_version
          AND e.event_ts::DATE >= p.effective_from AND e.event_ts::DATE < p.effective_to"""
    )
    con.execute(f"CREATE TABLE tr AS SELECT * FROM {rj.format(out / 'transitions' / '*.jsonl')}")
    con.execute(
        """CREATE TABLE commits AS SELECT output_id, min(event_ts) AS commit_ts
           FROM tr WHERE state = 'committed' GROUP BY output_id"""
    )
    con.execute(
        f"""CREATE TABLE outs AS
        WITH first_day AS (
          SELECT output_id, min(event_ts)::DATE AS d FROM ev
          WHERE output_id IS NOT NULL GROUP BY output_id),
        pick AS (
          SELECT e.output_id, arg_max(struct_pack(t := e.trace_id, m := e.model_version,
                 p := e.prompt_version, c := e.context_hash), e.event_ts) AS v
          FROM ev e LEFT JOIN commits c USING (output_id)
          WHERE e.output_id IS NOT NULL AND (c.commit_ts IS NULL OR e.event_ts <= c.commit_ts)
          GROUP BY e.output_id)
        SELECT f.output_id, f.d, date_trunc('week', f.d)::DATE AS w,
          concat_ws(';',
            CASE WHEN {_missing("v.t")} THEN 'trace_id' END,
            CASE WHEN {_missing("v.m")} THEN 'model_version' END,
            CASE WHEN {_missing("v.p")} THEN 'prompt_version' END,
            CASE WHEN {_missing("v.c")} THEN 'context_hash' END) AS missing
        FROM first_day f JOIN pick USING (output_id)"""
    )
    totals = con.execute(
        """SELECT count(*), sum(cost), sum(inf), sum(coalesce(orchestration_cost_usd, 0)),
             sum(coalesce(tool_cost_usd, 0)), sum(cost) FILTER (WHERE retry),
             sum(cost) FILTER (WHERE hidden), sum(input_tokens), sum(output_tokens)
           FROM ev"""
    ).fetchone()
    per_day = con.execute(
        """WITH c AS (SELECT commit_ts::DATE AS d, count(*) AS n FROM commits GROUP BY 1),
           o AS (SELECT d, count(*) AS outputs, count(*) FILTER (WHERE missing = '') AS t1
                 FROM outs GROUP BY 1)
           SELECT strftime(e.d, '%Y-%m-%d'), count(*), sum(cost),
             any_value(coalesce(c.n, 0)), any_value(o.outputs), any_value(o.t1)
           FROM ev e LEFT JOIN c USING (d) LEFT JOIN o USING (d) GROUP BY e.d ORDER BY e.d"""
    ).fetchall()
    per_week = con.execute(
        """WITH c AS (
             SELECT date_trunc('week', c.commit_ts)::DATE AS w, count(DISTINCT c.output_id) AS n,
                    count(e.output_id) AS events
             FROM commits c LEFT JOIN ev e USING (output_id) GROUP BY 1),
           o AS (SELECT w, count(*) AS outputs, count(*) FILTER (WHERE missing = '') AS t1
                 FROM outs GROUP BY 1)
           SELECT strftime(e.w, '%Y-%m-%d'), count(*), count(*) FILTER (WHERE hidden),
             sum(cost), count(*) FILTER (WHERE retry) / count(*),
             count(*) FILTER (WHERE cache_hit) / count(cache_hit),
             count(*) FILTER (WHERE user_action = 'regenerate')
               / count(*) FILTER (WHERE user_action = 'generate'),
             any_value(c.events) / any_value(c.n), any_value(o.t1) / any_value(o.outputs)
           FROM ev e LEFT JOIN c USING (w) LEFT JOIN o USING (w) GROUP BY e.w ORDER BY e.w"""
    ).fetchall()
    shares = con.execute(
        """SELECT strftime(w, '%Y-%m-%d'), trigger_type,
             sum(cost) / sum(sum(cost)) OVER (PARTITION BY w)
           FROM ev GROUP BY w, trigger_type"""
    ).fetchall()
    gaps = con.execute("SELECT output_id, missing FROM outs WHERE missing <> ''").fetchall()
    counts = {
        "outputs": con.execute("SELECT count(*) FROM outs").fetchone()[0],
        "committed_outcomes": con.execute("SELECT count(*) FROM commits").fetchone()[0],
        "tool_calls": con.execute(
            f"SELECT count(*) FROM {rj.format(out / 'tool_calls' / '*.jsonl')}"
        ).fetchone()[0],
        "approvals": con.execute(
            f"SELECT count(*) FROM {rj.format(out / 'approvals' / '*.jsonl')}"
        ).fetchone()[0],
    }
    return {
        "totals": totals,
        "per_day": per_day,
        "per_week": per_week,
        "shares": shares,
        "gaps": set(gaps),
        "counts": counts,
    }


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def assert_truth_matches(out: Path) -> dict:
    truth = json.loads((out / "ground_truth.json").read_text())
    got = recompute(out)
    t = truth["totals"]
    names = (
        "inference_events",
        "total_cost_usd",
        "inference_cost_usd",
        "orchestration_cost_usd",
        "tool_cost_usd",
        "retry_cost_usd",
        "hidden_cost_usd",
        "input_tokens",
        "output_tokens",
    )
    for name, value in zip(names, got["totals"], strict=True):
        assert close(t[name], value), (name, t[name], value)
    for name, value in got["counts"].items():
        assert t[name] == value, (name, t[name], value)
    assert len(truth["per_day"]) == len(got["per_day"])
    for row, (day, events, cost, committed, outputs, t1) in zip(
        truth["per_day"], got["per_day"], strict=True
    ):
        assert row["date_day"] == day
        assert row["inference_events"] == events
        assert close(row["total_cost_usd"], cost)
        assert row["committed_outcomes"] == committed
        assert row["outputs"] == outputs and row["t1_outputs"] == t1
        assert close(row["completeness_rate"], t1 / outputs)
    for row, (week, events, hidden, cost, retry, cache, regen, attempts, complete) in zip(
        truth["per_week"], got["per_week"], strict=True
    ):
        assert row["week_start"] == week
        assert row["inference_events"] == events and row["hidden_events"] == hidden
        assert close(row["total_cost_usd"], cost)
        assert close(row["hidden_recompute_ratio"], hidden / events)
        assert close(row["retry_rate"], retry)
        assert close(row["cache_hit_rate"], cache)
        assert close(row["regenerate_rate"], regen)
        assert close(row["attempts_per_outcome"], attempts)
        assert close(row["completeness_rate"], complete)
    weeks = {w["week_start"]: w["cost_share_by_trigger"] for w in truth["per_week"]}
    for week, trigger, share in got["shares"]:
        assert close(weeks[week][trigger], share), (week, trigger)
    with (out / truth["audit_gaps_file"]).open(newline="") as handle:
        listed = {(r["output_id"], r["missing"]) for r in csv.DictReader(handle)}
    assert listed == got["gaps"]
    assert t["outputs"] - t["t1_outputs"] == len(listed)
    return truth


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_ground_truth_matches_files(tmp_path: Path, scenario: str) -> None:
    out = tmp_path / scenario
    generate(GenerationOptions(out=out, scenario=scenario, days=15, events_per_day=200, seed=3))
    truth = assert_truth_matches(out)
    assert truth["scenario"] == scenario
    # The same statuses follow from the weekly values and the shared bands.
    from inference_ledger.thresholds import band

    for week in truth["per_week"]:
        status = band("completeness_rate").status(week["completeness_rate"])
        assert truth["expected_status"]["completeness_rate"][week["week_start"]] == status
