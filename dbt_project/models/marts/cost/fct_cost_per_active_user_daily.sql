{{ incremental_by('date_day') }}
-- Grain: day. Daily cost / distinct active (pseudonymized) users. Incremental runs rebuild
-- the days of the window's events.
{{ with_affected(window_event_days()) }}

days as (
    select *
    from {{ ref('int_inference_events_enriched') }}
    {{ where_affected('event_date') }}
)

select
    event_date as date_day,
    cast(count(*) as bigint) as inference_events,
    cast(count(distinct user_pseudo_id) as bigint) as active_users,
    cast(sum(total_cost_usd) as {{ dbl() }}) as total_cost_usd,
    {{ ratio('sum(total_cost_usd)', 'count(distinct user_pseudo_id)') }} as cost_per_active_user
from days
group by 1
