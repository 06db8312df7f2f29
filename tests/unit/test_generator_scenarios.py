"""Pure helpers of the generator: scenario knobs, population, arrivals and corruption."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from inference_ledger import pricing
from inference_ledger.generator import catalog
from inference_ledger.generator.arrivals import DAY_MS, ArrivalTrace
from inference_ledger.generator.corrupt import corrupt_file
from inference_ledger.generator.scenarios import SCENARIOS, knobs_for, smoothstep
from inference_ledger.generator.simulate import build_population, zipf_exponent


def test_smoothstep_is_monotonic_between_its_ends() -> None:
    values = [smoothstep(x, 2.0, 6.0) for x in np.linspace(0, 8, 81)]
    assert values[0] == 0.0 and values[-1] == 1.0
    assert all(a <= b for a, b in zip(values, values[1:], strict=False))
    assert smoothstep(4.0, 2.0, 6.0) == pytest.approx(0.5)


def test_every_scenario_has_valid_knobs_every_day() -> None:
    for scenario in SCENARIOS:
        for day in range(60):
            knobs = knobs_for(scenario, day, 60)
            assert len(knobs.trigger_weights) == len(catalog.TRIGGERS)
            assert min(knobs.trigger_weights) >= 0 and sum(knobs.trigger_weights) > 0
            for p in (
                knobs.cache_rate,
                knobs.owned_share,
                knobs.regenerate_share,
                knobs.retry_logged,
                *knobs.missing.values(),
            ):
                assert 0.0 <= p <= 1.0
    with pytest.raises(ValueError, match="unknown scenario"):
        knobs_for("nope", 0, 10)


def test_undo_margin_killer_knobs_ramp_then_fix() -> None:
    days = 120
    undo = [knobs_for("undo-margin-killer", d, days).trigger_weights[2] for d in range(days)]
    peak = int(np.argmax(undo))
    assert undo[peak] > 10 * undo[0]
    # The fix removes about 90% of the added undo recompute.
    assert undo[-1] - undo[0] == pytest.approx(0.1 * (undo[peak] - undo[0]), rel=0.05)
    assert knobs_for("undo-margin-killer", days - 1, days).cache_rate > 0.7


def test_api_to_owned_steps_ten_thirty_sixty_ninety() -> None:
    shares = sorted({knobs_for("api-to-owned", d, 100).owned_share for d in range(100)})
    assert shares == [0.0, 0.1, 0.3, 0.6, 0.9]


@pytest.mark.parametrize("users", [40, 500, 5000])
def test_zipf_exponent_gives_top_five_percent_half_the_weight(users: int) -> None:
    s = zipf_exponent(users)
    w = np.arange(1, users + 1, dtype=float) ** -s
    top = max(1, round(users * 0.05))
    assert w[:top].sum() / w.sum() == pytest.approx(0.5, abs=1e-6)


def test_population_is_deterministic_per_seed() -> None:
    a, b, c = (
        build_population(3, 10, 200),
        build_population(3, 10, 200),
        build_population(4, 10, 200),
    )
    assert np.array_equal(a.user_weights, b.user_weights)
    assert np.array_equal(a.user_tenant, b.user_tenant)
    assert not np.array_equal(a.user_weights, c.user_weights)
    assert a.top_users.sum() == 10
    assert a.user_weights[a.top_users].sum() == pytest.approx(0.5, abs=1e-6)


def test_price_vectors_follow_the_price_table_and_o3_price_change() -> None:
    before = catalog.price_vectors(dt.date(2025, 6, 9))
    after = catalog.price_vectors(dt.date(2025, 6, 10))
    o3 = catalog.MODELS.index("o3")
    expected = pricing.price_on(catalog.price_table(), "o3", dt.date(2025, 6, 9))
    assert before[0][o3] == expected.input_per_mtok_usd
    assert after[0][o3] < before[0][o3]
    owned = catalog.MODELS.index(catalog.OWNED_MODEL)
    assert before[2][owned] == catalog.OWNED_PRICE.output_per_mtok_usd
    assert pricing.resolve_model(catalog.OWNED_MODEL) == []  # only our price record knows it


def test_arrival_trace_stretches_onto_a_day(tmp_path: Path) -> None:
    path = tmp_path / "trace.csv"
    path.write_text(
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        "2023-11-16 18:00:00.0,100,10\n"
        "2023-11-16 18:00:30.0,200,20\n"
        "2023-11-16 18:01:00.0,300,30\n"
    )
    trace = ArrivalTrace.from_csv(path)
    tod, (ctx, gen) = trace.sample(np.random.default_rng(0), 1000)
    assert tod.min() >= 0 and tod.max() < DAY_MS
    assert set(ctx) <= {100, 200, 300} and np.array_equal(gen * 10, ctx)
    # Rows at 0%, 50% and ~100% of the trace land near midnight, noon and the day's end.
    assert np.all(np.abs(tod[ctx == 200] - DAY_MS / 2) < DAY_MS / 2.9)
    (tmp_path / "bad.csv").write_text("TIMESTAMP,Tokens\n2023-11-16 18:00:00,1\n")
    with pytest.raises(ValueError, match="ContextTokens"):
        ArrivalTrace.from_csv(tmp_path / "bad.csv")


def test_corrupt_file_reports_exact_lines(tmp_path: Path) -> None:
    path = tmp_path / "events" / "d.jsonl"
    path.parent.mkdir()
    records = [
        {
            "event_id": f"e{i}",
            "event_ts": "2025-05-05T00:00:00.000Z",
            "input_tokens": i,
            "inference_cost_usd": 0.5,
        }
        for i in range(400)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    entries = corrupt_file(path, "events/d.jsonl", np.random.default_rng(1), 0.1)
    lines = path.read_text().splitlines()
    assert len(lines) == 400 + len(entries) and len(entries) > 20
    listed = {e["line"] for e in entries}
    kept = [json.loads(line) for n, line in enumerate(lines, 1) if n not in listed]
    assert kept == records  # valid records untouched and in order
