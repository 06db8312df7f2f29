{{ incremental_by('date_day', depends_on=affected_days_inputs(), clear='affected_days()') }}
-- Grain: commit day x model_version x prompt_version x feature x tenant_id (the output's
-- attributes). The cohort view: each committed output's whole lifetime cost (all its
-- events, any day) on its commit day. Cost of events without an output or of outputs
-- never committed is not in this view (see fct_cost_per_outcome). Incremental runs rebuild
-- the commit days of the outputs with records in the window.
{{ with_affected(affected_days()) }}

committed as (
    select *
    from {{ ref('int_outputs_resolved') }}
    where succeeded {% if is_incremental() %}and commit_date in (select date_day from affected){% endif %}
)

select
    commit_date as date_day,
    model_version,
    prompt_version,
    feature,
    tenant_id,
    cast(count(*) as bigint) as committed_outcomes,
    cast(sum(inference_events) as bigint) as inference_events,
    cast(sum(lifetime_cost_usd) as {{ dbl() }}) as lifetime_cost_usd,
    {{ ratio('sum(lifetime_cost_usd)', 'count(*)') }} as cost_per_outcome
from committed
group by 1, 2, 3, 4, 5
