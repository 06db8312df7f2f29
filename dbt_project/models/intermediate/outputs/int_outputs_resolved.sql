{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='output_id',
        on_schema_change='append_new_columns'
    )
}}
-- One row per output seen anywhere (inference events, state transitions, decision
-- envelopes): final state, whether and when it was committed, and its descriptive
-- attributes from its latest inference event at or before commit.

-- Incremental runs recompute the outputs touched in the window, from all their records.
{%- set inline_on_full_build = '' if is_incremental() else inline_cte() %}
with
{% if is_incremental() %}
touched as ({{ touched_outputs('last_activity_date') }}),

-- No event, transition or envelope of a touched output precedes this day: a record older
-- than the window was there at the previous build, so it is no older than the output's
-- first record then. (Approvals' escalate flag is read without the bound: an output can be
-- new here while its approvals are not.)
records_since as ({{ records_since_sql([
    "select cast(first_seen_at as date) as day from " ~ this
        ~ " where output_id in (select output_id from touched)",
    "select " ~ window_start('last_activity_date') ~ " as day"]) }}),
{% endif %}

-- The inputs are read by several CTEs below. On a full build, inlining them lets each reader
-- scan only the columns it needs instead of writing a full copy first (about half the
-- model's time at 10M); an incremental run keeps its small copies of the touched outputs.
events as {{ inline_on_full_build }} (
    select * from {{ ref('int_inference_events_enriched') }}
    where output_id is not null {{ only_touched(since='records_since') }}
),

transitions as {{ inline_on_full_build }} (
    select * from {{ ref('stg_raw__output_transitions') }}
    where 1 = 1 {{ only_touched(since='records_since') }}
),

envelopes as {{ inline_on_full_build }} (
    select * from {{ ref('stg_raw__decision_envelopes') }}
    where output_id is not null {{ only_touched(since='records_since') }}
),

-- Observed states: an output's state transitions when it has any (commit time is the
-- first committed transition); otherwise the states logged on its envelopes and events
-- (the manual's flat shape, where each event row carries the output's state).
with_transitions as (
    select distinct output_id from transitions
),

state_observations as {{ inline_on_full_build }} (
    select output_id, event_ts, state, 1 as source_rank, transition_id as observation_id
    from transitions where state is not null
    union all
    select output_id, event_ts, state, 2, envelope_id from envelopes
    where state is not null
      and output_id not in (select output_id from with_transitions)
    union all
    select output_id, event_ts, state, 3, event_id from events
    where state is not null
      and output_id not in (select output_id from with_transitions)
),

final_state as (
    select output_id, state as final_state
    from (
        select
            output_id,
            state,
            row_number() over (
                partition by output_id
                order by event_ts desc, source_rank asc, observation_id desc
            ) as rn
        from state_observations
    ) as ranked
    where rn = 1
),

commits as (
    select output_id, min(event_ts) as committed_at
    from state_observations
    where state = 'committed'
    group by output_id
),

outputs as (
    select output_id, min(event_ts) as first_seen_at, max(event_date) as last_record_date
    from (
        select output_id, event_ts, event_date from events
        union all select output_id, event_ts, event_date from transitions
        union all select output_id, event_ts, event_date from envelopes
    ) as seen
    group by output_id
),

-- Linked tool calls and approvals count as activity: a late approval changes the audit
-- verdict of the output's first day. Only the latest counts, and one before records_since
-- is older than the output's own records, so the scan starts there too.
linked_activity as (
    select output_id, max(event_date) as last_linked_date
    from (
        select output_id, event_date from {{ ref('int_tool_calls_linked') }}
        union all select output_id, event_date from {{ ref('int_approvals_linked') }}
    ) as linked
    where output_id is not null {{ only_touched(since='records_since') }}
    group by output_id
),

event_rollup as (
    select
        output_id,
        min(event_ts) as first_event_at,
        count(*) as inference_events,
        sum(total_cost_usd) as lifetime_cost_usd,
        max(case when is_escalated then 1 else 0 end) as any_escalated,
        max(case when user_action = 'regenerate' then 1 else 0 end) as any_regenerate
    from events
    group by output_id
),

-- The attribute event: the latest at or before commit; when none precedes the commit, the
-- first one after it; when never committed, the latest.
attribute_event as (
    select *
    from (
        select
            e.output_id,
            e.event_id,
            e.model_version,
            e.prompt_version,
            e.feature,
            e.tenant_id,
            e.provider,
            e.deployment,
            e.user_action,
            e.trigger_type,
            row_number() over (
                partition by e.output_id
                order by
                    case when c.committed_at is null or e.event_ts <= c.committed_at then 0 else 1 end,
                    case when c.committed_at is null or e.event_ts <= c.committed_at then e.event_ts end desc nulls last,
                    e.event_ts asc,
                    e.event_id desc
            ) as rn
        from events as e
        left join commits as c on c.output_id = e.output_id
    ) as ranked
    where rn = 1
),

latest_envelope as (
    select *
    from (
        select
            *,
            row_number() over (partition by output_id order by event_ts desc, envelope_id desc) as rn
        from envelopes
    ) as ranked
    where rn = 1
),

approvals as (
    select output_id, max(case when action = 'escalate' then 1 else 0 end) as any_escalate_action
    from {{ ref('int_approvals_linked') }}
    where output_id is not null {{ only_touched() }}
    group by output_id
)

select
    o.output_id,
    f.final_state,
    (c.committed_at is not null) as succeeded,
    c.committed_at,
    cast(c.committed_at as date) as commit_date,
    o.first_seen_at,
    cast(coalesce(r.first_event_at, o.first_seen_at) as date) as first_event_date,
    case
        when l.last_linked_date is not null and l.last_linked_date > o.last_record_date
        then l.last_linked_date else o.last_record_date
    end as last_activity_date,
    a.event_id as attribute_event_id,
    case when r.output_id is null then le.model_version else a.model_version end as model_version,
    case when r.output_id is null then le.prompt_version else a.prompt_version end as prompt_version,
    case when r.output_id is null then le.feature else a.feature end as feature,
    case when r.output_id is null then le.tenant_id else a.tenant_id end as tenant_id,
    a.provider,
    a.deployment,
    a.trigger_type,
    coalesce(r.inference_events, 0) as inference_events,
    coalesce(r.lifetime_cost_usd, 0) as lifetime_cost_usd,
    (coalesce(r.any_escalated, 0) = 1 or coalesce(ap.any_escalate_action, 0) = 1) as is_escalated,
    (coalesce(r.any_regenerate, 0) = 1 or le.user_action = 'regenerate') as is_regeneration
from outputs as o
left join final_state as f on f.output_id = o.output_id
left join commits as c on c.output_id = o.output_id
left join event_rollup as r on r.output_id = o.output_id
left join attribute_event as a on a.output_id = o.output_id
left join latest_envelope as le on le.output_id = o.output_id
left join linked_activity as l on l.output_id = o.output_id
left join approvals as ap on ap.output_id = o.output_id
