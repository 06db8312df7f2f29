"""Vectorised simulation of one day of agent traffic.

A day is built from four blocks of inference events: output-creating calls (explicit
generate/regenerate and edits), calls attached to an existing output (undo, auto-save,
retries, overwriting regenerations), orchestration planner steps (no output) and
background work (no output, no user). Every attribute is drawn with numpy for the whole
block at once; ids and hashes are rendered later in SQL by the writers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from inference_ledger.generator import catalog
from inference_ledger.generator.arrivals import ArrivalTrace
from inference_ledger.generator.scenarios import DayKnobs

DAY_MS = 86_400_000
EPOCH = dt.date(1970, 1, 1)
PROVENANCE = ("trace_id", "model_version", "prompt_version", "context_hash")
MODEL_PLACEHOLDERS = ("unknown",)
PROMPT_PLACEHOLDERS = ("", "none")
USER_ACTIONS = ("generate", "regenerate", "edit", "undo")
STATUSES = ("success", "failed", "timeout")
DEPLOYMENTS = ("api", "owned")
TRANSITION_STATES = ("draft", "committed", "rejected")
APPROVAL_ACTIONS = ("approve", "reject", "escalate")
# Tool mix per foreground feature, in catalog.TOOLS order.
TOOL_MIX = {
    "chat": (0.1, 0.0, 0.3, 0.6),
    "summarize": (0.0, 0.0, 0.0, 1.0),
    "code_assist": (0.1, 0.6, 0.1, 0.2),
    "search_agent": (0.7, 0.0, 0.1, 0.2),
    "support_triage": (0.0, 0.0, 0.5, 0.5),
}


@dataclass(frozen=True)
class Population:
    """Users, tenants and their fixed traits for one seed."""

    user_weights: np.ndarray
    user_tenant: np.ndarray
    user_region: np.ndarray
    top_users: np.ndarray
    tenant_weights: np.ndarray
    tenant_plan: np.ndarray
    tenant_revenue: np.ndarray
    tenant_sdk: np.ndarray


def zipf_exponent(users: int, top_share: float = 0.5, top_fraction: float = 0.05) -> float:
    """Exponent s of weights 1/rank**s giving the top `top_fraction` of users `top_share`."""
    ranks = np.arange(1, users + 1, dtype=float)
    top = max(1, round(users * top_fraction))
    lo, hi = 0.0, 6.0
    for _ in range(60):
        mid = (lo + hi) / 2
        w = ranks**-mid
        if w[:top].sum() / w.sum() < top_share:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def build_population(seed: int, tenants: int, users: int) -> Population:
    rng = np.random.default_rng([seed, 0xC0FFEE])
    weights = np.arange(1, users + 1, dtype=float) ** -zipf_exponent(users)
    weights /= weights.sum()
    order = rng.permutation(users)  # user ids do not reveal their rank
    user_weights = np.empty(users)
    user_weights[order] = weights
    top = np.zeros(users, dtype=bool)
    top[order[: max(1, round(users * 0.05))]] = True
    tenant_weights = np.arange(1, tenants + 1, dtype=float) ** -1.0
    tenant_weights /= tenant_weights.sum()
    user_tenant = rng.choice(tenants, size=users, p=tenant_weights)
    plan = rng.choice(len(catalog.PLANS), size=tenants, p=catalog.PLAN_WEIGHTS)
    size = np.bincount(user_tenant, minlength=tenants) + 1
    revenue = np.round(np.asarray(catalog.PLAN_MONTHLY_REVENUE)[plan] * (1.0 + 0.05 * size), 2)
    return Population(
        user_weights=user_weights,
        user_tenant=user_tenant,
        user_region=rng.choice(len(catalog.REGIONS), size=users, p=catalog.REGION_WEIGHTS),
        top_users=top,
        tenant_weights=tenant_weights,
        tenant_plan=plan,
        tenant_revenue=revenue,
        # Every fifth tenant calls through an SDK that logs tokens but no cost.
        tenant_sdk=(np.arange(tenants) % 5) == 4,
    )


@dataclass
class DayData:
    """One day's records before rendering; `ts` columns are epoch milliseconds."""

    day_index: int
    date: dt.date
    events: pd.DataFrame
    outputs: pd.DataFrame
    transitions: pd.DataFrame
    tool_calls: pd.DataFrame
    approvals: pd.DataFrame


