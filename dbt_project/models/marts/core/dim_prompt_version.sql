-- Grain: one row per prompt_version seen in inference events.
select
    prompt_version,
    min(event_date) as first_seen_date,
    max(event_date) as last_seen_date,
    cast(count(*) as bigint) as inference_events,
    cast(count(distinct output_id) as bigint) as outputs,
    cast(sum(total_cost_usd) as {{ dbl() }}) as total_cost_usd
from {{ ref('int_inference_events_enriched') }}
where prompt_version is not null
group by prompt_version
