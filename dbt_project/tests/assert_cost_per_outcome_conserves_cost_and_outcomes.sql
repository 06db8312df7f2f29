-- Reads several models; reported in Dagster as a check on the mart it guards.
{{ config(meta={'dagster': {'ref': {'name': 'fct_cost_per_outcome'}}}) }}

-- Accounting identity: every event's cost and every committed output lands in
-- fct_cost_per_outcome exactly once (no attribution drops or double counts).
with mart as (
    select sum(total_cost_usd) as cost_usd, sum(inference_events) as events, sum(committed_outcomes) as outcomes
    from {{ ref('fct_cost_per_outcome') }}
),

events as (
    select sum(total_cost_usd) as cost_usd, count(*) as events
    from {{ ref('int_inference_events_enriched') }}
),

outputs as (
    select count(*) as outcomes from {{ ref('int_outputs_resolved') }} where succeeded
)

select *
from mart
cross join events as e
cross join outputs as o
where abs(coalesce(mart.cost_usd, 0) - coalesce(e.cost_usd, 0)) > 1e-9 * greatest(abs(coalesce(e.cost_usd, 0)), 1)
   or coalesce(mart.events, 0) <> e.events
   or coalesce(mart.outcomes, 0) <> o.outcomes
