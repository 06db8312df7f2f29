-- One row per tool invocation; success is derived from status when not logged.
select
    tool_call_id,
    tool_name,
    cast(event_ts as {{ dbt.type_timestamp() }}) as event_ts,
    event_date,
    {{ clean_text('trace_id') }} as trace_id,
    decision_envelope_id,
    {{ clean_text('output_id') }} as output_id,
    coalesce(success, lower(status) in ('success', 'ok', 'succeeded')) as success,
    status,
    {{ clean_text('input_hash') }} as input_hash,
    {{ clean_text('output_hash') }} as output_hash,
    cast(latency_ms as {{ dbl() }}) as latency_ms,
    coalesce(retry_count, 0) as retry_count,
    error_message,
    cast(cost_usd as {{ dbl() }}) as cost_usd,
    source_file,
    source_line,
    ingest_run_id
from {{ source('raw', 'tool_calls') }}
