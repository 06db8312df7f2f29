{{ incremental_by('week_start', depends_on=affected_days_inputs()) }}
-- Grain: ISO week (Monday). Request reliability and efficiency rates of the week (the
-- manual's metrics reference), each from summed counts. Incremental runs rebuild the weeks
-- of the reprocessed days, of every event of the outputs with records in the window (their
-- final state decides the speculative share) and of the window's tool calls.

{{ with_affected(
    "select distinct " ~ week_start('date_day') ~ " as week_start from ("
    ~ affected_days('week_start', include_output_event_days=true) ~ ") as days"
    ~ " union select week_start from " ~ ref('int_tool_calls_linked')
    ~ " where " ~ in_window('event_date', 'week_start')) }}

scoped_events as (
    select *
    from {{ ref('int_inference_events_enriched') }}
    {{ where_affected('week_start', key='week_start') }}
),

events as (
    select
        week_start,
        count(*) as inference_events,
        {{ count_if('is_retry') }} as retry_events,
        {{ count_if("status = 'timeout'") }} as timeout_events,
        {{ count_if("status in ('failed', 'timeout')") }} as error_events,
        {{ count_if('cache_hit') }} as cache_hits,
        {{ count_if('cache_hit is not null') }} as cache_lookups,
        {{ count_if("trigger_type = 'unknown'") }} as unknown_trigger_events,
        {{ count_if('not has_provenance') }} as missing_provenance_events,
        {{ percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as latency_p95_ms,
        {{ percentile('latency_ms', 0.99) }} as latency_p99_ms,
        sum(total_cost_usd) as total_cost_usd
    from scoped_events
    group by week_start
),

-- Speculative share: cost of outputs that ended draft or rejected, by the event's week.
speculative as (
    select e.week_start, sum(e.total_cost_usd) as speculative_cost_usd
    from scoped_events as e
    inner join {{ outputs_active_since('select min(week_start) from affected') }} as o
        on o.output_id = e.output_id
    where o.final_state in ('draft', 'rejected')
    group by e.week_start
),

outputs as (
    select
        {{ week_start('first_event_date') }} as week_start,
        count(*) as outputs,
        {{ count_if('is_escalated') }} as escalated_outputs
    from {{ ref('int_outputs_resolved') }}
    {{ where_affected(week_start('first_event_date'), key='week_start') }}
    group by 1
),

tools as (
    select
        week_start,
        count(*) as tool_calls,
        {{ count_if('success') }} as tool_successes
    from {{ ref('int_tool_calls_linked') }}
    {{ where_affected('week_start', key='week_start') }}
    group by week_start
)

select
    e.week_start,
    cast(e.inference_events as bigint) as inference_events,
    cast(e.retry_events as bigint) as retry_events,
    cast(e.timeout_events as bigint) as timeout_events,
    cast(e.error_events as bigint) as error_events,
    cast(e.cache_hits as bigint) as cache_hits,
    cast(e.cache_lookups as bigint) as cache_lookups,
    cast(e.unknown_trigger_events as bigint) as unknown_trigger_events,
    cast(coalesce(o.outputs, 0) as bigint) as outputs,
    cast(coalesce(o.escalated_outputs, 0) as bigint) as escalated_outputs,
    cast(coalesce(t.tool_calls, 0) as bigint) as tool_calls,
    cast(coalesce(t.tool_successes, 0) as bigint) as tool_successes,
    cast(e.total_cost_usd as {{ dbl() }}) as total_cost_usd,
    cast(coalesce(s.speculative_cost_usd, 0) as {{ dbl() }}) as speculative_cost_usd,
    {{ ratio('e.retry_events', 'e.inference_events') }} as retry_rate,
    {{ ratio('e.timeout_events', 'e.inference_events') }} as timeout_rate,
    {{ ratio('e.error_events', 'e.inference_events') }} as error_rate,
    {{ ratio('e.cache_hits', 'e.cache_lookups') }} as cache_hit_rate,
    {{ ratio('e.unknown_trigger_events', 'e.inference_events') }} as unknown_trigger_share,
    {{ ratio('e.missing_provenance_events', 'e.inference_events') }} as missing_provenance_rate,
    {{ ratio('o.escalated_outputs', 'o.outputs') }} as escalation_rate,
    {{ ratio('t.tool_successes', 't.tool_calls') }} as tool_success_rate,
    {{ ratio('s.speculative_cost_usd', 'e.total_cost_usd') }} as speculative_share,
    cast(e.latency_p50_ms as {{ dbl() }}) as latency_p50_ms,
    cast(e.latency_p95_ms as {{ dbl() }}) as latency_p95_ms,
    cast(e.latency_p99_ms as {{ dbl() }}) as latency_p99_ms
from events as e
left join outputs as o on o.week_start = e.week_start
left join tools as t on t.week_start = e.week_start
left join speculative as s on s.week_start = e.week_start
