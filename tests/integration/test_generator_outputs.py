"""Determinism, shapes, corruption, heavy tail, arrivals and scenario direction of the data."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from inference_ledger.cli import main
from inference_ledger.generator import GenerationOptions, generate

REPO = Path(__file__).resolve().parents[2]
AZURE = REPO.parent / "shared" / "data" / "azure-llm-inference-2023"
CANONICAL_TRIGGERS = {"user_explicit", "user_edit", "undo", "auto_save", "retry", "background"}


def _digests(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _truth(out: Path) -> dict:
    return json.loads((out / "ground_truth.json").read_text())


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "parquet", "csv", "otlp", "mixed"])
def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path: Path, fmt: str) -> None:
    opts = {"days": 6, "events_per_day": 150, "format": fmt, "scenario": "vendor-outage"}
    first = _digests(generate(GenerationOptions(out=tmp_path / "a", seed=5, **opts)).out)
    again = _digests(generate(GenerationOptions(out=tmp_path / "b", seed=5, **opts)).out)
    other = _digests(generate(GenerationOptions(out=tmp_path / "c", seed=6, **opts)).out)
    assert len(first) > 10
    assert first == again
    assert first.keys() == other.keys()
    events = [k for k in first if k.startswith(("events/", "otlp/"))]
    assert events and all(first[k] != other[k] for k in events)


def test_every_shape_describes_the_same_facts(tmp_path: Path) -> None:
    truths = {}
    for fmt in ("jsonl", "jsonl.gz", "parquet", "csv", "otlp", "mixed"):
        out = tmp_path / fmt.replace(".", "_")
        generate(
            GenerationOptions(
                out=out, format=fmt, scenario="compliance-gap", days=9, events_per_day=200, seed=11
            )
        )
        truth = _truth(out)
        assert truth.pop("format") == fmt
        truths[fmt] = truth
    for fmt, truth in truths.items():
        assert truth == truths["jsonl"], fmt
    mixed = tmp_path / "mixed"
    names = {p.name for p in (mixed / "events").iterdir()}
    assert {"2025-05-05.quickstart.jsonl", "2025-05-05.envelope.jsonl", "2025-05-05.csv"} <= names
    assert (mixed / "otlp" / "2025-05-05.jsonl").exists()
    assert not (mixed / "tool_calls").exists() and not (mixed / "approvals").exists()
    # Nested envelopes carry every tool call and approval of the canonical files.
    envelopes = [
        json.loads(line)
        for p in sorted((mixed / "envelopes").glob("*.jsonl"))
        for line in p.read_text().splitlines()
    ]
    nested_calls = sum(len(e["tool_calls"]) for e in envelopes)
    nested_approvals = sum(len(e["approvals"]) for e in envelopes)
    assert nested_calls == truths["jsonl"]["totals"]["tool_calls"] > 0
    assert nested_approvals == truths["jsonl"]["totals"]["approvals"] > 0
    aliased = (mixed / "events" / "2025-05-05.envelope.jsonl").read_text()
    assert '"result_id"' in aliased and '"created_at"' in aliased and '"retries"' in aliased
    assert re.search(r'"trigger_type":"(user_generate|explicit)"', aliased)
    assert '"context_hash":"sha256:' in aliased
    # Row counts across all event shapes add up to the canonical event count.
    con = duckdb.connect()
    rows = sum(
        con.execute(
            f"SELECT count(*) FROM read_json('{p}', format='newline_delimited')"
        ).fetchone()[0]
        for p in (mixed / "events").glob("*.jsonl")
    )
    rows += sum(len(pd.read_csv(p)) for p in (mixed / "events").glob("*.csv"))
    rows += sum(
        len(span)
        for p in (mixed / "otlp").glob("*.jsonl")
        for line in p.read_text().splitlines()
        for span in [json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]]
    )
    assert rows == truths["jsonl"]["totals"]["inference_events"]


def test_otlp_spans_carry_every_fact(tmp_path: Path) -> None:
    canon = tmp_path / "canon"
    otlp = tmp_path / "otlp"
    opts = {"days": 2, "events_per_day": 300, "seed": 2}
    generate(GenerationOptions(out=canon, **opts))
    generate(GenerationOptions(out=otlp, format="otlp", **opts))
    events = pd.read_json(
        canon / "events" / "2025-05-05.jsonl", lines=True, dtype=False, precise_float=True
    )
    events = events.set_index("event_id")
    spans = []
    for line in (otlp / "otlp" / "2025-05-05.jsonl").read_text().splitlines():
        request = json.loads(line)
        spans += request["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert len(spans) == len(events)
    for span in spans:
        attrs = {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
        row = events.loc[attrs["inference_ledger.event_id"]]
        assert re.fullmatch(r"[0-9a-f]{32}", span["traceId"]) and len(span["spanId"]) == 16
        # A missing trace id is written as OTLP's all-zero (invalid) id.
        assert span["traceId"] == (
            row["trace_id"] if isinstance(row["trace_id"], str) else "0" * 32
        )
        assert int(attrs["gen_ai.usage.input_tokens"]) == row["input_tokens"]
        assert isinstance(attrs["gen_ai.usage.output_tokens"], str)
        start = int(span["startTimeUnixNano"])
        ts = pd.Timestamp(row["event_ts"]).value
        assert start == ts
        assert (int(span["endTimeUnixNano"]) - start) // 1_000_000 == row["latency_ms"]
        assert attrs["inference_ledger.trigger_type"] == row["trigger_type"]
        if not pd.isna(row["inference_cost_usd"]):
            assert attrs["inference_ledger.cost.inference_usd"] == row["inference_cost_usd"]
        assert span["status"]["code"] == (1 if row["status"] == "success" else 2)


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "mixed"])
def test_every_listed_corruption_is_at_its_line(tmp_path: Path, fmt: str) -> None:
    clean = generate(
        GenerationOptions(out=tmp_path / "clean", days=5, events_per_day=300, seed=4, format=fmt)
    )
    out = tmp_path / "bad"
    generate(
        GenerationOptions(
            out=out, days=5, events_per_day=300, seed=4, format=fmt, corrupt_rate=0.05
        )
    )
    truth = _truth(out)
    bad = truth["corruption"]
    assert len({c["reason"] for c in bad}) == 5 and len(bad) > 15
    assert truth["duplicates_injected"] == sum(c["reason"] == "duplicate" for c in bad)
    files: dict[str, list[str]] = {}
    for entry in bad:
        path = out / entry["file"]
        if entry["file"] not in files:
            data = path.read_bytes()
            files[entry["file"]] = (
                (gzip.decompress(data) if path.name.endswith(".gz") else data).decode().splitlines()
            )
        line = files[entry["file"]][entry["line"] - 1]
        reason = entry["reason"]
        if reason == "malformed_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
            continue
        record = json.loads(line)
        ts_key = "timestamp" if fmt == "mixed" else "event_ts"
        cost_key = "cost_usd" if fmt == "mixed" else "inference_cost_usd"
        if reason == "bad_type:input_tokens":
            assert record["input_tokens"] == "abc"
        elif reason == "negative_cost":
            assert record[cost_key] < 0
        elif reason == "bad_timestamp":
            with pytest.raises(ValueError):
                dt.datetime.fromisoformat(record[ts_key])
        else:
            assert reason == "duplicate"
            assert files[entry["file"]].count(line) >= 2
    # Unlisted lines are exactly the valid records, with unknown triggers counted as such.
    listed = {(c["file"], c["line"]) for c in bad}
    valid = [
        json.loads(line)
        for name, lines in files.items()
        for number, line in enumerate(lines, start=1)
        if (name, number) not in listed
    ]
    assert len({r["event_id"] for r in valid}) == len(valid)
    unknown = sum(r["trigger_type"] not in CANONICAL_TRIGGERS for r in valid)
    assert unknown > 0
    assert truth["totals"]["unknown_trigger_events"] >= unknown
    clean_totals = _truth(clean.out)["totals"]
    for key in ("inference_events", "total_cost_usd", "committed_outcomes", "outputs"):
        assert truth["totals"][key] == clean_totals[key]


def test_top_five_percent_of_users_drive_about_half_the_cost(tmp_path: Path) -> None:
    out = tmp_path / "tail"
    generate(GenerationOptions(out=out, days=14, events_per_day=400, users=400, seed=9))
    con = duckdb.connect()
    shares = con.execute(
        f"""WITH u AS (SELECT user_id, sum(coalesce(inference_cost_usd, 0)
                 + coalesce(orchestration_cost_usd, 0) + coalesce(tool_cost_usd, 0)) AS cost
               FROM read_json('{out}/events/*.jsonl', format='newline_delimited')
               WHERE user_id IS NOT NULL AND inference_cost_usd IS NOT NULL GROUP BY 1)
            SELECT sum(cost) FILTER (WHERE rank <= 20) / sum(cost)
            FROM (SELECT cost, row_number() OVER (ORDER BY cost DESC) AS rank FROM u)"""
    ).fetchone()[0]
    assert 0.40 <= shares <= 0.60


def _weeks(out: Path, metric: str) -> list[str]:
    truth = _truth(out)
    return [truth["expected_status"][metric][w["week_start"]] for w in truth["per_week"]]


def _run(tmp_path: Path, scenario: str, days: int = 42) -> Path:
    out = tmp_path / scenario
    generate(GenerationOptions(out=out, scenario=scenario, days=days, events_per_day=200, seed=1))
    return out


def test_baseline_is_healthy_with_a_realistic_trigger_mix(tmp_path: Path) -> None:
    out = _run(tmp_path, "baseline", days=21)
    for metric in (
        "hidden_recompute_ratio",
        "completeness_rate",
        "cache_hit_rate",
        "retry_rate",
        "regenerate_rate",
        "attempts_per_outcome",
    ):
        assert set(_weeks(out, metric)) == {"healthy"}, metric
    for week in _truth(out)["per_week"]:
        share = week["cost_share_by_trigger"]
        assert 0.4 < share["user_explicit"] < 0.8
        assert share["user_edit"] > 0.1 and share["background"] > 0.01


def test_undo_margin_killer_ramps_to_critical_then_recovers(tmp_path: Path) -> None:
    out = _run(tmp_path, "undo-margin-killer")
    hidden = _weeks(out, "hidden_recompute_ratio")
    assert hidden[0] == "healthy" and "critical" in hidden[1:5] and hidden[-1] == "healthy"
    cache = _weeks(out, "cache_hit_rate")
    assert cache[0] == "healthy" and "warning" in cache[2:5] and cache[-1] == "healthy"
    weeks = _truth(out)["per_week"]
    peak = max(weeks, key=lambda w: w["hidden_recompute_ratio"])
    assert peak["cost_share_by_trigger"]["undo"] > 0.2
    assert "critical" in _weeks(out, "attempts_per_outcome")


def test_compliance_gap_is_critical_until_the_fix(tmp_path: Path) -> None:
    out = _run(tmp_path, "compliance-gap")
    status = _weeks(out, "completeness_rate")
    assert status[:3] == ["critical"] * 3 and status[-1] == "healthy"
    weeks = _truth(out)["per_week"]
    assert weeks[0]["retry_rate"] < weeks[-1]["retry_rate"]  # retries unlogged before the fix


def test_retry_storm_and_vendor_outage_spike_retries_only_in_their_window(
    tmp_path: Path,
) -> None:
    storm = _weeks(_run(tmp_path, "retry-storm"), "retry_rate")
    assert storm[0] == "healthy" and "critical" in storm and storm[-1] == "healthy"
    outage = _weeks(_run(tmp_path, "vendor-outage"), "retry_rate")
    assert outage.count("healthy") == len(outage) - 1


def test_regenerate_inflation_and_overwritten_state(tmp_path: Path) -> None:
    regen = _weeks(_run(tmp_path, "regenerate-inflation"), "regenerate_rate")
    assert regen[0] == "healthy" and regen[-1] == "critical"
    out = _run(tmp_path, "overwritten-state")
    weeks = _truth(out)["per_week"]
    assert weeks[0]["attempts_per_outcome"] > weeks[-1]["attempts_per_outcome"] + 0.1
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    before, after = con.execute(
        f"""SELECT count(t.prior_output_id) FILTER (WHERE e.d < DATE '2025-05-26'),
                   count(t.prior_output_id) FILTER (WHERE e.d >= DATE '2025-06-02')
            FROM (SELECT output_id, event_ts::DATE AS d FROM read_json('{out}/events/*.jsonl',
                  format='newline_delimited') WHERE user_action = 'regenerate') e
            JOIN read_json('{out}/transitions/*.jsonl', format='newline_delimited') t
            USING (output_id)"""
    ).fetchone()
    assert before == 0 and after > 20


def test_api_to_owned_moves_background_cost_to_the_owned_model(tmp_path: Path) -> None:
    out = _run(tmp_path, "api-to-owned")
    weeks = _truth(out)["per_week"]
    assert weeks[0]["owned_cost_usd"] == 0.0
    assert weeks[-1]["owned_cost_usd"] > 0.0
    assert weeks[-1]["background_cost_usd"] < 0.5 * weeks[0]["background_cost_usd"]
    prices = pd.read_csv(out / "prices" / "owned_models.csv")
    assert prices.loc[0, "model"] == "ledger-llama-3.1-70b"


@pytest.mark.skipif(not AZURE.is_dir(), reason="Azure LLM inference trace not available")
def test_arrival_trace_shapes_time_of_day_and_tokens(tmp_path: Path) -> None:
    trace_path = AZURE / "AzureLLMInferenceTrace_conv.csv"
    trace = pd.read_csv(trace_path)
    out = tmp_path / "replay"
    generate(GenerationOptions(out=out, days=2, events_per_day=2000, arrivals=trace_path))
    events = pd.read_json(out / "events" / "2025-05-05.jsonl", lines=True)
    assert set(events["input_tokens"]) <= set(trace["ContextTokens"].clip(lower=1))
    times = pd.to_datetime(trace["TIMESTAMP"], format="mixed")
    position = (times - times.min()) / (times.max() - times.min())
    ts = pd.to_datetime(events["event_ts"])
    day_position = (ts - ts.dt.normalize()) / pd.Timedelta(days=1)
    for q in (0.25, 0.5, 0.75):
        assert abs((day_position < q).mean() - (position < q).mean()) < 0.06


def test_cli_writes_a_landing_dir_and_rejects_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    code = main(
        [
            "generate",
            "--scenario",
            "retry-storm",
            "--days",
            "3",
            "--events-per-day",
            "50",
            "--seed",
            "4",
            "--out",
            str(out),
            "--start",
            "2026-01-05",
        ]
    )
    assert code == 0
    truth = _truth(out)
    assert truth["start_date"] == "2026-01-05" and truth["totals"]["inference_events"] == 150
    assert "generate" in capsys.readouterr().err  # progress bar on stderr
    assert (
        main(
            [
                "generate",
                "--format",
                "parquet",
                "--corrupt-rate",
                "0.1",
                "--quiet",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    assert "undo-margin-killer" in capsys.readouterr().out


def test_observe_days_writes_the_first_days_of_the_whole_story(tmp_path):
    whole, prefix = tmp_path / "whole", tmp_path / "prefix"
    generate(
        GenerationOptions(
            out=whole, scenario="undo-margin-killer", days=20, events_per_day=80, seed=4
        )
    )
    generate(
        GenerationOptions(
            out=prefix,
            scenario="undo-margin-killer",
            days=20,
            events_per_day=80,
            seed=4,
            observe_days=8,
        )
    )
    truth = json.loads((prefix / "ground_truth.json").read_text())
    assert (truth["days"], truth["observe_days"], len(truth["per_day"])) == (20, 8, 8)
    prefix_events = sorted((prefix / "events").glob("*.jsonl"))
    assert len(prefix_events) == 8
    for path in prefix_events:
        assert path.read_bytes() == (whole / "events" / path.name).read_bytes()
