"""The benchmark's result store: approaches of one size measured in separate runs add up,
and scaling is read per approach over the sizes it ran at."""

from __future__ import annotations

from bench.compare import merged, scaling


def _block(results: dict, events: int = 1000, at: str = "2026-12-04 10:00 UTC") -> dict:
    return {"events": events, "days": 60, "measured_at": at, "load": [1.0], "results": results}


def test_a_later_run_keeps_the_approaches_it_did_not_measure_again():
    earlier = _block(
        {
            "pipeline|jsonl": {"seconds": 10.0, "measured_at": "2026-12-04 10:00 UTC"},
            "duckdb|jsonl": {"seconds": 1.0, "measured_at": "2026-12-04 10:05 UTC"},
        }
    )
    later = _block(
        {"duckdb|jsonl": {"seconds": 0.9, "measured_at": "2026-12-04 11:00 UTC"}},
        at="2026-12-04 11:00 UTC",
    )
    both = merged(earlier, later)
    assert both["results"]["pipeline|jsonl"]["seconds"] == 10.0
    assert both["results"]["duckdb|jsonl"]["seconds"] == 0.9
    assert both["measured_at"] == "2026-12-04 10:00 UTC to 2026-12-04 11:00 UTC"


def test_a_run_of_another_size_or_span_replaces_the_block():
    earlier = _block({"pipeline|jsonl": {"seconds": 10.0}}, events=999)
    later = _block({"duckdb|jsonl": {"seconds": 1.0}})
    assert merged(earlier, later) == later
    assert merged(None, later) == later


def test_scaling_spans_the_sizes_each_approach_ran_at():
    store = {
        "1M": _block(
            {"pipeline|jsonl": {"seconds": 60.0}, "duckdb|parquet": {"seconds": 1.0}}, events=10**6
        ),
        "10M": _block({"pipeline|jsonl": {"seconds": 300.0}}, events=10**7),
        "30M": _block({"duckdb|parquet": {"seconds": 60.0}}, events=3 * 10**7),
    }
    found = {name: (span, round(g, 6)) for name, span, g in scaling(store)}
    assert found == {"pipeline|jsonl": ("1M → 10M", 0.5), "duckdb|parquet": ("1M → 30M", 2.0)}


def test_entries_without_their_own_time_keep_their_blocks_time():
    earlier = _block({"duckdb|jsonl": {"seconds": 1.0}}, at="2026-12-04 23:22 UTC")
    later = _block(
        {"pipeline|jsonl": {"seconds": 9.0, "measured_at": "2026-12-05 01:11 UTC"}},
        at="2026-12-05 01:11 UTC",
    )
    both = merged(earlier, later)
    assert both["results"]["duckdb|jsonl"]["measured_at"] == "2026-12-04 23:22 UTC"
    assert both["measured_at"] == "2026-12-04 23:22 UTC to 2026-12-05 01:11 UTC"