def _cat(codes: np.ndarray, categories: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int16), categories=list(categories))


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    # Business-hours peak (UTC afternoon) over a flat floor of global and batch traffic.
    peak = rng.normal(14.0 * 3_600_000, 3.5 * 3_600_000, size=n)
    flat = rng.uniform(0, DAY_MS, size=n)
    tod = np.where(rng.random(n) < 0.7, peak, flat)
    return np.clip(tod, 0, DAY_MS - 1).astype(np.int64)


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return np.maximum(1, np.round(median * rng.lognormal(0.0, sigma, size=len(median))))


def simulate_day(
    *,
    seed: int,
    day_index: int,
    date: dt.date,
    events_per_day: int,
    knobs: DayKnobs,
    population: Population,
    arrivals: ArrivalTrace | None = None,
    unknown_trigger_rate: float = 0.0,
) -> DayData:
    rng = np.random.default_rng([seed, day_index, 17])
    day_ms0 = (date - EPOCH).days * DAY_MS
    n_users = len(population.user_weights)
    weights = np.asarray(knobs.trigger_weights, dtype=float)
    n_expl, n_edit, n_undo, n_auto, n_retry, n_bg = (
        int(x) for x in rng.multinomial(events_per_day, weights / weights.sum())
    )
    n_plan = int(rng.binomial(n_expl, knobs.planner_share))
    n_expl_out = n_expl - n_plan
    n_regen = int(rng.binomial(n_expl_out, knobs.regenerate_share))
    n_over = int(rng.binomial(n_regen, knobs.regenerate_overwrites))
    n_out = n_expl_out - n_over + n_edit
    n_att = n_undo + n_auto + n_retry + n_over
    if n_out == 0:
        n_bg += n_att + n_plan
        n_att = n_undo = n_auto = n_retry = n_over = n_plan = 0
    n_plan_kept = min(n_plan, n_out)
    n_bg += n_plan - n_plan_kept
    n_plan = n_plan_kept

    fg = catalog.FOREGROUND
    feature_p = np.array([f.weight for f in fg])
    feature_p /= feature_p.sum()
    model_index = {m: i for i, m in enumerate(catalog.MODELS)}
    feat_model = np.array([model_index[f.model] for f in catalog.FEATURES])
    feat_failover = np.array([model_index[f.failover_model] for f in catalog.FEATURES])
    model_provider = [catalog.provider_of(m) for m in catalog.MODELS]
    providers = tuple(sorted(set(model_provider)))
    model_provider_code = np.array([providers.index(p) for p in model_provider])
    model_is_openai = np.array([p == "openai" for p in model_provider])
    owned_code = model_index[catalog.OWNED_MODEL]

    # ---- outputs (one per output-creating call), ordered by time
    if arrivals is not None:
        out_tod, _ = arrivals.sample(rng, n_out)
    else:
        out_tod = _time_of_day(rng, n_out)
    out_tod = np.sort(out_tod)
    out_edit = np.zeros(n_out, dtype=bool)
    out_edit[rng.permutation(n_out)[:n_edit]] = True
    explicit_idx = np.flatnonzero(~out_edit & (np.arange(n_out) > 0))
    n_regen_new = min(n_regen - n_over, len(explicit_idx))
    out_regen = np.zeros(n_out, dtype=bool)
    out_regen[rng.choice(explicit_idx, size=n_regen_new, replace=False)] = True
    out_user = rng.choice(n_users, size=n_out, p=population.user_weights)
    out_feature = rng.choice(len(fg), size=n_out, p=feature_p)
    out_prior = np.full(n_out, -1, dtype=np.int64)
    regen_idx = np.flatnonzero(out_regen)
    if len(regen_idx):
        top_out = np.flatnonzero(population.top_users[out_user])
        before = np.searchsorted(top_out, regen_idx)
        heavy = (rng.random(len(regen_idx)) < knobs.heavy_user_regenerate) & (before > 0)
        any_prior = np.floor(rng.random(len(regen_idx)) * regen_idx).astype(np.int64)
        pick = np.floor(rng.random(len(regen_idx)) * np.maximum(before, 1)).astype(np.int64)
        heavy_prior = top_out[np.minimum(pick, max(len(top_out) - 1, 0))] if len(top_out) else 0
        out_prior[regen_idx] = np.where(heavy, heavy_prior, any_prior)
        # A regeneration belongs to the same person and feature as the version it replaces;
        # a few passes settle chains of regenerations.
        for _ in range(3):
            out_user[regen_idx] = out_user[out_prior[regen_idx]]
            out_feature[regen_idx] = out_feature[out_prior[regen_idx]]
    out_has_prior = out_regen & (rng.random(n_out) < knobs.prior_reference)
    out_tenant = population.user_tenant[out_user]
    out_model = feat_model[out_feature]
    failover = model_is_openai[out_model] & (rng.random(n_out) < knobs.failover_share)
    out_model = np.where(failover, feat_failover[out_feature], out_model)
    out_missing = np.column_stack([rng.random(n_out) < knobs.missing[name] for name in PROVENANCE])
    # How a missing model/prompt is written: null or a placeholder string.
    out_model_ph = rng.integers(0, 1 + len(MODEL_PLACEHOLDERS), size=n_out)
    out_prompt_ph = rng.integers(0, 1 + len(PROMPT_PLACEHOLDERS), size=n_out)
    out_trace_hi = rng.integers(0, 2**63, size=n_out, dtype=np.int64).astype(np.uint64)
    out_confidence = np.round(rng.beta(8, 2, size=n_out), 4)
    out_escalated = rng.random(n_out) < knobs.escalation_rate
    out_step = rng.integers(1, 2**63, size=n_out, dtype=np.int64).astype(np.uint64)
    out_guard = rng.integers(0, len(catalog.GUARDRAILS_VERSIONS), size=n_out)

    # ---- attached calls: undo, auto-save, retry, overwriting regenerations
    att_trigger = np.repeat(np.array([2, 3, 4, 0]), [n_undo, n_auto, n_retry, n_over])
    att_out = rng.integers(0, max(n_out, 1), size=n_att)
    att_offset = np.round(rng.exponential(60_000, size=n_att)).astype(np.int64) + 200
    att_tod = np.minimum(out_tod[att_out] + att_offset, DAY_MS - 1)
    att_action = np.select(
        [att_trigger == 2, (att_trigger == 0)], [3, 1], default=-1
    )  # undo / regenerate / none
    att_retry = att_trigger == 4
    logged = rng.random(n_att) < knobs.retry_logged
    att_retry_count = np.where(att_retry & logged, rng.geometric(0.6, size=n_att), 0)
    att_is_retry = att_retry & logged
    # An unlogged retry looks like an ordinary explicit call.
    att_trigger = np.where(att_retry & ~logged, 0, att_trigger)

    # ---- planner steps: one orchestration call before some output-creating calls
    plan_out = rng.choice(n_out, size=n_plan, replace=False) if n_plan else np.zeros(0, int)
    plan_tod = np.maximum(out_tod[plan_out] - rng.integers(50, 2000, size=n_plan), 0)
    plan_step = rng.integers(1, 2**63, size=n_plan, dtype=np.int64).astype(np.uint64)
    out_parent = np.zeros(n_out, dtype=np.uint64)
    out_has_parent = np.zeros(n_out, dtype=bool)
    out_parent[plan_out] = plan_step
    out_has_parent[plan_out] = True

    # ---- background work: no output, no user
    if arrivals is not None:
        bg_tod, _ = arrivals.sample(rng, n_bg)
    else:
        bg_tod = rng.integers(0, DAY_MS, size=n_bg)
    bg_p = np.array([f.weight for f in catalog.BACKGROUND])
    bg_feature = len(fg) + rng.choice(len(catalog.BACKGROUND), size=n_bg, p=bg_p / bg_p.sum())
    bg_model = np.where(rng.random(n_bg) < knobs.owned_share, owned_code, feat_model[bg_feature])
    bg_tenant = rng.choice(len(population.tenant_weights), size=n_bg, p=population.tenant_weights)

    # ---- assemble the event table: creators, attached, planners, background
    kind = np.repeat(np.arange(4), [n_out, n_att, n_plan, n_bg])
    n = len(kind)
    link = np.concatenate([np.arange(n_out), att_out, plan_out, np.zeros(n_bg, int)])
    has_output = kind <= 1
    tod = np.concatenate([out_tod, att_tod, plan_tod, bg_tod]).astype(np.int64)
    lk = link  # output index for output-linked events
    user = np.concatenate([out_user, out_user[att_out], out_user[plan_out], np.full(n_bg, -1)])
    tenant = np.concatenate([out_tenant, out_tenant[att_out], out_tenant[plan_out], bg_tenant])
    feature = np.concatenate([out_feature, out_feature[att_out], out_feature[plan_out], bg_feature])
    model = np.concatenate(
        [
            out_model,
            out_model[att_out],
            np.full(n_plan, model_index[catalog.PLANNER_MODEL]),
            bg_model,
        ]
    )
    trigger = np.concatenate(
        [np.where(out_edit, 1, 0), att_trigger, np.zeros(n_plan, int), np.full(n_bg, 5)]
    )
    action = np.concatenate(
        [
            np.where(out_edit, 2, np.where(out_regen, 1, 0)),
            att_action,
            np.full(n_plan, -1),
            np.full(n_bg, -1),
        ]
    )
    retry_count = np.concatenate(
        [np.zeros(n_out, int), att_retry_count, np.zeros(n_plan + n_bg, int)]
    )
    is_retry = np.concatenate([np.zeros(n_out, bool), att_is_retry, np.zeros(n_plan + n_bg, bool)])
    # Provenance: outputs keep theirs on every call; planners and background draw their own.
    other_missing = np.column_stack(
        [rng.random(n_plan + n_bg) < knobs.missing[name] for name in PROVENANCE]
    )
    missing = np.concatenate([out_missing, out_missing[att_out], other_missing])
    other_model_ph = rng.integers(0, 1 + len(MODEL_PLACEHOLDERS), size=n_plan + n_bg)
    other_prompt_ph = rng.integers(0, 1 + len(PROMPT_PLACEHOLDERS), size=n_plan + n_bg)
    model_ph = np.concatenate([out_model_ph, out_model_ph[att_out], other_model_ph])
    prompt_ph = np.concatenate([out_prompt_ph, out_prompt_ph[att_out], other_prompt_ph])
    trace_hi = np.concatenate(
        [
            out_trace_hi,
            out_trace_hi[att_out],
            out_trace_hi[plan_out],
            rng.integers(0, 2**63, size=n_bg, dtype=np.int64).astype(np.uint64),
        ]
    )
    trace_lo = np.concatenate(
        [np.arange(n_out), att_out, plan_out, (1 << 31) + np.arange(n_bg)]
    ).astype(np.uint64) | np.uint64(day_index << 32)
    # A planner shares its output's trace, so its trace is missing exactly when the output's is.
    step = np.concatenate(
        [
            out_step,
            rng.integers(1, 2**63, size=n_att, dtype=np.int64).astype(np.uint64),
            plan_step,
            rng.integers(1, 2**63, size=n_bg, dtype=np.int64).astype(np.uint64),
        ]
    )
    parent = np.concatenate([out_parent, out_step[att_out], np.zeros(n_plan + n_bg, np.uint64)])
    has_parent = np.concatenate(
        [out_has_parent, np.ones(n_att, bool), np.zeros(n_plan + n_bg, bool)]
    )
    missing[n_out + n_att : n_out + n_att + n_plan, 0] = out_missing[plan_out, 0]
    guard = np.concatenate([out_guard, out_guard[att_out], rng.integers(0, 2, size=n_plan + n_bg)])
    region = np.where(
        user >= 0,
        population.user_region[np.maximum(user, 0)],
        rng.choice(len(catalog.REGIONS), size=n, p=catalog.REGION_WEIGHTS),
    )

    # ---- tokens, cache, status, latency
    feat_in = np.array([f.input_median for f in catalog.FEATURES])
    feat_outm = np.array([f.output_median for f in catalog.FEATURES])
    in_med = np.where(kind == 2, 600.0, feat_in[feature])
    out_med = np.where(kind == 2, 80.0, feat_outm[feature])
    input_tokens = _lognormal(rng, in_med, 0.6)
    output_tokens = _lognormal(rng, out_med, 0.7)
    if arrivals is not None:
        _, (ctx_tok, gen_tok) = arrivals.sample(rng, n)
        input_tokens = np.maximum(1, ctx_tok).astype(float)
        output_tokens = np.maximum(1, gen_tok).astype(float)
    cache_hit = rng.random(n) < knobs.cache_rate
    cached = np.where(cache_hit, np.floor(input_tokens * rng.uniform(0.5, 0.95, size=n)), 0.0)
    is_o3 = model == model_index["o3"]
    r = rng.random(n)
    openai = model_is_openai[model]
    err = knobs.error_rate + np.where(openai, knobs.vendor_error_rate, 0.0)
    tmo = knobs.timeout_rate + np.where(openai, knobs.vendor_timeout_rate, 0.0)
    status = np.where(r < err, 1, np.where(r < err + tmo, 2, 0))
    output_tokens = np.where(status == 0, output_tokens, 0.0)
    reasoning = np.where(is_o3, np.floor(output_tokens * rng.uniform(0.3, 0.7, size=n)), 0.0)
    ms_per_token = np.where(model == owned_code, 6.0, np.where(is_o3, 25.0, 12.0))
    latency = 150.0 + output_tokens * ms_per_token * rng.lognormal(0.0, 0.3, size=n)
    latency = np.where(status == 2, 30_000.0 + rng.integers(0, 500, size=n), latency)
    latency = np.where(status == 1, 80.0 + rng.integers(0, 400, size=n), latency)
    latency = np.round(latency).astype(np.int64)

    # ---- cost: the same arithmetic as pricing.cost_usd with the price in force on the day
    rates = [np.asarray(v) for v in catalog.price_vectors(date)]
    inference_cost = (
        (input_tokens - cached) * rates[0][model]
        + cached * rates[1][model]
        + output_tokens * rates[2][model]
    ) / 1e6 + rates[3][model]
    orchestration = np.where(kind == 3, np.nan, np.where(kind == 2, 1e-5, 2e-5))

    # ---- tool calls made by output-creating calls
    lam = np.array([f.tools_per_call for f in fg])[out_feature]
    n_tools = np.minimum(rng.poisson(lam), 4)
    tc_event = np.repeat(np.arange(n_out), n_tools)
    n_tc = len(tc_event)
    tool_p = np.array([TOOL_MIX[f.name] for f in fg])
    tc_cum = tool_p[out_feature[tc_event]].cumsum(axis=1)
    tc_tool = (rng.random(n_tc)[:, None] > tc_cum).sum(axis=1)
    tc_tool = np.minimum(tc_tool, len(catalog.TOOLS) - 1)
    tool_cost_each = np.array([t[1] for t in catalog.TOOLS])[tc_tool]
    tool_success = rng.random(n_tc) < np.array([t[2] for t in catalog.TOOLS])[tc_tool]
    tool_latency = np.round(
        np.array([t[3] for t in catalog.TOOLS])[tc_tool] * rng.lognormal(0, 0.5, size=n_tc)
    ).astype(np.int64)
    tc_rank = np.arange(n_tc) - np.repeat(np.cumsum(n_tools) - n_tools, n_tools)
    tc_tod = np.minimum(out_tod[tc_event] + 100 * (tc_rank + 1), DAY_MS - 1)
    tool_cost = np.full(n, np.nan)
    if n_out:
        per_out = np.bincount(tc_event, weights=tool_cost_each, minlength=n_out)
        tool_cost[:n_out] = np.where(n_tools > 0, per_out, np.nan)

    # Some SDK tenants log tokens but no cost; ingestion prices them from the same table.
    sdk = population.tenant_sdk[tenant] & ~missing[:, 1]
    logged_cost = np.where(sdk, np.nan, inference_cost)

    # Corrupted clients write an unrecognised trigger; it stays a valid `unknown` event.
    trigger_labels = catalog.TRIGGERS + catalog.UNKNOWN_TRIGGER_VALUES
    trigger_code = trigger.copy()
    if unknown_trigger_rate > 0:
        crng = np.random.default_rng([seed, day_index, 23])
        junk = crng.random(n) < unknown_trigger_rate
        trigger_code = np.where(
            junk, len(catalog.TRIGGERS) + crng.integers(0, 3, size=n), trigger_code
        )

    # ---- per-output lifecycle
    out_events = np.bincount(lk[has_output], minlength=n_out)
    out_last = np.full(n_out, -1, dtype=np.int64)
    if n_out:
        np.maximum.at(out_last, lk[has_output], tod[has_output])
    r = rng.random(n_out)
    final = np.where(
        r < knobs.commit_rate, 1, np.where(r < knobs.commit_rate + knobs.reject_rate, 2, 0)
    )
    late = rng.random(n_out) < 0.08
    delay = np.where(
        late,
        rng.integers(DAY_MS, 10 * DAY_MS, size=n_out),
        1000 + np.round(rng.exponential(20 * 60_000, size=n_out)).astype(np.int64),
    )
    final_ts = day_ms0 + out_last + delay
    recommit = (final == 1) & (rng.random(n_out) < 0.03)
    recommit_ts = final_ts + rng.integers(3_600_000, 48 * 3_600_000, size=n_out)

    ts = day_ms0 + tod
    order = np.lexsort((np.arange(n), ts))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n)

    model_written = np.where(missing[:, 1], np.where(model_ph == 0, -1, len(catalog.MODELS)), model)
    prompt_cats = tuple(f.prompt_version for f in catalog.FEATURES) + (catalog.PLANNER_PROMPT,)
    prompt_code = np.where(kind == 2, len(catalog.FEATURES), feature)
    prompt_written = np.where(
        missing[:, 2], np.where(prompt_ph == 0, -1, len(prompt_cats) + prompt_ph - 1), prompt_code
    )
    hour_block = tod // (6 * 3_600_000)

    events = pd.DataFrame(
        {
            "day": day_index,
            "seq": seq,
            "ts": ts,
            "kind": kind,
            "trace_hi": trace_hi,
            "trace_lo": trace_lo,
            "trace_ok": ~missing[:, 0],
            "step": step,
            "parent": parent,
            "has_parent": has_parent,
            "has_output": has_output,
            "out_idx": np.where(has_output, lk, -1),
            "prior_idx": np.concatenate(
                [np.where(out_has_prior, out_prior, -1), np.full(n_att + n_plan + n_bg, -1)]
            ),
            "usr": user,
            "sess": hour_block,
            "tenant": tenant,
            "user_action": _cat(action, USER_ACTIONS),
            "trigger_type": _cat(trigger_code, trigger_labels),
            "trigger_canonical": _cat(
                np.where(trigger_code >= len(catalog.TRIGGERS), 6, trigger_code),
                catalog.TRIGGERS + ("unknown",),
            ),
            "model_version": _cat(model_written, catalog.MODELS + MODEL_PLACEHOLDERS),
            "model_true": _cat(model, catalog.MODELS),
            "provider": _cat(model_provider_code[model], providers),
            "deployment": _cat((model == owned_code).astype(int), DEPLOYMENTS),
            "prompt_version": _cat(prompt_written, prompt_cats + PROMPT_PLACEHOLDERS),
            "guardrails_version": _cat(guard, catalog.GUARDRAILS_VERSIONS),
            "context_ok": ~missing[:, 3],
            "ctx_id": np.where(has_output, lk, (1 << 40) + seq),
            "input_tokens": input_tokens.astype(np.int64),
            "output_tokens": output_tokens.astype(np.int64),
            "cached_input_tokens": cached.astype(np.int64),
            "reasoning_tokens": reasoning.astype(np.int64),
            "inference_cost_usd": logged_cost,
            "inference_cost_true": inference_cost,
            "orchestration_cost_usd": orchestration,
            "tool_cost_usd": tool_cost,
            "latency_ms": latency,
            "status": _cat(status, STATUSES),
            "retry_count": retry_count.astype(np.int64),
            "is_retry": is_retry,
            "feature": _cat(feature, tuple(f.name for f in catalog.FEATURES)),
            "endpoint_code": feature,
            "cache_hit": cache_hit,
            "escalated": np.concatenate(
                [out_escalated, out_escalated[att_out], np.zeros(n_plan + n_bg, bool)]
            ),
            "confidence": np.concatenate(
                [out_confidence, out_confidence[att_out], np.full(n_plan + n_bg, np.nan)]
            ),
            "region": _cat(region, catalog.REGIONS),
        }
    )
    endpoints = tuple(dict.fromkeys(f.endpoint for f in catalog.FEATURES))
    endpoint_of = np.array([endpoints.index(f.endpoint) for f in catalog.FEATURES])
    events["endpoint"] = _cat(endpoint_of[events["endpoint_code"].to_numpy()], endpoints)
    events = events.drop(columns="endpoint_code").sort_values("seq", kind="stable")
    events = events.reset_index(drop=True)

    out_missing_names = [
        ";".join(name for name, miss in zip(PROVENANCE, row, strict=True) if miss)
        for row in out_missing[out_missing.any(axis=1)]
    ]
    outputs = pd.DataFrame(
        {
            "out_idx": np.arange(n_out),
            "t1": ~out_missing.any(axis=1),
            "first_ts": day_ms0 + out_tod,
            "n_events": out_events,
        }
    )
    outputs["missing"] = ""
    outputs.loc[~outputs["t1"], "missing"] = out_missing_names

    base = {
        "out_day": day_index,
        "out_idx": np.arange(n_out),
        "trace_hi": out_trace_hi,
        "trace_ok": ~out_missing[:, 0],
        "n_events": out_events,
    }
    draft = pd.DataFrame(
        {
            **base,
            "kind": 0,
            "state": 0,
            "ts": day_ms0 + out_tod,
            "prior": out_prior,
            "has_prior": out_has_prior,
            "trigger": np.where(out_edit, 1, 0),
            "actor": 0,
        }
    )
    done = final > 0
    fin = pd.DataFrame(
        {
            **base,
            "kind": 1,
            "state": final,
            "ts": final_ts,
            "prior": -1,
            "has_prior": False,
            "trigger": 0,
            "actor": np.where(out_escalated, 1, 0),
        }
    )[done]
    again = pd.DataFrame(
        {
            **base,
            "kind": 2,
            "state": 1,
            "ts": recommit_ts,
            "prior": -1,
            "has_prior": False,
            "trigger": 0,
            "actor": 0,
        }
    )[recommit]
    transitions = pd.concat([draft, fin, again], ignore_index=True)

    tool_calls = pd.DataFrame(
        {
            "day": day_index,
            "tc_idx": np.arange(n_tc),
            "out_idx": tc_event,
            "trace_hi": out_trace_hi[tc_event],
            "trace_ok": ~out_missing[tc_event, 0],
            "ts": day_ms0 + tc_tod,
            "tool_name": _cat(tc_tool, tuple(t[0] for t in catalog.TOOLS)),
            "success": tool_success,
            "in_hash": rng.integers(0, 2**63, size=n_tc, dtype=np.int64).astype(np.uint64),
            "out_hash": rng.integers(0, 2**63, size=n_tc, dtype=np.int64).astype(np.uint64),
            "latency_ms": tool_latency,
            "retry_count": (rng.random(n_tc) < 0.05).astype(np.int64),
            "cost_usd": tool_cost_each,
        }
    )

    esc = out_escalated.copy()
    approval_ts = np.where(
        final > 0,
        day_ms0 + out_last + (final_ts - day_ms0 - out_last) // 2,
        day_ms0 + out_last + 60_000,
    )
    approvals = pd.DataFrame(
        {
            "out_day": day_index,
            "out_idx": np.arange(n_out),
            "trace_hi": out_trace_hi,
            "trace_ok": ~out_missing[:, 0],
            "ts": approval_ts,
            "action": np.where(final == 1, 0, np.where(final == 2, 1, 2)),
            "approver": rng.integers(1, 9, size=n_out),
            "with_note": rng.random(n_out) < 0.3,
        }
    )[esc].reset_index(drop=True)

    return DayData(
        day_index=day_index,
        date=date,
        events=events,
        outputs=outputs,
        transitions=transitions,
        tool_calls=tool_calls,
        approvals=approvals,
    )
