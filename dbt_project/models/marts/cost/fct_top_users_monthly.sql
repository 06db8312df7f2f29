-- Grain: month x user_pseudo_id, for the 20 costliest users of the month (pseudonymized ids
-- only), with the share of the month's cost that the top 5% of users drive.
with users as (
    select month_start, user_pseudo_id, sum(total_cost_usd) as total_cost_usd, count(*) as inference_events
    from {{ ref('int_inference_events_enriched') }}
    where user_pseudo_id is not null
    group by 1, 2
),

ranked as (
    select
        *,
        row_number() over (partition by month_start order by total_cost_usd desc, user_pseudo_id) as cost_rank,
        count(*) over (partition by month_start) as month_users,
        sum(total_cost_usd) over (partition by month_start) as month_user_cost_usd
    from users
),

concentration as (
    select
        month_start,
        {{ ratio('sum(case when cost_rank <= ceiling(0.05 * month_users) then total_cost_usd else 0 end)', 'max(month_user_cost_usd)') }}
            as top_5pct_users_cost_share
    from ranked
    group by month_start
)

select
    r.month_start,
    r.user_pseudo_id,
    cast(r.cost_rank as bigint) as cost_rank,
    cast(r.inference_events as bigint) as inference_events,
    cast(r.total_cost_usd as {{ dbl() }}) as total_cost_usd,
    {{ ratio('r.total_cost_usd', 'r.month_user_cost_usd') }} as cost_share,
    cast(r.month_users as bigint) as month_users,
    c.top_5pct_users_cost_share
from ranked as r
inner join concentration as c on c.month_start = r.month_start
where r.cost_rank <= 20
