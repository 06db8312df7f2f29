"""The raw tables carry every column the data contract (docs/data_contract.md §2-3) names."""

from __future__ import annotations

import duckdb
import pytest

from inference_ledger.ingest.schema import ensure_schema

LINEAGE = {"source_file", "source_line", "record_hash", "ingest_run_id", "extras"}
CONTRACT = {
    "inference_events": """event_id, event_ts, trace_id, step_id, parent_step_id, output_id,
        state, user_action, trigger_type, model_version, provider, deployment, prompt_version,
        guardrails_version, policy_version, context_hash, input_tokens, output_tokens,
        cached_input_tokens, reasoning_tokens, inference_cost_usd, orchestration_cost_usd,
        tool_cost_usd, latency_ms, status, retry_count, is_retry, tenant_id, session_id,
        feature, endpoint, cache_hit, escalated, confidence, region, event_date, state_raw,
        trigger_type_raw, status_raw, user_pseudo_id, inference_cost_usd_logged, cost_source""",
    "output_transitions": """transition_id, output_id, state, event_ts, trace_id,
        prior_output_id, content_hash, actor, trigger_type, event_date, state_raw""",
    "decision_envelopes": """envelope_id, trace_id, event_ts, event_date, output_id, state,
        state_raw, user_action, model_version, prompt_version, guardrails_version,
        policy_version, policy_rules, context_hash, content_hash, prior_output_id, tenant_id,
        feature, user_pseudo_id""",
    "tool_calls": """tool_call_id, tool_name, event_ts, trace_id, decision_envelope_id,
        output_id, success, status, input_hash, output_hash, latency_ms, retry_count,
        error_message, cost_usd, event_date""",
    "approvals": """approval_id, output_id, decision_envelope_id, action, event_ts, approver,
        notes, event_date""",
    "revenue": "tenant_id, period_start, period_end, revenue_usd, plan",
}
OTHER = {
    "model_prices": """provider, model, effective_from, effective_to, input_per_mtok_usd,
        output_per_mtok_usd, cached_input_per_mtok_usd, per_request_usd, source""",
    "quarantine": """source_file, source_line, record_kind, reason, raw_text, ingest_run_id,
        quarantined_at""",
    "ingest_manifest": """source_file, file_size, content_hash, version, records_read,
        records_loaded, records_quarantined, records_duplicate, status, ingest_run_id,
        ingested_at""",
}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = ?",
        [table],
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("table", sorted({**CONTRACT, **OTHER}))
def test_raw_table_has_contract_columns(table: str) -> None:
    con = duckdb.connect()
    ensure_schema(con)
    expected = {c.strip() for c in {**CONTRACT, **OTHER}[table].split(",")}
    if table in CONTRACT:
        expected |= LINEAGE
    columns = _columns(con, table)
    assert expected <= columns, expected - columns
    # The raw user id is never a column anywhere in the raw zone.
    assert "user_id" not in columns
