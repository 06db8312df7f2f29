{{ incremental_by('date_day') }}
-- Grain: hour (UTC) x endpoint x model_version. Latency percentiles of inference calls.
-- Incremental runs rebuild the days of the window's events.
{{ with_affected(window_event_days()) }}

days as (
    select *
    from {{ ref('int_inference_events_enriched') }}
    {{ where_affected('event_date') }}
)

select
    cast({{ dbt.date_trunc('hour', 'event_ts') }} as {{ dbt.type_timestamp() }}) as hour_start,
    event_date as date_day,
    endpoint,
    model_version,
    cast(count(*) as bigint) as inference_events,
    cast({{ percentile('latency_ms', 0.5) }} as {{ dbl() }}) as latency_p50_ms,
    cast({{ percentile('latency_ms', 0.95) }} as {{ dbl() }}) as latency_p95_ms,
    cast({{ percentile('latency_ms', 0.99) }} as {{ dbl() }}) as latency_p99_ms
from days
where latency_ms is not null
group by 1, 2, 3, 4
