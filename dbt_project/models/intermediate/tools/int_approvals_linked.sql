{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='append_new_columns'
    )
}}
-- One row per approval, linked to its output directly or through its decision envelope.
select
    a.approval_id,
    coalesce(a.output_id, d.output_id) as output_id,
    a.decision_envelope_id,
    a.action,
    a.event_ts,
    a.event_date,
    a.approver,
    (a.approver is not null and a.event_ts is not null) as is_attributed
from {{ ref('stg_raw__approvals') }} as a
left join {{ ref('stg_raw__decision_envelopes') }} as d
    on d.envelope_id = a.decision_envelope_id
where {{ in_window('a.event_date', 'event_date') }}
