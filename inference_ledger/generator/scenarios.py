"""Scenario knobs as smooth functions of the day index over the run length.

Phases scale with `--days` so short test runs and four-month demo runs tell the same story;
fix windows use the real length (3 or 4 weeks) whenever the run is long enough. The exact
weekly bands each run should show are written to `ground_truth.json` (`expected_status`),
computed from the generated data with `inference_ledger.thresholds`.

Timelines (T = number of days, week = ISO week of the run):

- baseline: steady and healthy: hidden recompute about 14%, completeness about 98%,
  cache hit about 78%, retry about 2%, regenerate rate about 11%, attempts per outcome
  about 1.1.
- undo-margin-killer: from 10% of T to 55% of T undo climbs to about 35% of events and
  auto-save to about 15% (hidden recompute about 55%: warning then critical), cache hit
  falls to about 55% (warning) and attempts per outcome passes 1.5 (critical). At 65% of T
  a fix lasting min(21 days, 20% of T) cuts the added undo and auto-save by 90% and lifts
  cache hit to about 80%: every metric is healthy again in the weeks after the fix.
- compliance-gap: until 50% of T, 30% of outputs lack model_version and 35% lack
  prompt_version (nulls and placeholders) and retries are logged as ordinary explicit calls
  (no is_retry, no retry trigger): completeness critical (about 45%) and retry rate
  under-reported. A fix over min(28 days, 25% of T) restores both: completeness > 95%.
- overwritten-state: until 50% of T, regenerations overwrite the previous output
  (same output_id, no new version) so attempts per outcome is inflated (warning) and no
  version has a prior reference; a one-week fix then creates a new output per regeneration
  with `prior_output_id`.
- api-to-owned: from 35% of T background work (index refresh, classification) moves to
  the owned deployment 10/30/60/90% in four weekly steps; background cost falls by about
  75%. Headline bands stay healthy.
- retry-storm: around 50% of T, for max(7 days, 20% of T), retries rise to about 25% of
  events and timeouts to about 5%: retry rate critical, attempts per outcome warning or
  critical in those weeks, healthy before and after.
- vendor-outage: for 3 days from 50% of T the OpenAI models fail 35% of calls and time out
  10%; 60% of their outputs fail over to Anthropic models and retries jump: retry rate
  warning/critical in the outage week only.
- regenerate-inflation: from 20% to 80% of T regenerations grow from 10% to 50% of explicit
  requests, 90% of them by the top 5% of users: regenerate rate warning then critical.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCENARIOS = (
    "baseline",
    "undo-margin-killer",
    "compliance-gap",
    "overwritten-state",
    "api-to-owned",
    "retry-storm",
    "vendor-outage",
    "regenerate-inflation",
)


@dataclass(frozen=True)
class DayKnobs:
    """Behaviour of one generated day."""

    # relative weights of user_explicit, user_edit, undo, auto_save, retry, background
    trigger_weights: tuple[float, ...] = (0.64, 0.17, 0.03, 0.03, 0.02, 0.05)
    planner_share: float = 0.15  # explicit calls that are an orchestration step (no output)
    regenerate_share: float = 0.10  # explicit output-creating calls that regenerate
    regenerate_overwrites: float = 0.0  # regenerations that reuse the previous output_id
    prior_reference: float = 1.0  # new versions that carry prior_output_id
    heavy_user_regenerate: float = 0.3  # regenerations by the top 5% of users
    cache_rate: float = 0.78
    missing: dict[str, float] = field(
        default_factory=lambda: {
            "trace_id": 0.002,
            "model_version": 0.003,
            "prompt_version": 0.005,
            "context_hash": 0.005,
        }
    )
    retry_logged: float = 1.0
    owned_share: float = 0.0  # background calls served by the owned deployment
    error_rate: float = 0.01
    timeout_rate: float = 0.005
    vendor_error_rate: float = 0.0  # extra failures of the primary vendor (OpenAI)
    vendor_timeout_rate: float = 0.0
    failover_share: float = 0.0  # primary-vendor outputs moved to the failover model
    escalation_rate: float = 0.03
    commit_rate: float = 0.78
    reject_rate: float = 0.12


def smoothstep(x: float, start: float, end: float) -> float:
    """0 before `start`, 1 after `end`, a smooth S-curve between."""
    if end <= start:
        return 0.0 if x < start else 1.0
    t = min(1.0, max(0.0, (x - start) / (end - start)))
    return t * t * (3.0 - 2.0 * t)


def _window(day: int, start: float, end: float, edge: float) -> float:
    return smoothstep(day, start - edge, start) * (1.0 - smoothstep(day, end, end + edge))


def knobs_for(scenario: str, day: int, days: int) -> DayKnobs:
    """The knobs of `scenario` on day index `day` (0-based) of a `days`-long run."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    base = DayKnobs()
    w = list(base.trigger_weights)
    if scenario == "baseline":
        return base
    if scenario == "undo-margin-killer":
        ramp = smoothstep(day, 0.10 * days, 0.55 * days)
        fix_start = round(0.65 * days)
        fix = smoothstep(day, fix_start, fix_start + max(3, min(21, round(0.2 * days))))
        keep = 1.0 - 0.9 * fix
        w[2] = 0.03 + 0.42 * ramp * keep
        w[3] = 0.03 + 0.16 * ramp * keep
        cache = 0.78 - 0.25 * ramp * (1.0 - fix) + 0.04 * fix
        return DayKnobs(trigger_weights=tuple(w), cache_rate=cache)
    if scenario == "compliance-gap":
        fix_start = round(0.5 * days)
        fix = smoothstep(day, fix_start, fix_start + max(3, min(28, round(0.25 * days))))
        missing = dict(base.missing)
        missing["model_version"] = max(missing["model_version"], 0.30 * (1.0 - fix))
        missing["prompt_version"] = max(missing["prompt_version"], 0.35 * (1.0 - fix))
        return DayKnobs(missing=missing, retry_logged=fix)
    if scenario == "overwritten-state":
        fix_start = round(0.5 * days)
        fix = smoothstep(day, fix_start, fix_start + 7)
        return DayKnobs(
            regenerate_share=0.15,
            regenerate_overwrites=1.0 - fix,
            prior_reference=fix,
            trigger_weights=(0.7, 0.11, 0.03, 0.03, 0.02, 0.05),
        )
    if scenario == "api-to-owned":
        start = round(0.35 * days)
        step = (day - start) // 7 if day >= start else -1
        share = (0.0, 0.1, 0.3, 0.6, 0.9)[min(step + 1, 4)]
        return DayKnobs(owned_share=share)
    if scenario == "retry-storm":
        start = 0.5 * days
        storm = _window(day, start, start + max(7.0, 0.2 * days), 2.0)
        w[4] = 0.02 + 0.32 * storm
        return DayKnobs(trigger_weights=tuple(w), timeout_rate=0.005 + 0.045 * storm)
    if scenario == "vendor-outage":
        start = round(0.5 * days)
        outage = 1.0 if start <= day < start + 3 else 0.0
        w[4] = 0.02 + 0.2 * outage
        return DayKnobs(
            trigger_weights=tuple(w),
            vendor_error_rate=0.35 * outage,
            vendor_timeout_rate=0.10 * outage,
            failover_share=0.6 * outage,
        )
    # regenerate-inflation
    grow = smoothstep(day, 0.2 * days, 0.8 * days)
    return DayKnobs(regenerate_share=0.10 + 0.40 * grow, heavy_user_regenerate=0.3 + 0.6 * grow)
