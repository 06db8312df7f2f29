-- One row per output with its provenance fields and audit tiers. Each field comes from the
-- output's decision envelope when present there, else from its attribute event (latest
-- inference event at or before commit).

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='output_id',
        on_schema_change='append_new_columns'
    )
}}
{%- set require_envelopes = var('require_envelopes') %}

with outputs as (
    -- Incremental runs: the outputs recomputed upstream (last activity in the window).
    select * from {{ ref('int_outputs_resolved') }}
    {% if is_incremental() %}
    where last_activity_date >= {{ window_start('first_event_date') }}
    {% endif %}
),

{% if is_incremental() %}
touched as (
    select output_id from outputs
),
{% endif %}


events as (
    select event_id, trace_id, model_version, prompt_version, context_hash, user_action,
           guardrails_version, policy_version
    from {{ ref('int_inference_events_enriched') }}
    where output_id is not null {{ only_touched() }}
),

envelopes as (
    select *
    from (
        select
            *,
            row_number() over (partition by output_id order by event_ts desc, envelope_id desc) as rn
        from {{ ref('stg_raw__decision_envelopes') }}
        where output_id is not null {{ only_touched() }}
    ) as ranked
    where rn = 1
),

transition_facts as (
    select
        output_id,
        max(prior_output_id) as prior_output_id,
        max(content_hash) as content_hash
    from {{ ref('stg_raw__output_transitions') }}
    where 1 = 1 {{ only_touched() }}
    group by output_id
),

tools as (
    select
        output_id,
        count(*) as tool_calls,
        {{ count_if('not has_hashes') }} as tool_calls_missing_hashes
    from {{ ref('int_tool_calls_linked') }}
    where output_id is not null {{ only_touched() }}
    group by output_id
),

approvals as (
    select output_id, {{ count_if('is_attributed') }} as attributed_approvals
    from {{ ref('int_approvals_linked') }}
    where output_id is not null {{ only_touched() }}
    group by output_id
),

-- Exactly one row.
envelope_mode as (
    {%- if require_envelopes == 'auto' %}
    select (count(*) > 0) as envelopes_required from {{ ref('stg_raw__decision_envelopes') }}
    {%- elif require_envelopes in [true, 'true', 'True'] %}
    select true as envelopes_required
    {%- else %}
    select false as envelopes_required
    {%- endif %}
),

fields as (
    select
        o.output_id,
        o.first_event_date,
        o.model_version as attribute_model_version,
        o.feature,
        o.tenant_id,
        o.final_state,
        o.is_escalated,
        o.is_regeneration,
        (env.output_id is not null) as has_envelope,
        m.envelopes_required,
        coalesce(env.trace_id, ev.trace_id) as trace_id,
        coalesce(env.model_version, ev.model_version) as model_version,
        coalesce(env.prompt_version, ev.prompt_version) as prompt_version,
        coalesce(env.context_hash, ev.context_hash) as context_hash,
        coalesce(env.user_action, ev.user_action) as user_action,
        coalesce(env.guardrails_version, ev.guardrails_version) as guardrails_version,
        coalesce(env.policy_version, ev.policy_version) as policy_version,
        coalesce(env.content_hash, tr.content_hash) as content_hash,
        coalesce(env.prior_output_id, tr.prior_output_id) as prior_output_id,
        coalesce(t.tool_calls, 0) as tool_calls,
        coalesce(t.tool_calls_missing_hashes, 0) as tool_calls_missing_hashes,
        coalesce(a.attributed_approvals, 0) as attributed_approvals
    from outputs as o
    cross join envelope_mode as m
    left join envelopes as env on env.output_id = o.output_id
    left join events as ev on ev.event_id = o.attribute_event_id
    left join transition_facts as tr on tr.output_id = o.output_id
    left join tools as t on t.output_id = o.output_id
    left join approvals as a on a.output_id = o.output_id
),

flags as (
    select
        *,
        (envelopes_required and not has_envelope) as missing_envelope,
        (trace_id is null) as missing_trace_id,
        (model_version is null) as missing_model_version,
        (prompt_version is null) as missing_prompt_version,
        (context_hash is null) as missing_context_hash,
        (user_action is null) as missing_user_action,
        (final_state is null) as missing_state,
        (content_hash is null) as missing_content_hash,
        (guardrails_version is null and policy_version is null) as missing_policy_version,
        (tool_calls_missing_hashes > 0) as missing_tool_hashes,
        (is_escalated and attributed_approvals = 0) as missing_approval,
        (is_regeneration and prior_output_id is null) as missing_prior_reference
    from fields
)

select
    *,
    (not missing_trace_id and not missing_model_version) as t0_provenance,
    (not missing_envelope and not missing_trace_id and not missing_model_version
     and not missing_prompt_version and not missing_context_hash) as t1_core_complete,
    (not missing_envelope and not missing_trace_id and not missing_model_version
     and not missing_prompt_version and not missing_context_hash
     and not missing_user_action and not missing_state and not missing_content_hash
     and not missing_policy_version and not missing_tool_hashes and not missing_approval
     and not missing_prior_reference) as t2_audit_complete
from flags
