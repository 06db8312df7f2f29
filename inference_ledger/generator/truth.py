"""Ground truth accumulated day by day from the records actually written.

Definitions (the dbt marts reproduce them):
- cost of an event = inference + orchestration + tool cost, nulls as 0; an event without a
  logged inference cost carries the price-table cost of its tokens as of its day.
- hidden events: trigger in undo, auto_save, retry, background; unrecognised triggers count
  as `unknown` (not hidden).
- retry event: `is_retry`, or trigger `retry`, or `retry_count > 0`.
- committed outcomes: outputs by the day of their FIRST `committed` transition.
- outputs / t1 outputs / completeness: by the output's first event day; t1 = trace_id,
  model_version, prompt_version and context_hash all present (placeholders are missing).
- weeks start on Monday. Weekly ratios: hidden_recompute_ratio = hidden / events;
  retry_rate = retry events / events; timeout_rate = status timeout / events;
  cache_hit_rate = events with cache_hit / events with cache_hit known;
  regenerate_rate = events with user_action regenerate / events with user_action generate;
  attempts_per_outcome = all events (any day) of the outputs first committed in the week /
  those outputs; completeness_rate = t1 outputs / outputs (first event in the week).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from inference_ledger.generator.catalog import HIDDEN_TRIGGERS, TRIGGERS
from inference_ledger.thresholds import band

STATUS_METRICS = (
    "hidden_recompute_ratio",
    "completeness_rate",
    "retry_rate",
    "cache_hit_rate",
    "regenerate_rate",
    "attempts_per_outcome",
    "timeout_rate",
)
_COUNTERS = (
    "inference_events",
    "hidden_events",
    "retry_events",
    "timeout_events",
    "cache_hits",
    "cache_known",
    "regenerate_events",
    "generate_events",
    "outputs",
    "t1_outputs",
    "committed_outcomes",
    "committed_output_events",
    "unknown_trigger_events",
)
_MONEY = (
    "total_cost_usd",
    "inference_cost_usd",
    "orchestration_cost_usd",
    "tool_cost_usd",
    "retry_cost_usd",
    "hidden_cost_usd",
    "owned_cost_usd",
    "background_cost_usd",
)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _bucket() -> dict[str, Any]:
    bucket: dict[str, Any] = dict.fromkeys(_COUNTERS, 0)
    bucket.update(dict.fromkeys(_MONEY, 0.0))
    bucket["input_tokens"] = 0
    bucket["output_tokens"] = 0
    bucket["cost_by_trigger"] = defaultdict(float)
    return bucket


class GroundTruth:
    """Adds each written day's facts into per-day, per-week and total buckets."""

    def __init__(self) -> None:
        self.days: dict[dt.date, dict[str, Any]] = defaultdict(_bucket)
        self.weeks: dict[dt.date, dict[str, Any]] = defaultdict(_bucket)
        self.totals = _bucket()
        self.tool_calls = 0
        self.approvals = 0
        self.transitions = 0

    def _add(self, day: dt.date, key: str, value: float) -> None:
        self.days[day][key] += value
        self.weeks[week_start(day)][key] += value
        self.totals[key] += value

    def add_events(self, day: dt.date, events: pd.DataFrame) -> None:
        trig = events["trigger_canonical"].astype(str).to_numpy()
        inference = events["inference_cost_true"].to_numpy()
        orchestration = np.nan_to_num(events["orchestration_cost_usd"].to_numpy())
        tool = np.nan_to_num(events["tool_cost_usd"].to_numpy())
        total = inference + orchestration + tool
        hidden = np.isin(trig, list(HIDDEN_TRIGGERS))
        retry = (
            events["is_retry"].to_numpy()
            | (trig == "retry")
            | (events["retry_count"].to_numpy() > 0)
        )
        action = events["user_action"].astype(str).to_numpy()
        cache = events["cache_hit"].to_numpy()
        owned = events["deployment"].astype(str).to_numpy() == "owned"
        self._add(day, "inference_events", len(events))
        self._add(day, "hidden_events", int(hidden.sum()))
        self._add(day, "retry_events", int(retry.sum()))
        self._add(day, "timeout_events", int((events["status"] == "timeout").sum()))
        self._add(day, "cache_hits", int(cache.sum()))
        self._add(day, "cache_known", len(cache))
        self._add(day, "regenerate_events", int((action == "regenerate").sum()))
        self._add(day, "generate_events", int((action == "generate").sum()))
        self._add(day, "unknown_trigger_events", int((trig == "unknown").sum()))
        self._add(day, "total_cost_usd", float(total.sum()))
        self._add(day, "inference_cost_usd", float(inference.sum()))
        self._add(day, "orchestration_cost_usd", float(orchestration.sum()))
        self._add(day, "tool_cost_usd", float(tool.sum()))
        self._add(day, "retry_cost_usd", float(total[retry].sum()))
        self._add(day, "hidden_cost_usd", float(total[hidden].sum()))
        self._add(day, "owned_cost_usd", float(total[owned].sum()))
        self._add(day, "background_cost_usd", float(total[trig == "background"].sum()))
        self._add(day, "input_tokens", int(events["input_tokens"].sum()))
        self._add(day, "output_tokens", int(events["output_tokens"].sum()))
        for name in (*TRIGGERS, "unknown"):
            mask = trig == name
            if mask.any():
                value = float(total[mask].sum())
                self.weeks[week_start(day)]["cost_by_trigger"][name] += value

    def add_outputs(self, day: dt.date, outputs: pd.DataFrame) -> None:
        self._add(day, "outputs", len(outputs))
        self._add(day, "t1_outputs", int(outputs["t1"].sum()))

    def add_transitions(self, day: dt.date, transitions: pd.DataFrame) -> None:
        self.transitions += len(transitions)
        first = transitions[(transitions["kind"] == 1) & (transitions["state"] == 1)]
        self._add(day, "committed_outcomes", len(first))
        self._add(day, "committed_output_events", int(first["n_events"].sum()))

    def add_tool_calls(self, count: int) -> None:
        self.tool_calls += count

    def add_approvals(self, count: int) -> None:
        self.approvals += count

    def per_day(self) -> list[dict[str, Any]]:
        rows = []
        for day in sorted(self.days):
            b = self.days[day]
            rows.append(
                {
                    "date_day": day.isoformat(),
                    "inference_events": b["inference_events"],
                    "total_cost_usd": b["total_cost_usd"],
                    "hidden_cost_usd": b["hidden_cost_usd"],
                    "retry_cost_usd": b["retry_cost_usd"],
                    "committed_outcomes": b["committed_outcomes"],
                    "cost_per_outcome": _ratio(b["total_cost_usd"], b["committed_outcomes"]),
                    "outputs": b["outputs"],
                    "t1_outputs": b["t1_outputs"],
                    "completeness_rate": _ratio(b["t1_outputs"], b["outputs"]),
                }
            )
        return rows

    def per_week(self) -> list[dict[str, Any]]:
        rows = []
        for week in sorted(self.weeks):
            b = self.weeks[week]
            total = b["total_cost_usd"]
            rows.append(
                {
                    "week_start": week.isoformat(),
                    "inference_events": b["inference_events"],
                    "hidden_events": b["hidden_events"],
                    "hidden_recompute_ratio": _ratio(b["hidden_events"], b["inference_events"]),
                    "total_cost_usd": total,
                    "hidden_cost_usd": b["hidden_cost_usd"],
                    "retry_cost_usd": b["retry_cost_usd"],
                    "background_cost_usd": b["background_cost_usd"],
                    "owned_cost_usd": b["owned_cost_usd"],
                    "cost_share_by_trigger": {
                        k: v / total for k, v in sorted(b["cost_by_trigger"].items()) if total
                    },
                    "retry_events": b["retry_events"],
                    "retry_rate": _ratio(b["retry_events"], b["inference_events"]),
                    "timeout_rate": _ratio(b["timeout_events"], b["inference_events"]),
                    "cache_hit_rate": _ratio(b["cache_hits"], b["cache_known"]),
                    "regenerate_events": b["regenerate_events"],
                    "generate_events": b["generate_events"],
                    "regenerate_rate": _ratio(b["regenerate_events"], b["generate_events"]),
                    "committed_outcomes": b["committed_outcomes"],
                    "attempts_per_outcome": _ratio(
                        b["committed_output_events"], b["committed_outcomes"]
                    ),
                    "outputs": b["outputs"],
                    "t1_outputs": b["t1_outputs"],
                    "completeness_rate": _ratio(b["t1_outputs"], b["outputs"]),
                    "unknown_trigger_events": b["unknown_trigger_events"],
                }
            )
        return rows

    def totals_dict(self) -> dict[str, Any]:
        t = self.totals
        return {
            "inference_events": t["inference_events"],
            "total_cost_usd": t["total_cost_usd"],
            "inference_cost_usd": t["inference_cost_usd"],
            "orchestration_cost_usd": t["orchestration_cost_usd"],
            "tool_cost_usd": t["tool_cost_usd"],
            "retry_cost_usd": t["retry_cost_usd"],
            "hidden_cost_usd": t["hidden_cost_usd"],
            "input_tokens": t["input_tokens"],
            "output_tokens": t["output_tokens"],
            "outputs": t["outputs"],
            "t1_outputs": t["t1_outputs"],
            "committed_outcomes": t["committed_outcomes"],
            "tool_calls": self.tool_calls,
            "approvals": self.approvals,
            "transitions": self.transitions,
            "unknown_trigger_events": t["unknown_trigger_events"],
        }

    def expected_status(self, weeks: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        status: dict[str, dict[str, str]] = {}
        for metric in STATUS_METRICS:
            rule = band(metric)
            status[metric] = {
                w["week_start"]: rule.status(
                    None if w[metric] is None or math.isnan(w[metric]) else w[metric]
                )
                for w in weeks
            }
        return status
