"""Canonical fields of each record kind and the source names (aliases) each one is read from.

One table per kind says, for every canonical column, its type class and the JSON paths it may
arrive under, first match wins. The SQL that canonicalizes a file is generated from these
tables, so adding an alias is a one-line change here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Values that mean "not logged" in provenance fields (inputs.md, Placeholders).
PLACEHOLDERS = ("unknown", "", "none", "null", "n/a", "na")


@dataclass(frozen=True)
class Field:
    """One canonical column: `kind` picks the SQL conversion, `sources` the accepted names.

    Kinds: text (trimmed), id (placeholders → NULL), hash (lowercase, `sha256:` stripped),
    ts (UTC timestamp), date, int, float, bool, json (kept as JSON text), and the mapped
    vocabularies state, trigger, status, action, deployment.
    """

    name: str
    kind: str
    sources: tuple[str, ...]


def _f(name: str, kind: str, *aliases: str) -> Field:
    return Field(name, kind, (name, *aliases))


TS_ALIASES = ("timestamp", "created_at", "ts", "time", "occurred_at")

EVENT_FIELDS: tuple[Field, ...] = (
    _f("event_id", "id", "id", "request_id", "inference_id"),
    _f("event_ts", "ts", *TS_ALIASES, "start_time"),
    _f("trace_id", "id", "traceId"),
    _f("step_id", "id", "span_id", "spanId"),
    _f("parent_step_id", "id", "parent_span_id", "parentSpanId"),
    _f("output_id", "id", "result_id", "output.result_id"),
    _f("state", "state", "output_state", "output.state"),
    _f(
        "user_action",
        "id",
        "action",
        "user_action_type",
        "inputs.user_action",
        "inputs.action",
    ),
    _f("trigger_type", "trigger", "trigger", "triggered_by", "inputs.trigger_type"),
    _f("model_version", "id", "model", "model_name", "policy.model_version"),
    _f("provider", "id", "model_provider", "vendor"),
    _f("deployment", "deployment", "deployment_type", "hosting"),
    _f("prompt_version", "id", "prompt_template_version", "policy.prompt_version"),
    _f("guardrails_version", "id", "guardrail_version", "policy.guardrails_version"),
    _f("policy_version", "id", "policy.policy_version"),
    _f("context_hash", "hash", "inputs.context_hash"),
    _f("input_tokens", "int", "prompt_tokens", "tokens_in", "usage.input_tokens"),
    _f("output_tokens", "int", "completion_tokens", "tokens_out", "usage.output_tokens"),
    _f(
        "cached_input_tokens",
        "int",
        "cached_tokens",
        "cache_read_tokens",
        "usage.cached_input_tokens",
    ),
    _f("reasoning_tokens", "int", "usage.reasoning_tokens"),
    _f("inference_cost_usd", "float", "cost_usd", "cost.inference_cost_usd"),
    _f("orchestration_cost_usd", "float", "cost.orchestration_cost_usd"),
    _f("tool_cost_usd", "float", "cost.tool_cost_usd"),
    _f("latency_ms", "float", "duration_ms", "latency"),
    _f("status", "status", "outcome"),
    _f("retry_count", "int", "retries", "retry_attempt"),
    _f("is_retry", "bool", "retry"),
    _f("tenant_id", "id", "tenant", "customer_id", "org_id", "inputs.tenant_id"),
    _f("user_id", "id", "user", "inputs.user_id"),
    _f("session_id", "id", "session"),
    _f("feature", "id", "feature_name", "inputs.feature"),
    _f("endpoint", "id", "route"),
    _f("cache_hit", "bool", "cached"),
    _f("escalated", "bool", "is_escalated"),
    _f("confidence", "float", "confidence_score"),
    _f("region", "id"),
)

TRANSITION_FIELDS: tuple[Field, ...] = (
    _f("transition_id", "id", "id"),
    _f("output_id", "id", "result_id"),
    _f("state", "state", "output_state", "to_state"),
    _f("event_ts", "ts", *TS_ALIASES, "transitioned_at"),
    _f("trace_id", "id"),
    _f("prior_output_id", "id", "previous_output_id", "parent_output_id"),
    _f("content_hash", "hash", "output_hash"),
    _f("actor", "id", "changed_by"),
    _f("trigger_type", "trigger", "trigger", "triggered_by"),
)

ENVELOPE_FIELDS: tuple[Field, ...] = (
    _f("envelope_id", "id", "decision_envelope_id", "id", "decision_id"),
    _f("trace_id", "id"),
    _f("event_ts", "ts", *TS_ALIASES),
    _f("output_id", "id", "output.result_id", "output.output_id", "result_id"),
    _f("state", "state", "output.state"),
    _f("user_action", "id", "inputs.user_action", "inputs.action", "action"),
    _f("model_version", "id", "policy.model_version", "policy.model", "model"),
    _f("prompt_version", "id", "policy.prompt_version"),
    _f("guardrails_version", "id", "policy.guardrails_version"),
    _f("policy_version", "id", "policy.policy_version"),
    _f(
        "policy_rules",
        "json",
        "policy.policy_rules",
        "policy.rules_applied",
        "policy.policies_active",
        "rules_applied",
        "policies_active",
    ),
    _f("context_hash", "hash", "inputs.context_hash"),
    _f("content_hash", "hash", "output.content_hash", "output.output_hash"),
    _f("prior_output_id", "id", "output.prior_output_id", "output.previous_output_id"),
    _f("tenant_id", "id", "inputs.tenant_id", "metadata.tenant_id"),
    _f("feature", "id", "inputs.feature", "metadata.feature"),
    _f("user_id", "id", "inputs.user_id", "metadata.user_id"),
)

# Envelope sections whose members are read above; their other members stay in `extras`.
ENVELOPE_SECTIONS = ("inputs", "policy", "output", "reasoning", "cost", "metadata")
# Defaults a nested tool call or approval inherits from its envelope (lowest priority).
ENVELOPE_CHILD_DEFAULTS = ("envelope_ts", "envelope_trace_id", "envelope_output_id")
ENVELOPE_CHILD_ARRAYS = {
    "tool_calls": ("tool_calls", "tools_called"),
    "approvals": ("approvals",),
}

TOOL_CALL_FIELDS: tuple[Field, ...] = (
    _f("tool_call_id", "id", "id", "call_id"),
    _f("tool_name", "id", "tool", "name"),
    _f("event_ts", "ts", *TS_ALIASES, "called_at", "envelope_ts"),
    _f("trace_id", "id", "envelope_trace_id"),
    _f("decision_envelope_id", "id", "envelope_id"),
    _f("output_id", "id", "result_id", "envelope_output_id"),
    _f("success", "bool", "ok", "succeeded"),
    _f("status", "status"),
    _f("input_hash", "hash"),
    _f("output_hash", "hash"),
    _f("latency_ms", "float", "duration_ms"),
    _f("retry_count", "int", "retries"),
    _f("error_message", "text", "error"),
    _f("cost_usd", "float", "tool_cost_usd"),
)

APPROVAL_FIELDS: tuple[Field, ...] = (
    _f("approval_id", "id", "id"),
    _f("output_id", "id", "result_id", "envelope_output_id"),
    _f("decision_envelope_id", "id", "envelope_id"),
    _f("action", "action", "decision", "approval_action"),
    _f("event_ts", "ts", *TS_ALIASES, "approved_at", "decided_at", "envelope_ts"),
    _f("approver", "id", "approved_by", "reviewer"),
    _f("notes", "text", "comment"),
)

REVENUE_FIELDS: tuple[Field, ...] = (
    _f("tenant_id", "id", "tenant", "customer_id"),
    _f("period_start", "date", "month", "period"),
    _f("period_end", "date"),
    _f("revenue_usd", "float", "revenue", "amount_usd", "mrr_usd"),
    _f("plan", "text", "tier"),
)

PRICE_FIELDS: tuple[Field, ...] = (
    _f("provider", "text"),
    _f("model", "text", "model_version"),
    _f("effective_from", "date", "valid_from"),
    _f("effective_to", "date", "valid_to"),
    _f("input_per_mtok_usd", "float", "input_mtok", "input_price_per_mtok"),
    _f("output_per_mtok_usd", "float", "output_mtok", "output_price_per_mtok"),
    _f("cached_input_per_mtok_usd", "float", "cache_read_mtok", "cached_input_mtok"),
    _f("per_request_usd", "float", "request_usd"),
)


@dataclass(frozen=True)
class KindSpec:
    """How one landing folder's records become one raw table."""

    kind: str
    table: str
    fields: tuple[Field, ...]
    key: str | None  # the logged identity column; absent ids fall back to the content hash
    required: tuple[str, ...]  # quarantined as missing_required:<field> when NULL
    partitioned: bool = True


