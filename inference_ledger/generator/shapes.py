"""Non-canonical shapes of the same facts: OTLP GenAI spans, the manual's quick-start record,
flattened envelopes with aliased names and values, and nested decision envelopes."""

from __future__ import annotations

import duckdb
import pandas as pd

from inference_ledger.generator.writers import (
    ISO,
    _out_id,
    event_columns,
    hex_hash,
    select_sql,
)

OTLP_SPANS_PER_REQUEST = 500


def _attr(key: str, expr: str, kind: str) -> str:
    if kind == "int":
        value = f"json_object('intValue', CAST(({expr}) AS VARCHAR))"
    elif kind == "double":
        value = f"json_object('doubleValue', ({expr}))"
    elif kind == "bool":
        value = f"json_object('boolValue', ({expr}))"
    else:
        value = f"json_object('stringValue', ({expr}))"
    return f"CASE WHEN ({expr}) IS NOT NULL THEN json_object('key', '{key}', 'value', {value}) END"


# OTLP attribute name, canonical column, value type. Standard gen_ai.* names where they exist,
# `inference_ledger.*` for the rest so no fact is lost.
OTLP_ATTRIBUTES = (
    ("gen_ai.operation.name", "'chat'", "string"),
    ("gen_ai.provider.name", "provider", "string"),
    ("gen_ai.request.model", "model_version", "string"),
    ("gen_ai.response.model", "model_version", "string"),
    ("gen_ai.usage.input_tokens", "input_tokens", "int"),
    ("gen_ai.usage.output_tokens", "output_tokens", "int"),
    ("gen_ai.usage.cache_read.input_tokens", "cached_input_tokens", "int"),
    ("gen_ai.usage.reasoning.output_tokens", "reasoning_tokens", "int"),
    ("inference_ledger.event_id", "event_id", "string"),
    ("inference_ledger.output_id", "output_id", "string"),
    ("inference_ledger.state", "state", "string"),
    ("inference_ledger.user_action", "user_action", "string"),
    ("inference_ledger.trigger_type", "trigger_type", "string"),
    ("inference_ledger.prompt_version", "prompt_version", "string"),
    ("inference_ledger.guardrails_version", "guardrails_version", "string"),
    ("inference_ledger.policy_version", "policy_version", "string"),
    ("inference_ledger.context_hash", "context_hash", "string"),
    ("inference_ledger.deployment", "deployment", "string"),
    ("inference_ledger.cost.inference_usd", "inference_cost_usd", "double"),
    ("inference_ledger.cost.orchestration_usd", "orchestration_cost_usd", "double"),
    ("inference_ledger.cost.tool_usd", "tool_cost_usd", "double"),
    ("inference_ledger.status", "status", "string"),
    ("inference_ledger.retry_count", "retry_count", "int"),
    ("inference_ledger.is_retry", "is_retry", "bool"),
    ("inference_ledger.tenant_id", "tenant_id", "string"),
    ("inference_ledger.user_id", "user_id", "string"),
    ("inference_ledger.session_id", "session_id", "string"),
    ("inference_ledger.feature", "feature", "string"),
    ("inference_ledger.endpoint", "endpoint", "string"),
    ("inference_ledger.cache_hit", "cache_hit", "bool"),
    ("inference_ledger.escalated", "escalated", "bool"),
    ("inference_ledger.confidence", "confidence", "double"),
    ("inference_ledger.region", "region", "string"),
)


def otlp_documents(con: duckdb.DuckDBPyConnection, source: str, seed: int) -> list[str]:
    """One OTLP `ExportTraceServiceRequest` JSON per chunk of spans, in event order.

    Span start is the event time and the duration its latency; an event without a trace id
    gets the all-zero (invalid) OTLP trace id; spans without a parent have an empty
    `parentSpanId` as in protobuf JSON.
    """
    canonical = select_sql(
        {**event_columns(seed, "jsonl"), "ts_ms": "ts", "seq": "seq"}, source, "seq"
    )
    attributes = ", ".join(_attr(k, e, t) for k, e, t in OTLP_ATTRIBUTES)
    sql = f"""
    WITH e AS ({canonical}),
    spans AS (
      SELECT seq // {OTLP_SPANS_PER_REQUEST} AS chunk, seq,
        json_object(
          'traceId', coalesce(trace_id, '00000000000000000000000000000000'),
          'spanId', step_id,
          'parentSpanId', coalesce(parent_step_id, ''),
          'name', 'chat ' || coalesce(model_version, 'unknown'),
          'kind', 3,
          'startTimeUnixNano', CAST(ts_ms * 1000000 AS VARCHAR),
          'endTimeUnixNano', CAST((ts_ms + latency_ms) * 1000000 AS VARCHAR),
          'attributes', list_filter([{attributes}], lambda x: x IS NOT NULL),
          'status', CASE WHEN status = 'success' THEN json_object('code', 1)
                         ELSE json_object('code', 2, 'message', status) END
        ) AS span
      FROM e)
    SELECT json_object('resourceSpans', [json_object(
        'resource', json_object('attributes', [json_object('key', 'service.name',
            'value', json_object('stringValue', 'agent-gateway'))]),
        'scopeSpans', [json_object(
            'scope', json_object('name', 'inference_ledger.generator', 'version', '1'),
            'spans', list(span ORDER BY seq))])])::VARCHAR AS doc
    FROM spans GROUP BY chunk ORDER BY chunk
    """
    return [row[0] for row in con.execute(sql).fetchall()]


