"""Build the canonical raw zone (docs/data_contract.md section 3) with plain DuckDB SQL.

Used by the dbt tests: a hand-written fixture and loading of the generator's canonical JSONL
landing directory, optionally one day at a time (to replay arrivals for incremental runs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import duckdb

from inference_ledger import pricing

LINEAGE = (
    "source_file varchar, source_line bigint, record_hash varchar, ingest_run_id varchar,"
    " extras varchar"
)

RAW_TABLES: dict[str, str] = {
    "inference_events": """
        event_id varchar, event_ts timestamp, event_date date, trace_id varchar, step_id varchar,
        parent_step_id varchar, output_id varchar, state varchar, state_raw varchar,
        user_action varchar, trigger_type varchar, trigger_type_raw varchar,
        model_version varchar, provider varchar, deployment varchar, prompt_version varchar,
        guardrails_version varchar, policy_version varchar, context_hash varchar,
        input_tokens bigint, output_tokens bigint, cached_input_tokens bigint,
        reasoning_tokens bigint, inference_cost_usd double, inference_cost_usd_logged double,
        cost_source varchar, orchestration_cost_usd double, tool_cost_usd double,
        latency_ms double, status varchar, status_raw varchar, retry_count integer,
        is_retry boolean, tenant_id varchar, user_pseudo_id varchar, session_id varchar,
        feature varchar, endpoint varchar, cache_hit boolean, escalated boolean,
        confidence double, region varchar""",
    "output_transitions": """
        transition_id varchar, output_id varchar, state varchar, state_raw varchar,
        event_ts timestamp, event_date date, trace_id varchar, prior_output_id varchar,
        content_hash varchar, actor varchar, trigger_type varchar""",
    "decision_envelopes": """
        envelope_id varchar, trace_id varchar, event_ts timestamp, event_date date,
        output_id varchar, state varchar, state_raw varchar, user_action varchar,
        model_version varchar, prompt_version varchar, guardrails_version varchar,
        policy_version varchar, policy_rules varchar, context_hash varchar,
        content_hash varchar, prior_output_id varchar, tenant_id varchar, feature varchar,
        user_pseudo_id varchar""",
    "tool_calls": """
        tool_call_id varchar, tool_name varchar, event_ts timestamp, event_date date,
        trace_id varchar, decision_envelope_id varchar, output_id varchar, success boolean,
        status varchar, input_hash varchar, output_hash varchar, latency_ms double,
        retry_count integer, error_message varchar, cost_usd double""",
    "approvals": """
        approval_id varchar, output_id varchar, decision_envelope_id varchar, action varchar,
        event_ts timestamp, event_date date, approver varchar, notes varchar""",
    "revenue": """
        tenant_id varchar, period_start date, period_end date, revenue_usd double,
        plan varchar""",
    "model_prices": """
        provider varchar, model varchar, effective_from date, effective_to date,
        input_per_mtok_usd double, output_per_mtok_usd double,
        cached_input_per_mtok_usd double, per_request_usd double, source varchar""",
}

PSEUDONYM_KEY = "test-key"

# Folder of the landing directory -> raw table.
KIND_TABLES = {
    "events": "inference_events",
    "transitions": "output_transitions",
    "tool_calls": "tool_calls",
    "approvals": "approvals",
    "revenue": "revenue",
}

_STATE = (
    "case lower({c}) when 'speculative' then 'draft' when 'pending' then 'draft'"
    " when 'accepted' then 'committed' when 'approved' then 'committed'"
    " when 'discarded' then 'rejected' else lower({c}) end"
)
_TRIGGER = (
    "case when {c} in ('user_explicit','user_edit','undo','auto_save','retry','background')"
    " then {c} when {c} in ('user_generate','explicit','user_action') then 'user_explicit'"
    " when {c} = 'user_undo' then 'undo' when {c} in ('system','background_refresh')"
    " then 'background' else 'unknown' end"
)


def create_raw_zone(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in RAW_TABLES.items():
        lineage = "" if table == "revenue" or table == "model_prices" else f", {LINEAGE}"
        con.execute(f"create table if not exists raw.{table} ({columns}{lineage})")


def _json_columns(table: str) -> dict[str, str]:
    """Columns of the canonical JSON record for a table, read as text (typed later)."""
    derived = {
        "event_date",
        "state_raw",
        "trigger_type_raw",
        "status_raw",
        "user_pseudo_id",
        "inference_cost_usd_logged",
        "cost_source",
        "source",
    }
    names = [
        part.split()[0] for part in " ".join(RAW_TABLES[table].split()).split(",") if part.strip()
    ]
    columns = {name: "varchar" for name in names if name not in derived}
    if table == "inference_events":
        columns["user_id"] = "varchar"
    return columns


def _struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


def _ts(col: str) -> str:
    return f"cast(cast({col} as timestamptz) at time zone 'UTC' as timestamp)"


def load_files(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    day: str | None = None,
    kinds: Iterable[str] = tuple(KIND_TABLES),
) -> None:
    """Append the landing directory's canonical JSONL (or just files named `<day>.jsonl`)."""
    pattern = f"{day}.jsonl" if day else "*.jsonl"
    for kind in kinds:
        table = KIND_TABLES[kind]
        files = sorted((landing / kind).glob(pattern))
        if not files:
            continue
        paths = "[" + ", ".join(f"'{p.as_posix()}'" for p in files) + "]"
        source = (
            f"read_json({paths}, format='newline_delimited', "
            f"columns={_struct(_json_columns(table))}, filename=true)"
        )
        con.execute(f"insert into raw.{table} by name select {_select(table)} from {source} as r")