KIND_SPECS: dict[str, KindSpec] = {
    "events": KindSpec("events", "inference_events", EVENT_FIELDS, "event_id", ()),
    "transitions": KindSpec(
        "transitions",
        "output_transitions",
        TRANSITION_FIELDS,
        "transition_id",
        ("output_id", "state"),
    ),
    "envelopes": KindSpec("envelopes", "decision_envelopes", ENVELOPE_FIELDS, "envelope_id", ()),
    "tool_calls": KindSpec("tool_calls", "tool_calls", TOOL_CALL_FIELDS, "tool_call_id", ()),
    "approvals": KindSpec("approvals", "approvals", APPROVAL_FIELDS, "approval_id", ("action",)),
    "revenue": KindSpec(
        "revenue",
        "revenue",
        REVENUE_FIELDS,
        None,
        ("tenant_id", "period_start", "revenue_usd"),
        partitioned=False,
    ),
    "prices": KindSpec(
        "prices",
        "model_prices",
        PRICE_FIELDS,
        None,
        ("model", "input_per_mtok_usd", "output_per_mtok_usd"),
        partitioned=False,
    ),
}
# OTLP spans become inference events after flattening (see otlp.py).
KIND_SPECS["otlp"] = KindSpec("otlp", "inference_events", EVENT_FIELDS, "event_id", ())

