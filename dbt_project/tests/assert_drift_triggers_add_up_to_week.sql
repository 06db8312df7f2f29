-- Reads several models; reported in Dagster as a check on the mart it guards.
{{ config(meta={'dagster': {'ref': {'name': 'fct_control_surface_drift'}}}) }}

-- Accounting identity: per week, trigger rows add up to the week's events and cost.
with by_trigger as (
    select week_start, sum(inference_events) as events, sum(total_cost_usd) as cost_usd
    from {{ ref('fct_control_surface_drift') }}
    group by week_start
)

select t.week_start, t.events, w.inference_events, t.cost_usd, w.total_cost_usd
from by_trigger as t
inner join {{ ref('fct_control_surface_weekly') }} as w on w.week_start = t.week_start
where t.events <> w.inference_events
   or abs(t.cost_usd - w.total_cost_usd) > 1e-9 * greatest(abs(w.total_cost_usd), 1)
