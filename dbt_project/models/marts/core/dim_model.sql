-- Grain: one row per model_version seen in inference events or the price table, with its
-- provider and deployments as logged and the price in force today (or the latest one).
with usage as (
    select
        model_version,
        max(provider) as provider,
        max(case when deployment = 'api' then 1 else 0 end) as uses_api,
        max(case when deployment = 'owned' then 1 else 0 end) as uses_owned,
        min(event_date) as first_seen_date,
        max(event_date) as last_seen_date,
        count(*) as inference_events
    from {{ ref('int_inference_events_enriched') }}
    where model_version is not null
    group by model_version
),

prices as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by model_version
                order by case when effective_from <= current_date and current_date < effective_to then 0 else 1 end,
                         effective_from desc
            ) as rn
        from {{ ref('stg_raw__model_prices') }}
    ) as ranked
    where rn = 1
),

models as (
    select model_version from usage
    union
    select model_version from prices
)

select
    m.model_version,
    coalesce(u.provider, p.provider) as provider,
    case
        when u.uses_api = 1 and u.uses_owned = 1 then 'mixed'
        when u.uses_owned = 1 then 'owned'
        when u.uses_api = 1 then 'api'
    end as deployment,
    u.first_seen_date,
    u.last_seen_date,
    cast(coalesce(u.inference_events, 0) as bigint) as inference_events,
    (p.model_version is not null) as is_priced,
    p.input_per_mtok_usd,
    p.output_per_mtok_usd,
    p.cached_input_per_mtok_usd,
    p.per_request_usd,
    p.effective_from as price_effective_from,
    p.price_source
from models as m
left join usage as u on u.model_version = m.model_version
left join prices as p on p.model_version = m.model_version
