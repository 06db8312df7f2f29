{{ incremental_by('date_day', depends_on=affected_days_inputs(), clear='affected_days()') }}
-- Grain: one row per output that is not t1 (core) complete, with the missing elements
-- (semicolon-separated, fixed order) and the t2 elements it also lacks, so the gap can be
-- fixed rather than only counted. date_day is the output's first event day.

{{ with_affected(affected_days()) }}

provenance as (
    select * from {{ ref('int_outputs_provenance') }}
    {% if is_incremental() %}where first_event_date in (select date_day from affected){% endif %}
),

named as (
    select
        *,
        {%- set t1_parts = ['envelope', 'trace_id', 'model_version', 'prompt_version', 'context_hash'] %}
        {%- set t2_parts = ['user_action', 'state', 'content_hash', 'policy_version', 'tool_hashes', 'approval', 'prior_reference'] %}
        {%- for part in t1_parts %}
        case when missing_{{ part }} then ';{{ part }}' else '' end {% if not loop.last %}||{% endif %}
        {%- endfor %} as t1_missing_list,
        {%- for part in t2_parts %}
        case when missing_{{ part }} then ';{{ part }}' else '' end {% if not loop.last %}||{% endif %}
        {%- endfor %} as t2_missing_list
    from provenance
)

select
    first_event_date as date_day,
    output_id,
    attribute_model_version as model_version,
    feature,
    tenant_id,
    t0_provenance,
    t2_audit_complete,
    substr(t1_missing_list, 2) as missing,
    case when t2_missing_list = '' then null
         else substr(t2_missing_list, 2) end
        as missing_t2_elements
from named
where not t1_core_complete
