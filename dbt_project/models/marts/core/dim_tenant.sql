-- Grain: one row per tenant seen in inference events or revenue, with its latest plan.
with usage as (
    select
        tenant_id,
        min(event_date) as first_seen_date,
        max(event_date) as last_seen_date,
        count(*) as inference_events,
        count(distinct user_pseudo_id) as users
    from {{ ref('int_inference_events_enriched') }}
    where tenant_id is not null
    group by tenant_id
),

plans as (
    select tenant_id, plan
    from (
        select tenant_id, plan, row_number() over (partition by tenant_id order by period_start desc) as rn
        from {{ ref('stg_raw__revenue') }}
        where tenant_id is not null
    ) as ranked
    where rn = 1
),

tenants as (
    select tenant_id from usage
    union
    select tenant_id from plans
)

select
    t.tenant_id,
    p.plan,
    u.first_seen_date,
    u.last_seen_date,
    cast(coalesce(u.inference_events, 0) as bigint) as inference_events,
    cast(coalesce(u.users, 0) as bigint) as users
from tenants as t
left join usage as u on u.tenant_id = t.tenant_id
left join plans as p on p.tenant_id = t.tenant_id
