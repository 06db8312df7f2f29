-- One row per human decision on an output.
select
    approval_id,
    {{ clean_text('output_id') }} as output_id,
    decision_envelope_id,
    lower(action) as action,
    cast(event_ts as {{ dbt.type_timestamp() }}) as event_ts,
    event_date,
    {{ clean_text('approver') }} as approver,
    notes,
    source_file,
    source_line,
    ingest_run_id
from {{ source('raw', 'approvals') }}
