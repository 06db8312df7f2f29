-- Grain: week_start x scope x scope_id (scope 'all' with scope_id 'all', or 'tenant' with
-- the tenant id). The elasticity is the least-squares slope of ln(weekly total cost) on
-- ln(weekly committed outcomes) over the trailing `elasticity_weeks` weeks ending at
-- week_start (time-series fit, not across tenants). Weeks with no cost or no outcomes are
-- not points. Verdict: improve (< 0.95), flat (0.95-1.05), collapse (> 1.05); null when
-- fewer than `elasticity_min_points` points.

{%- set weeks = var('elasticity_weeks') | int %}
{%- set min_points = var('elasticity_min_points') | int %}

-- Rebuilt in full on every run from the (incremental) daily rollup and the outputs.

with events as (
    select week_start, tenant_id, total_cost_usd from {{ ref('int_inference_events_daily') }}
),

outputs as (
    select * from {{ ref('int_outputs_resolved') }} where succeeded
),

cost_by_scope as (
    select week_start, 'all' as scope, 'all' as scope_id, sum(total_cost_usd) as total_cost_usd
    from events group by 1
    union all
    select week_start, 'tenant', tenant_id, sum(total_cost_usd)
    from events where tenant_id is not null group by 1, 3
),

outcomes_by_scope as (
    select {{ week_start('commit_date') }} as week_start, 'all' as scope, 'all' as scope_id,
           count(*) as committed_outcomes
    from outputs group by 1
    union all
    select {{ week_start('commit_date') }}, 'tenant', tenant_id, count(*)
    from outputs where tenant_id is not null group by 1, 3
),

points as (
    select
        coalesce(c.week_start, o.week_start) as week_start,
        coalesce(c.scope, o.scope) as scope,
        coalesce(c.scope_id, o.scope_id) as scope_id,
        cast(coalesce(c.total_cost_usd, 0) as {{ dbl() }}) as total_cost_usd,
        cast(coalesce(o.committed_outcomes, 0) as bigint) as committed_outcomes
    from cost_by_scope as c
    full outer join outcomes_by_scope as o
        on o.week_start = c.week_start and o.scope = c.scope and o.scope_id = c.scope_id
),

logs as (
    select
        *,
        case when total_cost_usd > 0 and committed_outcomes > 0 then ln(total_cost_usd) end as ln_cost,
        case when total_cost_usd > 0 and committed_outcomes > 0
             then ln(cast(committed_outcomes as {{ dbl() }})) end as ln_outcomes
    from points
),

-- Self-join instead of a frame over rows: weeks without any record must still age out
-- of the trailing window by calendar.
fits as (
    select
        cur.week_start,
        cur.scope,
        cur.scope_id,
        {{ regression_slope('hist.ln_cost', 'hist.ln_outcomes') }} as elasticity,
        {{ regression_r2('hist.ln_cost', 'hist.ln_outcomes') }} as r_squared,
        {{ regression_count('hist.ln_cost', 'hist.ln_outcomes') }} as n_points
    from logs as cur
    inner join logs as hist
        on hist.scope = cur.scope
        and hist.scope_id = cur.scope_id
        and hist.week_start <= cur.week_start
        and hist.week_start > {{ dbt.dateadd('day', -7 * weeks, 'cur.week_start') }}
    group by 1, 2, 3
)

select
    l.week_start,
    l.scope,
    l.scope_id,
    l.total_cost_usd,
    l.committed_outcomes,
    cast(f.n_points as bigint) as n_points,
    case when f.n_points >= {{ min_points }} then f.elasticity end as elasticity,
    case when f.n_points >= {{ min_points }} then f.r_squared end as r_squared,
    case
        when f.n_points < {{ min_points }} or f.elasticity is null then null
        when f.elasticity < 0.95 then 'improve'
        when f.elasticity > 1.05 then 'collapse'
        else 'flat'
    end as verdict,
    case when f.n_points >= {{ min_points }} and f.elasticity is not null
         then l.total_cost_usd * power(10, f.elasticity) end as projected_cost_10x_usd
from logs as l
inner join fits as f
    on f.week_start = l.week_start and f.scope = l.scope and f.scope_id = l.scope_id
