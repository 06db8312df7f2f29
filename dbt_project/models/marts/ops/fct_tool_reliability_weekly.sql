{{ incremental_by('week_start') }}
-- Grain: ISO week (Monday) x tool_name. Success rate, retries and latency per tool.
-- Incremental runs rebuild the weeks of the window's tool calls.
{{ with_affected("select distinct week_start from " ~ ref('int_tool_calls_linked')
                 ~ " where " ~ in_window('event_date', 'week_start')) }}

calls as (
    select *
    from {{ ref('int_tool_calls_linked') }}
    {{ where_affected('week_start', key='week_start') }}
)

select
    week_start,
    tool_name,
    cast(count(*) as bigint) as tool_calls,
    cast({{ count_if('success') }} as bigint) as tool_successes,
    cast({{ count_if('not success') }} as bigint) as tool_failures,
    cast(sum(retry_count) as bigint) as tool_retries,
    cast({{ count_if('not has_hashes') }} as bigint) as calls_missing_hashes,
    cast(sum(coalesce(cost_usd, 0)) as {{ dbl() }}) as tool_cost_usd,
    {{ ratio(count_if('success'), 'count(*)') }} as tool_success_rate,
    cast({{ percentile('latency_ms', 0.5) }} as {{ dbl() }}) as latency_p50_ms,
    cast({{ percentile('latency_ms', 0.95) }} as {{ dbl() }}) as latency_p95_ms
from calls
group by week_start, tool_name
