-- Revenue per tenant and period.
select
    {{ clean_text('tenant_id') }} as tenant_id,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(revenue_usd as {{ dbl() }}) as revenue_usd,
    plan
from {{ source('raw', 'revenue') }}
where revenue_usd is not null