def quickstart_columns(seed: int) -> dict[str, str]:
    """The manual's quick-start record first, then the remaining facts under canonical names."""
    canonical = event_columns(seed, "jsonl")
    head = {
        "trace_id": canonical["trace_id"],
        "trigger_type": canonical["trigger_type"],
        "model_version": canonical["model_version"],
        "prompt_version": canonical["prompt_version"],
        "cost_usd": canonical["inference_cost_usd"],
        "state": canonical["state"],
        "timestamp": canonical["event_ts"],
    }
    rest = {
        k: v
        for k, v in canonical.items()
        if k not in head and k not in ("inference_cost_usd", "event_ts")
    }
    return {**head, **rest}


def aliased_envelope_columns(seed: int) -> dict[str, str]:
    """A flattened envelope with the manual's alternative names, values and hash spellings."""
    c = event_columns(seed, "jsonl")
    renamed = {
        "output_id": "result_id",
        "event_ts": "created_at",
        "inference_cost_usd": "cost_usd",
        "model_version": "model",
        "user_action": "action",
        "retry_count": "retries",
    }
    columns = {renamed.get(k, k): v for k, v in c.items()}
    columns["trigger_type"] = (
        "CASE trigger_type::VARCHAR"
        " WHEN 'user_explicit' THEN ['user_generate', 'explicit'][1 + seq % 2]"
        " WHEN 'background' THEN ['system', 'background_refresh'][1 + seq % 2]"
        " WHEN 'undo' THEN 'user_undo' ELSE trigger_type::VARCHAR END"
    )
    columns["state"] = "CASE WHEN has_output THEN ['pending', 'speculative'][1 + seq % 2] END"
    columns["context_hash"] = (
        f"CASE WHEN seq % 2 = 0 THEN 'sha256:' || ({c['context_hash']})"
        f" ELSE upper({c['context_hash']}) END"
    )
    return columns


MIXED_TRANSITION_STATE = (
    "CASE state WHEN 0 THEN ['draft', 'pending', 'speculative'][1 + out_idx % 3]"
    " WHEN 1 THEN ['committed', 'accepted', 'approved'][1 + out_idx % 3]"
    " ELSE ['rejected', 'discarded'][1 + out_idx % 2] END"
)


def _provenance_struct(seed: int, prefix: str, day: str) -> tuple[str, str]:
    context = (
        f"CASE WHEN {prefix}context_ok THEN 'sha256:' || "
        f"{hex_hash('ctx', seed, day, prefix + 'out_idx')} END"
    )
    inputs = (
        f"struct_pack(user_action := {prefix}user_action::VARCHAR, context_hash := {context},"
        f" user_id := CASE WHEN {prefix}usr >= 0 THEN format('u-{{:05d}}', {prefix}usr) END,"
        f" tenant_id := format('t-{{:03d}}', {prefix}tenant),"
        f" feature := {prefix}feature::VARCHAR)"
    )
    policy = (
        f"struct_pack(model_version := {prefix}model_version::VARCHAR,"
        f" prompt_version := {prefix}prompt_version::VARCHAR,"
        f" guardrails_version := {prefix}guardrails_version::VARCHAR,"
        f" policy_version := 'pol-2025-04', policy_rules := ['pii-redaction', 'tool-allowlist'])"
    )
    return inputs, policy


