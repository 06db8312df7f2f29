{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='append_new_columns'
    )
}}
-- One row per inference event with final costs, trigger flags and time keys. Only
-- properties of the event itself live here (output-level facts change as late commits
-- arrive and are joined downstream), so an incremental day never goes stale.

with events as (
    select * from {{ ref('stg_raw__inference_events') }}
    where {{ in_window('event_date', 'event_date') }}
),

prices as (
    select * from {{ ref('stg_raw__model_prices') }}
),

-- Ingestion prices events that lack a logged cost; pricing again here (as of the event
-- time) covers raw zones written without that step and never overrides a known cost.
priced as (
    select
        e.*,
        case
            when e.inference_cost_usd is null and p.model_version is not null
                 and e.input_tokens is not null and e.output_tokens is not null
            then ((e.input_tokens - coalesce(e.cached_input_tokens, 0)) * p.input_per_mtok_usd
                  + coalesce(e.cached_input_tokens, 0) * p.cached_input_per_mtok_usd
                  + e.output_tokens * p.output_per_mtok_usd) / 1e6 + p.per_request_usd
        end as inference_cost_usd_priced
    from events as e
    left join prices as p
        on e.inference_cost_usd is null
        and p.model_version = e.model_version
        and e.event_date >= p.effective_from
        and e.event_date < p.effective_to
),

taxonomy as (
    select trigger_type, is_hidden, is_legacy3_hidden from {{ ref('trigger_taxonomy') }}
)

select
    e.event_id,
    e.event_ts,
    e.event_date,
    {{ week_start('e.event_date') }} as week_start,
    {{ month_start('e.event_date') }} as month_start,
    e.trace_id,
    e.step_id,
    e.parent_step_id,
    e.output_id,
    e.state,
    e.user_action,
    case when t.trigger_type is null then 'unknown' else e.trigger_type end as trigger_type,
    e.trigger_type_raw,
    e.model_version,
    e.provider,
    e.deployment,
    e.prompt_version,
    e.guardrails_version,
    e.policy_version,
    e.context_hash,
    e.input_tokens,
    e.output_tokens,
    e.cached_input_tokens,
    e.reasoning_tokens,
    coalesce(e.inference_cost_usd, e.inference_cost_usd_priced, 0) as inference_cost_usd,
    coalesce(e.orchestration_cost_usd, 0) as orchestration_cost_usd,
    coalesce(e.tool_cost_usd, 0) as tool_cost_usd,
    coalesce(e.inference_cost_usd, e.inference_cost_usd_priced, 0)
        + coalesce(e.orchestration_cost_usd, 0)
        + coalesce(e.tool_cost_usd, 0) as total_cost_usd,
    case
        when e.cost_source is not null then e.cost_source
        when e.inference_cost_usd_logged is not null then 'logged'
        when e.inference_cost_usd is not null then 'logged'
        when e.inference_cost_usd_priced is not null then 'priced'
        else 'unpriced'
    end as cost_source,
    e.latency_ms,
    e.status,
    e.retry_count,
    (coalesce(e.is_retry, false) or e.trigger_type = 'retry' or coalesce(e.retry_count, 0) > 0)
        as is_retry,
    coalesce(t.is_hidden, false) as is_hidden,
    coalesce(t.is_legacy3_hidden, false) as is_legacy3_hidden,
    (e.trace_id is not null and e.model_version is not null) as has_provenance,
    e.tenant_id,
    e.user_pseudo_id,
    e.session_id,
    e.feature,
    e.endpoint,
    e.cache_hit,
    coalesce(e.escalated, false) as is_escalated,
    e.confidence,
    e.region,
    e.ingest_run_id
from priced as e
left join taxonomy as t on t.trigger_type = e.trigger_type
