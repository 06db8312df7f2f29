{{ incremental_by('date_day') }}
-- Grain: event day x tenant_id. Additive counts and costs of the day's inference events,
-- so monthly and weekly rollups sum a few rows per day instead of scanning every event.
-- Incremental runs rebuild the days of the window's events.
{{ with_affected(window_event_days()) }}

events as (
    select *
    from {{ ref('int_inference_events_enriched') }}
    {{ where_affected('event_date') }}
)

select
    event_date as date_day,
    week_start,
    month_start,
    tenant_id,
    cast(count(*) as bigint) as inference_events,
    cast({{ count_if("trigger_type = 'undo'") }} as bigint) as undo_events,
    cast({{ count_if("user_action = 'generate'") }} as bigint) as generate_events,
    cast({{ count_if("user_action = 'regenerate'") }} as bigint) as regenerate_events,
    cast({{ count_if('not has_provenance') }} as bigint) as missing_provenance_events,
    cast({{ count_if('cache_hit') }} as bigint) as cache_hits,
    cast({{ count_if('cache_hit is not null') }} as bigint) as cache_lookups,
    cast(sum(total_cost_usd) as {{ dbl() }}) as total_cost_usd,
    cast(sum(case when is_hidden then total_cost_usd else 0 end) as {{ dbl() }}) as hidden_cost_usd
from events
group by event_date, week_start, month_start, tenant_id
