"""Flatten OTLP JSON trace exports into flat inference-event records.

Each span of an `ExportTraceServiceRequest` becomes one record with canonical field names,
ready for the same SQL canonicalization as any other event. Attribute names go through an
alias table because instrumentations name the same thing differently (semantic-convention
versions, OpenLLMetry's `llm.*`, vendor SDKs). Non-standard fields travel as
`inference_ledger.<field>` attributes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

# Attribute name → canonical field; earlier names win when several are present.
ATTRIBUTE_ALIASES: tuple[tuple[str, str], ...] = (
    ("gen_ai.response.model", "model_version"),
    ("gen_ai.request.model", "model_version"),
    ("llm.response.model", "model_version"),
    ("llm.request.model", "model_version"),
    ("gen_ai.usage.input_tokens", "input_tokens"),
    ("gen_ai.usage.prompt_tokens", "input_tokens"),
    ("llm.usage.prompt_tokens", "input_tokens"),
    ("llm.usage.input_tokens", "input_tokens"),
    ("gen_ai.usage.output_tokens", "output_tokens"),
    ("gen_ai.usage.completion_tokens", "output_tokens"),
    ("llm.usage.completion_tokens", "output_tokens"),
    ("llm.usage.output_tokens", "output_tokens"),
    ("gen_ai.usage.cache_read.input_tokens", "cached_input_tokens"),
    ("gen_ai.usage.cache_read_input_tokens", "cached_input_tokens"),
    ("gen_ai.usage.cached_tokens", "cached_input_tokens"),
    ("llm.usage.cache_read_input_tokens", "cached_input_tokens"),
    ("gen_ai.usage.reasoning.output_tokens", "reasoning_tokens"),
    ("gen_ai.usage.reasoning_tokens", "reasoning_tokens"),
    ("llm.usage.reasoning_tokens", "reasoning_tokens"),
    ("gen_ai.provider.name", "provider"),
    ("gen_ai.system", "provider"),
    ("llm.vendor", "provider"),
    ("llm.system", "provider"),
    ("gen_ai.conversation.id", "session_id"),
    ("session.id", "session_id"),
    ("enduser.id", "user_id"),
    ("user.id", "user_id"),
    ("gen_ai.agent.name", "feature"),
)

# inference_ledger.* attributes whose suffix differs from the canonical name.
CUSTOM_ALIASES = {
    "cost.inference_usd": "inference_cost_usd",
    "cost.orchestration_usd": "orchestration_cost_usd",
    "cost.tool_usd": "tool_cost_usd",
}
CUSTOM_PREFIX = "inference_ledger."
# Attributes that carry prompt or completion text: never copied.
CONTENT_PREFIXES = (
    "gen_ai.prompt",
    "gen_ai.completion",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "llm.prompts",
    "llm.completions",
)
RAW_TEXT_LIMIT = 4096
_EPOCH = dt.datetime(1970, 1, 1)


def attribute_value(value: dict[str, Any] | None) -> Any:
    """The Python value of an OTLP `AnyValue` (int64 arrive as strings in OTLP JSON)."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return value["intValue"]
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        values = (value["arrayValue"] or {}).get("values") or []
        return [attribute_value(v) for v in values]
    if "kvlistValue" in value:
        items = (value["kvlistValue"] or {}).get("values") or []
        return {kv.get("key"): attribute_value(kv.get("value")) for kv in items}
    return None


def otlp_id(value: Any, size: int) -> str | None:
    """Lowercase hex span/trace id; accepts hex (OTLP JSON) or base64 (protobuf JSON mapping)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == size * 2:
        try:
            bytes.fromhex(value)
            return value.lower()
        except ValueError:
            pass
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value
    if len(raw) == size:
        return raw.hex() if any(raw) else None
    return value


def _nanos_to_iso(value: Any) -> str | None:
    try:
        nanos = int(value)
    except (TypeError, ValueError):
        return None if value is None else str(value)
    if nanos <= 0:
        return None
    return (_EPOCH + dt.timedelta(microseconds=nanos // 1000)).isoformat()


def _status(span: dict[str, Any], attributes: dict[str, Any]) -> str:
    code = (span.get("status") or {}).get("code")
    error_type = str(attributes.get("error.type") or "").lower()
    if code in (2, "2", "STATUS_CODE_ERROR") or error_type:
        return "timeout" if "timeout" in error_type or "timed_out" in error_type else "error"
    return "ok"


def _is_inference(attributes: dict[str, Any]) -> bool:
    # A model call names its model or reports usage; agent, workflow and tool spans do not.
    if any(str(k).startswith(CUSTOM_PREFIX) for k in attributes):
        return True
    fields = {field for name, field in ATTRIBUTE_ALIASES if attributes.get(name) is not None}
    return bool(fields & {"model_version", "input_tokens", "output_tokens"})


def span_record(span: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any] | None:
    """Canonical flat record for one span, or None when it is not a model call."""
    attributes = {
        kv.get("key"): attribute_value(kv.get("value"))
        for kv in span.get("attributes") or []
        if isinstance(kv, dict)
    }
    if not _is_inference(attributes):
        return None
    record: dict[str, Any] = {}
    used: set[str] = set()
    for name, field in ATTRIBUTE_ALIASES:
        if name in attributes and field not in record and attributes[name] is not None:
            record[field] = attributes[name]
            used.add(name)
    for name, value in attributes.items():
        if name.startswith(CUSTOM_PREFIX):
            suffix = name[len(CUSTOM_PREFIX) :]
            record[CUSTOM_ALIASES.get(suffix, suffix)] = value
            used.add(name)
    record["trace_id"] = otlp_id(span.get("traceId"), 16)
    record["step_id"] = otlp_id(span.get("spanId"), 8)
    record["parent_step_id"] = otlp_id(span.get("parentSpanId"), 8)
    record["event_ts"] = _nanos_to_iso(span.get("startTimeUnixNano"))
    try:
        duration = int(span.get("endTimeUnixNano")) - int(span.get("startTimeUnixNano"))
        record["latency_ms"] = duration / 1e6
    except (TypeError, ValueError):
        pass
    if "status" not in record:
        record["status"] = _status(span, attributes)
    for name, value in attributes.items():
        if name in used or name.startswith(CONTENT_PREFIXES) or name in record:
            continue
        record[name] = value  # unknown attributes end up in `extras`
    for key in ("service.name", "deployment.environment"):
        if key in resource and key not in record:
            record[key] = resource[key]
    if "span.name" not in record and span.get("name"):
        record["span.name"] = span["name"]
    return record


def flatten_otlp_document(
    document: dict[str, Any],
) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
    """Yield `(span_json, record, error)` for every span in one export request."""
    for resource_spans in document.get("resourceSpans") or []:
        resource = {
            kv.get("key"): attribute_value(kv.get("value"))
            for kv in ((resource_spans.get("resource") or {}).get("attributes") or [])
            if isinstance(kv, dict)
        }
        for scope_spans in resource_spans.get("scopeSpans") or []:
            for span in scope_spans.get("spans") or []:
                span_text = json.dumps(span)[:RAW_TEXT_LIMIT]
                if not isinstance(span, dict):
                    yield span_text, None, "not_an_object"
                    continue
                record = span_record(span, resource)
                if record is None:
                    yield span_text, None, "not_an_inference_span"
                else:
                    yield span_text, record, None
