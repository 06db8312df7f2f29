"""Inject bad lines into a written JSON-lines file and report exactly where they are.

Bad lines are added next to the valid records (never replacing one), so the ground truth of
valid records is unchanged: malformed JSON, a wrong type, a negative cost, an unparseable
timestamp (each with a fresh event id), and exact duplicates of valid lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from inference_ledger.generator.writers import read_lines, write_lines

REASONS = ("malformed_json", "bad_type:input_tokens", "negative_cost", "bad_timestamp", "duplicate")


def corrupt_file(
    path: Path,
    relative: str,
    rng: np.random.Generator,
    rate: float,
    *,
    ts_field: str = "event_ts",
    cost_field: str = "inference_cost_usd",
) -> list[dict[str, object]]:
    """Add about `rate` x lines bad lines to `path`; returns one entry per bad line."""
    lines = read_lines(path)
    if not lines or rate <= 0:
        return []
    count = int(rng.binomial(len(lines), rate))
    if count == 0:
        return []
    reasons = rng.integers(0, len(REASONS), size=count)
    sources = rng.integers(0, len(lines), size=count)
    positions = np.sort(rng.integers(0, len(lines) + 1, size=count))
    bad: list[tuple[str, str]] = []
    for k, (reason_code, source) in enumerate(zip(reasons, sources, strict=True)):
        reason = REASONS[reason_code]
        line = lines[source]
        if reason == "duplicate":
            bad.append((line, reason))
            continue
        if reason == "malformed_json":
            bad.append((line[: max(1, len(line) // 2)], reason))
            continue
        record = json.loads(line)
        record["event_id"] = f"{record.get('event_id')}-bad{k}"
        if reason == "bad_type:input_tokens":
            record["input_tokens"] = "abc"
        elif reason == "negative_cost":
            record[cost_field] = -abs(record.get(cost_field) or 0.01)
        else:
            record[ts_field] = "not-a-timestamp"
        bad.append((json.dumps(record, separators=(",", ":")), reason))
    merged: list[str] = []
    entries: list[dict[str, object]] = []
    cursor = 0
    for position, (text, reason) in zip(positions, bad, strict=True):
        merged.extend(lines[cursor:position])
        cursor = position
        merged.append(text)
        entries.append({"file": relative, "line": len(merged), "reason": reason})
    merged.extend(lines[cursor:])
    write_lines(path, merged)
    return entries
