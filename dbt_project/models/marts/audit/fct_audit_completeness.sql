{{ incremental_by('date_day', depends_on=affected_days_inputs(), clear='affected_days()') }}
-- Grain: day (the output's first event day) x model_version x feature (the output's
-- attributes). Tier counts per output; completeness_rate = t1 outputs / outputs.

{{ with_affected(affected_days()) }}

provenance as (
    select * from {{ ref('int_outputs_provenance') }}
    {% if is_incremental() %}where first_event_date in (select date_day from affected){% endif %}
),

thresholds as (
    select direction, warning_threshold, critical_threshold
    from {{ ref('metric_thresholds') }}
    where metric = 'completeness_rate' and variant = '{{ var("threshold_variant") }}'
),

counts as (
    select
        first_event_date as date_day,
        attribute_model_version as model_version,
        feature,
        cast(count(*) as bigint) as outputs,
        cast({{ count_if('t0_provenance') }} as bigint) as t0_outputs,
        cast({{ count_if('t1_core_complete') }} as bigint) as t1_outputs,
        cast({{ count_if('t2_audit_complete') }} as bigint) as t2_outputs,
        cast({{ count_if('missing_trace_id') }} as bigint) as missing_trace_id,
        cast({{ count_if('missing_model_version') }} as bigint) as missing_model_version,
        cast({{ count_if('missing_prompt_version') }} as bigint) as missing_prompt_version,
        cast({{ count_if('missing_context_hash') }} as bigint) as missing_context_hash,
        cast({{ count_if('missing_envelope') }} as bigint) as missing_envelope
    from provenance
    group by 1, 2, 3
)

select
    c.*,
    {{ ratio('c.t1_outputs', 'c.outputs') }} as completeness_rate,
    {{ band_status(ratio('c.t1_outputs', 'c.outputs'), 't.direction', 't.warning_threshold', 't.critical_threshold') }}
        as status
from counts as c
left join thresholds as t on 1 = 1
