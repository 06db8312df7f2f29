{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='append_new_columns'
    )
}}
-- One row per tool call, linked to its output directly or through its decision envelope.
select
    t.tool_call_id,
    t.tool_name,
    t.event_ts,
    t.event_date,
    {{ week_start('t.event_date') }} as week_start,
    t.trace_id,
    t.decision_envelope_id,
    coalesce(t.output_id, d.output_id) as output_id,
    t.success,
    t.status,
    t.input_hash,
    t.output_hash,
    (t.input_hash is not null and t.output_hash is not null) as has_hashes,
    t.latency_ms,
    t.retry_count,
    t.error_message,
    t.cost_usd
from {{ ref('stg_raw__tool_calls') }} as t
left join {{ ref('stg_raw__decision_envelopes') }} as d
    on d.envelope_id = t.decision_envelope_id
where {{ in_window('t.event_date', 'event_date') }}
