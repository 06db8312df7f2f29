-- Grain: one row per prompt_version seen in inference events.
with events as (
    select
        prompt_version,
        min(event_date) as first_seen_date,
        max(event_date) as last_seen_date,
        count(*) as inference_events,
        sum(total_cost_usd) as total_cost_usd
    from {{ ref('int_inference_events_enriched') }}
    where prompt_version is not null
    group by prompt_version
),

-- Distinct outputs from the pair table: counting them over every event reads and hashes
-- each event's output id on every build.
outputs as (
    select prompt_version, count(*) as outputs
    from {{ ref('int_prompt_version_outputs') }}
    group by prompt_version
)

select
    e.prompt_version,
    e.first_seen_date,
    e.last_seen_date,
    cast(e.inference_events as bigint) as inference_events,
    cast(coalesce(o.outputs, 0) as bigint) as outputs,
    cast(e.total_cost_usd as {{ dbl() }}) as total_cost_usd
from events as e
left join outputs as o on o.prompt_version = e.prompt_version
