"""The code location's asset graph as a reviewed snapshot: an accidental key change (a dbt
model renamed, a schema prefix leaking into keys, a check dropped) shows up in review.

After an intended change, refresh the snapshot with
`LEDGER_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_asset_graph.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


def _describe(defs: dg.Definitions) -> str:
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        parents = ",".join(sorted(p.to_user_string() for p in node.parent_keys))
        checks = len(node.check_keys)
        partitioned = "daily" if node.partitions_def else "-"
        lines.append(f"{key.to_user_string()} [{partitioned}] checks={checks} <- {parents}")
    jobs = sorted(job.name for job in defs.resolve_all_job_defs())
    lines.append("jobs: " + ", ".join(j for j in jobs if not j.startswith("__")))
    lines.append("schedules: " + ", ".join(sorted(s.name for s in defs.schedules or [])))
    lines.append("sensors: " + ", ".join(sorted(s.name for s in defs.sensors or [])))
    return "\n".join(lines) + "\n"


def test_asset_graph_matches_snapshot():
    from orchestration.definitions import defs

    current = _describe(defs)
    if os.environ.get("LEDGER_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8")


def test_dbt_asset_keys_are_logical():
    from orchestration.definitions import defs

    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    # Models are keyed by name; only the raw zone carries a prefix (its own asset keys).
    assert {k.split("/")[0] for k in keys if "/" in k} == {"raw"}
    assert {"fct_cost_per_outcome", "fct_metric_health", "published_marts"} <= keys
