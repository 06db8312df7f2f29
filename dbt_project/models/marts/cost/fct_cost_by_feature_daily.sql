{{ incremental_by('date_day') }}
-- Grain: day x feature. Cost and its share of the day's cost, events, active users.
-- Incremental runs rebuild the days of the window's events.
{{ with_affected(window_event_days()) }}

days as (
    select
        event_date as date_day,
        feature,
        count(*) as inference_events,
        count(distinct user_pseudo_id) as active_users,
        sum(total_cost_usd) as total_cost_usd
    from {{ ref('int_inference_events_enriched') }}
    {{ where_affected('event_date') }}
    group by 1, 2
)

select
    date_day,
    feature,
    cast(inference_events as bigint) as inference_events,
    cast(active_users as bigint) as active_users,
    cast(total_cost_usd as {{ dbl() }}) as total_cost_usd,
    {{ ratio('total_cost_usd', 'sum(total_cost_usd) over (partition by date_day)') }} as cost_share
from days
