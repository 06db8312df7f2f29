-- One row per decision envelope (flattened by ingestion).
select
    envelope_id,
    {{ clean_text('trace_id') }} as trace_id,
    cast(event_ts as {{ dbt.type_timestamp() }}) as event_ts,
    cast(coalesce(event_date, cast(event_ts as date)) as date) as event_date,
    {{ clean_text('output_id') }} as output_id,
    -- As logged: filters on it reach the raw table (a computed column hides it from them).
    output_id as logged_output_id,
    state,
    state_raw,
    {{ clean_text('user_action') }} as user_action,
    {{ clean_text('model_version') }} as model_version,
    {{ clean_text('prompt_version') }} as prompt_version,
    {{ clean_text('guardrails_version') }} as guardrails_version,
    {{ clean_text('policy_version') }} as policy_version,
    policy_rules,
    {{ json_array_length('policy_rules') }} as policy_rule_count,
    {{ clean_text('context_hash') }} as context_hash,
    {{ clean_text('content_hash') }} as content_hash,
    {{ clean_text('prior_output_id') }} as prior_output_id,
    {{ clean_text('tenant_id') }} as tenant_id,
    {{ clean_text('feature') }} as feature,
    user_pseudo_id,
    source_file,
    source_line,
    ingest_run_id
from {{ source('raw', 'decision_envelopes') }}