def envelope_documents(
    con: duckdb.DuckDBPyConnection,
    events: pd.DataFrame,
    tool_calls: pd.DataFrame,
    approvals: pd.DataFrame,
    seed: int,
) -> list[str]:
    """Nested decision envelopes: one per output-creating call with tool calls, one per
    approval. Their provenance equals the output's events, so completeness is unchanged."""
    docs: list[tuple[int, str, str]] = []

    def content(d: str, o: str) -> str:
        return hex_hash("content", seed, d, o)

    if len(tool_calls):
        con.register("env_events", events[events["kind"] == 0])
        con.register("env_tools", tool_calls)
        inputs, policy = _provenance_struct(seed, "e.", "e.day")
        sql = f"""
        WITH calls AS (
          SELECT out_idx, list(struct_pack(
              tool_call_id := format('tc-{{:04d}}-{{:07d}}', day, tc_idx),
              tool := tool_name::VARCHAR, input_hash := format('{{:016x}}', in_hash),
              output_hash := CASE WHEN success THEN format('{{:016x}}', out_hash) END,
              success := success, status := CASE WHEN success THEN 'success' ELSE 'error' END,
              latency_ms := latency_ms, retry_count := retry_count,
              error := CASE WHEN NOT success THEN 'upstream error 502' END,
              cost_usd := cost_usd, called_at := {ISO.format(col="ts")}) ORDER BY tc_idx)
            AS tool_calls
          FROM env_tools GROUP BY out_idx)
        SELECT e.ts, format('env-{{:04d}}-{{:06d}}', e.day, e.out_idx),
          to_json(struct_pack(
            envelope_id := format('env-{{:04d}}-{{:06d}}', e.day, e.out_idx),
            trace_id := CASE WHEN e.trace_ok THEN format('{{:016x}}{{:016x}}', e.trace_hi,
                                                        e.trace_lo) END,
            timestamp := {ISO.format(col="e.ts")},
            inputs := {inputs},
            policy := {policy},
            output := struct_pack(result_id := {_out_id("e.day", "e.out_idx")},
                                  state := 'draft',
                                  content_hash := {content("e.day", "e.out_idx")},
                                  prior_output_id := CASE WHEN e.prior_idx >= 0 THEN
                                    {_out_id("e.day", "e.prior_idx")} END),
            tool_calls := c.tool_calls,
            approvals := [],
            reasoning := struct_pack(summary_hash := sha256(format('reason-{{}}-{{}}-{{}}',
                                     {int(seed)}, e.day, e.out_idx))),
            cost := struct_pack(inference_cost_usd := e.inference_cost_true,
                                orchestration_cost_usd := e.orchestration_cost_usd,
                                tool_cost_usd := e.tool_cost_usd),
            metadata := struct_pack(source := 'agent-middleware')))::VARCHAR
        FROM env_events e JOIN calls c USING (out_idx)
        """
        docs += con.execute(sql).fetchall()
        con.unregister("env_events")
        con.unregister("env_tools")
    if len(approvals):
        con.register("env_approvals", approvals)
        inputs, policy = _provenance_struct(seed, "a.", "a.out_day")
        sql = f"""
        SELECT a.ts, format('env-{{:04d}}-{{:06d}}-a', a.out_day, a.out_idx),
          to_json(struct_pack(
            envelope_id := format('env-{{:04d}}-{{:06d}}-a', a.out_day, a.out_idx),
            trace_id := CASE WHEN a.trace_ok THEN format('{{:016x}}{{:016x}}', a.trace_hi,
                              a.out_idx::UBIGINT | (a.out_day::UBIGINT << 32)) END,
            timestamp := {ISO.format(col="a.ts")},
            inputs := {inputs},
            policy := {policy},
            output := struct_pack(result_id := {_out_id("a.out_day", "a.out_idx")},
                                  state := ['committed', 'rejected', 'draft'][a.action + 1],
                                  content_hash := {content("a.out_day", "a.out_idx")},
                                  prior_output_id := NULL::VARCHAR),
            tool_calls := [],
            approvals := [struct_pack(
                approval_id := format('ap-{{:04d}}-{{:06d}}', a.out_day, a.out_idx),
                action := ['approve', 'reject', 'escalate'][a.action + 1],
                approver := format('reviewer-{{}}', a.approver),
                approved_at := {ISO.format(col="a.ts")},
                notes := CASE WHEN a.with_note THEN 'checked against policy' END)],
            metadata := struct_pack(source := 'review-console')))::VARCHAR
        FROM env_approvals a
        """
        docs += con.execute(sql).fetchall()
        con.unregister("env_approvals")
    docs.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in docs]
