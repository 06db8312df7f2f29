-- Grain: day. Daily cost / distinct active (pseudonymized) users.
select
    event_date as date_day,
    cast(count(*) as bigint) as inference_events,
    cast(count(distinct user_pseudo_id) as bigint) as active_users,
    cast(sum(total_cost_usd) as {{ dbl() }}) as total_cost_usd,
    {{ ratio('sum(total_cost_usd)', 'count(distinct user_pseudo_id)') }} as cost_per_active_user
from {{ ref('int_inference_events_enriched') }}
group by 1