STATE_MAP = {
    "draft": "draft",
    "speculative": "draft",
    "pending": "draft",
    "committed": "committed",
    "accepted": "committed",
    "approved": "committed",
    "rejected": "rejected",
    "discarded": "rejected",
}

TRIGGER_MAP = {
    "user_explicit": "user_explicit",
    "explicit": "user_explicit",
    "user_generate": "user_explicit",
    "user_action": "user_explicit",
    "user_request": "user_explicit",
    "user_edit": "user_edit",
    "edit": "user_edit",
    "undo": "undo",
    "user_undo": "undo",
    "auto_save": "auto_save",
    "autosave": "auto_save",
    "auto-save": "auto_save",
    "retry": "retry",
    "auto_retry": "retry",
    "background": "background",
    "system": "background",
    "background_refresh": "background",
    "scheduled": "background",
}

STATUS_MAP = {
    "success": "success",
    "succeeded": "success",
    "ok": "success",
    "completed": "success",
    "status_code_ok": "success",
    "status_code_unset": "success",
    "failed": "failed",
    "failure": "failed",
    "error": "failed",
    "status_code_error": "failed",
    "timeout": "timeout",
    "timed_out": "timeout",
    "deadline_exceeded": "timeout",
}

ACTION_MAP = {
    "approve": "approve",
    "approved": "approve",
    "reject": "reject",
    "rejected": "reject",
    "escalate": "escalate",
    "escalated": "escalate",
    "override": "override",
    "overridden": "override",
}

DEPLOYMENT_MAP = {
    "api": "api",
    "hosted_api": "api",
    "owned": "owned",
    "self_hosted": "owned",
    "self-hosted": "owned",
    "on_prem": "owned",
}

TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")
