-- One row per state change of an output.
select
    transition_id,
    {{ clean_text('output_id') }} as output_id,
    state,
    state_raw,
    cast(event_ts as {{ dbt.type_timestamp() }}) as event_ts,
    event_date,
    {{ clean_text('trace_id') }} as trace_id,
    {{ clean_text('prior_output_id') }} as prior_output_id,
    {{ clean_text('content_hash') }} as content_hash,
    actor,
    trigger_type,
    source_file,
    source_line,
    ingest_run_id
from {{ source('raw', 'output_transitions') }}
where output_id is not null
