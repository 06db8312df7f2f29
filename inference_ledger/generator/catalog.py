"""Static catalogue of the synthetic product: features, models, tools, tenants' plans, prices.

Every model except the owned deployment is priced by genai-prices through
`inference_ledger.pricing`, so logged costs equal what ingestion would price from tokens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from inference_ledger import pricing

TRIGGERS = ("user_explicit", "user_edit", "undo", "auto_save", "retry", "background")
HIDDEN_TRIGGERS = frozenset({"undo", "auto_save", "retry", "background"})
# Values a misconfigured client writes instead of a trigger; ingestion maps them to `unknown`.
UNKNOWN_TRIGGER_VALUES = ("scheduled_job", "webhook", "TBD")

OWNED_MODEL = "ledger-llama-3.1-70b"
OWNED_PROVIDER = "self-hosted"
OWNED_PRICE = pricing.ModelPrice(
    model=OWNED_MODEL,
    provider=OWNED_PROVIDER,
    model_id=OWNED_MODEL,
    effective_from=dt.date(2024, 1, 1),
    effective_to=pricing.OPEN_END,
    input_per_mtok_usd=0.45,
    output_per_mtok_usd=1.8,
    cached_input_per_mtok_usd=0.1,
    per_request_usd=0.0,
    source="override",
)


@dataclass(frozen=True)
class Feature:
    name: str
    endpoint: str
    model: str
    failover_model: str
    prompt_version: str
    input_median: float
    output_median: float
    tools_per_call: float
    weight: float


FOREGROUND = (
    Feature(
        "chat", "/v1/chat", "gpt-4o", "claude-3-5-sonnet-20241022", "chat-v7", 1800, 350, 0.2, 0.35
    ),
    Feature(
        "summarize",
        "/v1/summarize",
        "gpt-4o-mini",
        "claude-3-5-haiku-20241022",
        "sum-v3",
        4000,
        250,
        0.0,
        0.20,
    ),
    Feature(
        "code_assist",
        "/v1/code",
        "o3",
        "claude-3-5-sonnet-20241022",
        "code-v12",
        3000,
        800,
        1.0,
        0.15,
    ),
    Feature(
        "search_agent",
        "/v1/agent/search",
        "claude-3-5-sonnet-20241022",
        "claude-3-5-sonnet-20241022",
        "search-v5",
        6000,
        500,
        1.6,
        0.20,
    ),
    Feature(
        "support_triage",
        "/v1/triage",
        "gemini-2.0-flash",
        "gemini-2.0-flash",
        "triage-v2",
        900,
        60,
        0.3,
        0.10,
    ),
)
BACKGROUND = (
    Feature(
        "index_refresh", "/internal/batch", "gpt-4o", "gpt-4o", "refresh-v4", 5000, 400, 0.0, 0.6
    ),
    Feature(
        "classification", "/internal/batch", "gpt-4.1", "gpt-4.1", "classify-v9", 1200, 20, 0.0, 0.4
    ),
)
FEATURES = FOREGROUND + BACKGROUND
PLANNER_MODEL = "gpt-4o-mini"
PLANNER_PROMPT = "planner-v3"
GUARDRAILS_VERSIONS = ("gr-3.1", "gr-3.2")
POLICY_VERSION = "pol-2025-04"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
REGION_WEIGHTS = (0.6, 0.3, 0.1)

# name, cost per call (USD), success probability, median latency ms
TOOLS = (
    ("web_search", 0.005, 0.985, 420.0),
    ("code_exec", 0.0008, 0.98, 900.0),
    ("sql_query", 0.0002, 0.995, 120.0),
    ("kb_lookup", 0.0, 0.998, 60.0),
)

PLANS = ("starter", "team", "enterprise")
PLAN_WEIGHTS = (0.5, 0.35, 0.15)
PLAN_MONTHLY_REVENUE = (500.0, 4000.0, 25000.0)


def all_models() -> tuple[str, ...]:
    names = {f.model for f in FEATURES} | {f.failover_model for f in FEATURES}
    return tuple(sorted(names | {PLANNER_MODEL, OWNED_MODEL}))


MODELS = all_models()


@cache
def price_table() -> tuple[pricing.ModelPrice, ...]:
    """genai-prices periods for every API model plus the owned deployment's price record."""
    return tuple(pricing.build_price_table(MODELS, overrides=[OWNED_PRICE]))


def provider_of(model: str) -> str:
    for row in price_table():
        if row.model == model:
            return row.provider
    raise KeyError(model)


def price_vectors(day: dt.date) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per-model (input, cached input, output, per-request) rates in force on `day`."""
    rates: tuple[list[float], list[float], list[float], list[float]] = ([], [], [], [])
    for model in MODELS:
        price = pricing.price_on(price_table(), model, day)
        if price is None:
            raise LookupError(f"no price for {model} on {day}")
        rates[0].append(price.input_per_mtok_usd)
        rates[1].append(price.cached_input_per_mtok_usd)
        rates[2].append(price.output_per_mtok_usd)
        rates[3].append(price.per_request_usd)
    return rates
