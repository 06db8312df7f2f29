"""Compare a built warehouse (or publication) with the generator's ground truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb

REL = 1e-9


def close(actual: float | None, expected: float | None) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(actual - expected) <= REL * max(abs(actual), abs(expected), 1e-300)


def truth_mismatches(database: Path, landing: Path, schema: str = "marts") -> list[str]:
    """Every way the marts disagree with ground_truth.json (empty list = they agree)."""
    truth = json.loads((landing / "ground_truth.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(database), read_only=True)
    problems: list[str] = []
    try:
        cost = {
            str(day): rest
            for day, *rest in con.execute(
                f"""select date_day, sum(inference_events), sum(total_cost_usd),
                           sum(committed_outcomes)
                    from {schema}.fct_cost_per_outcome group by date_day"""
            ).fetchall()
        }
        audit = {
            str(day): rest
            for day, *rest in con.execute(
                f"""select date_day, sum(outputs), sum(t1_outputs)
                    from {schema}.fct_audit_completeness group by date_day"""
            ).fetchall()
        }
        for day in truth["per_day"]:
            key = day["date_day"]
            events, total, committed = cost.get(key, (0, 0.0, 0))
            if events != day["inference_events"]:
                problems.append(f"{key}: events {events} != {day['inference_events']}")
            if committed != day["committed_outcomes"]:
                problems.append(f"{key}: committed {committed} != {day['committed_outcomes']}")
            if not close(float(total), float(day["total_cost_usd"])):
                problems.append(f"{key}: cost {total} != {day['total_cost_usd']}")
            outputs, t1 = audit.get(key, (0, 0))
            if (outputs, t1) != (day["outputs"], day["t1_outputs"]):
                problems.append(f"{key}: outputs/t1 {(outputs, t1)}")
        gaps_file = landing / truth["audit_gaps_file"]
        with gaps_file.open(newline="", encoding="utf-8") as handle:
            expected = {row["output_id"]: row["missing"] for row in csv.DictReader(handle)}
        actual = dict(con.execute(f"select output_id, missing from {schema}.audit_gaps").fetchall())
        if actual != expected:
            problems.append(f"audit_gaps differ: {len(actual)} vs {len(expected)} rows")
    finally:
        con.close()
    return problems
