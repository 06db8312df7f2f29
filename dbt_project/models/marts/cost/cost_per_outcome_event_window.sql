{{ incremental_by('date_day', depends_on=affected_days_inputs()) }}
-- Grain: day. The operations manual's diagnostic query, per day: cost of the day's events
-- divided by the distinct committed outputs among those events (an output counts as
-- committed when its current state is committed, as in a flat events table whose state
-- column is kept up to date). Differs from fct_cost_per_outcome, which counts outcomes on
-- their commit day; this one exists so teams can reconcile with SQL they already run.

{{ with_affected(affected_days(include_output_event_days=true)) }}

events as (
    select e.event_date, e.total_cost_usd, e.output_id, o.final_state
    from {{ ref('int_inference_events_enriched') }} as e
    left join {{ outputs_active_since('select min(date_day) from affected') }} as o
        on o.output_id = e.output_id
    {% if is_incremental() %}where e.event_date in (select date_day from affected){% endif %}
)

select
    event_date as date_day,
    cast(count(*) as bigint) as inference_events,
    cast(sum(total_cost_usd) as {{ dbl() }}) as total_cost_usd,
    cast(count(distinct case when final_state = 'committed' then output_id end) as bigint)
        as committed_outputs_in_window,
    {{ ratio('sum(total_cost_usd)', "count(distinct case when final_state = 'committed' then output_id end)") }}
        as cost_per_outcome_event_window
from events
group by 1