def _select(table: str) -> str:
    lineage = (
        "r.filename as source_file, cast(null as bigint) as source_line,"
        " cast(null as varchar) as record_hash, 'test' as ingest_run_id, '{}' as extras"
    )
    if table == "inference_events":
        return f"""
            r.event_id, {_ts("r.event_ts")} as event_ts,
            cast({_ts("r.event_ts")} as date) as event_date,
            r.trace_id, r.step_id, r.parent_step_id, r.output_id,
            {_STATE.format(c="r.state")} as state, r.state as state_raw, r.user_action,
            {_TRIGGER.format(c="r.trigger_type")} as trigger_type,
            r.trigger_type as trigger_type_raw, r.model_version, r.provider, r.deployment,
            r.prompt_version, r.guardrails_version, r.policy_version, r.context_hash,
            cast(r.input_tokens as bigint) as input_tokens,
            cast(r.output_tokens as bigint) as output_tokens,
            cast(r.cached_input_tokens as bigint) as cached_input_tokens,
            cast(r.reasoning_tokens as bigint) as reasoning_tokens,
            cast(r.inference_cost_usd as double) as inference_cost_usd,
            cast(r.inference_cost_usd as double) as inference_cost_usd_logged,
            case when r.inference_cost_usd is not null then 'logged' end as cost_source,
            cast(r.orchestration_cost_usd as double) as orchestration_cost_usd,
            cast(r.tool_cost_usd as double) as tool_cost_usd,
            cast(r.latency_ms as double) as latency_ms, r.status, r.status as status_raw,
            cast(r.retry_count as integer) as retry_count, cast(r.is_retry as boolean) as is_retry,
            r.tenant_id, case when r.user_id is not null
                then md5('{PSEUDONYM_KEY}' || r.user_id) end as user_pseudo_id,
            r.session_id, r.feature, r.endpoint, cast(r.cache_hit as boolean) as cache_hit,
            cast(r.escalated as boolean) as escalated, cast(r.confidence as double) as confidence,
            r.region, {lineage}"""
    if table == "output_transitions":
        return f"""
            r.transition_id, r.output_id, {_STATE.format(c="r.state")} as state,
            r.state as state_raw, {_ts("r.event_ts")} as event_ts,
            cast({_ts("r.event_ts")} as date) as event_date, r.trace_id, r.prior_output_id,
            r.content_hash, r.actor, r.trigger_type, {lineage}"""
    if table == "tool_calls":
        return f"""
            r.tool_call_id, r.tool_name, {_ts("r.event_ts")} as event_ts,
            cast({_ts("r.event_ts")} as date) as event_date, r.trace_id, r.decision_envelope_id,
            r.output_id, cast(r.success as boolean) as success, r.status, r.input_hash,
            r.output_hash, cast(r.latency_ms as double) as latency_ms,
            cast(r.retry_count as integer) as retry_count, r.error_message,
            cast(r.cost_usd as double) as cost_usd, {lineage}"""
    if table == "approvals":
        return f"""
            r.approval_id, r.output_id, r.decision_envelope_id, r.action,
            {_ts("r.event_ts")} as event_ts, cast({_ts("r.event_ts")} as date) as event_date,
            r.approver, r.notes, {lineage}"""
    if table == "revenue":
        return """
            r.tenant_id, cast(r.period_start as date) as period_start,
            cast(r.period_end as date) as period_end,
            cast(r.revenue_usd as double) as revenue_usd, r.plan"""
    raise ValueError(table)


def load_prices(con: duckdb.DuckDBPyConnection, landing: Path, models: Iterable[str]) -> None:
    """Price table for the given model strings (genai-prices plus the landing's overrides)."""
    overrides: list[pricing.ModelPrice] = []
    for path in sorted((landing / "prices").glob("*.csv")):
        overrides += pricing.load_overrides(path)
    rows = pricing.build_price_table(models, overrides)
    con.execute("delete from raw.model_prices")
    con.executemany(
        "insert into raw.model_prices values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.provider,
                r.model,
                r.effective_from,
                r.effective_to,
                r.input_per_mtok_usd,
                r.output_per_mtok_usd,
                r.cached_input_per_mtok_usd,
                r.per_request_usd,
                r.source,
            )
            for r in rows
        ],
    )


def price_unpriced_events(con: duckdb.DuckDBPyConnection) -> None:
    """Price events without a logged inference cost as of their day (ingestion's rule)."""
    con.execute(
        f"""
        update raw.inference_events as e
        set inference_cost_usd = {pricing.PRICE_SQL_EXPRESSION}, cost_source = 'priced'
        from raw.model_prices as p
        where e.inference_cost_usd is null and e.cost_source is null
          and p.model = e.model_version
          and e.event_date >= p.effective_from and e.event_date < p.effective_to
        """
    )
    con.execute(
        "update raw.inference_events set cost_source = 'unpriced' where cost_source is null"
    )


def build_from_landing(
    warehouse: Path, landing: Path, days: Iterable[dt.date | str] | None = None
) -> None:
    """Create (or extend) the raw zone of `warehouse` from a generator landing directory."""
    con = duckdb.connect(str(warehouse))
    try:
        create_raw_zone(con)
        if days is None:
            load_files(con, landing)
        else:
            # Revenue files are per month, not per day: load them once.
            if not con.execute("select count(*) from raw.revenue").fetchone()[0]:
                load_files(con, landing, kinds=("revenue",))
            day_kinds = [kind for kind in KIND_TABLES if kind != "revenue"]
            for day in days:
                load_files(con, landing, str(day), kinds=day_kinds)
        models = [
            row[0]
            for row in con.execute(
                "select distinct model_version from raw.inference_events"
                " where model_version is not null"
            ).fetchall()
        ]
        load_prices(con, landing, models)
        price_unpriced_events(con)
    finally:
        con.close()
