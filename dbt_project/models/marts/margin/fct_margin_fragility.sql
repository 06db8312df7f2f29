-- Grain: calendar month x tenant_id. Cost by event month, outcomes by commit month,
-- revenue from the revenue input by period_start month (null when unknown, never 0).

-- Rebuilt in full on every run from the (incremental) daily rollup and the outputs.

with events as (
    select
        month_start,
        tenant_id,
        sum(total_cost_usd) as total_cost_usd,
        sum(hidden_cost_usd) as hidden_cost_usd,
        sum(cache_hits) as cache_hits,
        sum(cache_lookups) as cache_lookups
    from {{ ref('int_inference_events_daily') }}
    group by 1, 2
),

outcomes as (
    select {{ month_start('commit_date') }} as month_start, tenant_id, count(*) as committed_outcomes
    from {{ ref('int_outputs_resolved') }}
    where succeeded
    group by 1, 2
),

revenue as (
    select {{ month_start('period_start') }} as month_start, tenant_id, sum(revenue_usd) as revenue_usd
    from {{ ref('stg_raw__revenue') }}
    group by 1, 2
),

keys as (
    select month_start, tenant_id from events
    union
    select month_start, tenant_id from outcomes
    union
    select month_start, tenant_id from revenue
),

joined as (
    select
        k.month_start,
        k.tenant_id,
        r.revenue_usd,
        cast(coalesce(e.total_cost_usd, 0) as {{ dbl() }}) as total_cost_usd,
        cast(coalesce(e.hidden_cost_usd, 0) as {{ dbl() }}) as hidden_cost_usd,
        cast(coalesce(o.committed_outcomes, 0) as bigint) as committed_outcomes,
        cast(coalesce(e.cache_hits, 0) as bigint) as cache_hits,
        cast(coalesce(e.cache_lookups, 0) as bigint) as cache_lookups
    from keys as k
    left join events as e
        on e.month_start = k.month_start
        and (e.tenant_id = k.tenant_id or (e.tenant_id is null and k.tenant_id is null))
    left join outcomes as o
        on o.month_start = k.month_start
        and (o.tenant_id = k.tenant_id or (o.tenant_id is null and k.tenant_id is null))
    left join revenue as r
        on r.month_start = k.month_start
        and (r.tenant_id = k.tenant_id or (r.tenant_id is null and k.tenant_id is null))
),

measures as (
    select
        *,
        {{ ratio('total_cost_usd', 'committed_outcomes') }} as cost_per_outcome,
        {{ ratio('revenue_usd', 'committed_outcomes') }} as revenue_per_outcome,
        revenue_usd - total_cost_usd as gross_margin_usd,
        {{ ratio('revenue_usd - total_cost_usd', 'revenue_usd') }} as gross_margin_pct,
        {{ ratio('total_cost_usd', 'revenue_usd') }} as spend_pct_of_revenue,
        {{ ratio('cache_hits', 'cache_lookups') }} as cache_hit_rate,
        {{ ratio('hidden_cost_usd', 'total_cost_usd') }} as hidden_cost_share
    from joined
),

trend as (
    select
        *,
        lag(spend_pct_of_revenue) over (partition by tenant_id order by month_start)
            as prior_spend_pct_of_revenue
    from measures
)

select
    month_start,
    tenant_id,
    revenue_usd,
    total_cost_usd,
    hidden_cost_usd,
    committed_outcomes,
    cost_per_outcome,
    revenue_per_outcome,
    gross_margin_usd,
    gross_margin_pct,
    spend_pct_of_revenue,
    -- The manual's spend-share trend: falling is healthy, flat (within 1 point) warning,
    -- rising critical.
    case
        when spend_pct_of_revenue is null or prior_spend_pct_of_revenue is null then null
        when spend_pct_of_revenue < prior_spend_pct_of_revenue - 0.01 then 'declining'
        when spend_pct_of_revenue > prior_spend_pct_of_revenue + 0.01 then 'rising'
        else 'flat'
    end as spend_pct_of_revenue_trend,
    cache_hits,
    cache_lookups,
    cache_hit_rate,
    hidden_cost_share
from trend
