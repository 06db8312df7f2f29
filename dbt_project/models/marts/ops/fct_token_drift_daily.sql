{{ incremental_by('date_day') }}
-- Grain: day x model_version. Average and p95 tokens per call: rising input tokens at a
-- steady output is the context-bloat signature. Incremental runs rebuild the days of the
-- window's events.
{{ with_affected(window_event_days()) }}

days as (
    select *
    from {{ ref('int_inference_events_enriched') }}
    {{ where_affected('event_date') }}
)

select
    event_date as date_day,
    model_version,
    cast(count(*) as bigint) as inference_events,
    cast(sum(input_tokens) as bigint) as input_tokens,
    cast(sum(output_tokens) as bigint) as output_tokens,
    cast(sum(cached_input_tokens) as bigint) as cached_input_tokens,
    {{ ratio('sum(input_tokens)', 'count(input_tokens)') }} as avg_input_tokens,
    {{ ratio('sum(output_tokens)', 'count(output_tokens)') }} as avg_output_tokens,
    cast({{ percentile('input_tokens', 0.95) }} as {{ dbl() }}) as p95_input_tokens,
    cast({{ percentile('output_tokens', 0.95) }} as {{ dbl() }}) as p95_output_tokens
from days
group by 1, 2
