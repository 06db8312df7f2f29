-- Grain: one row per calendar day from the first to the last day with any event or commit.
with bounds as (
    select min(date_day) as first_day, max(date_day) as last_day
    from {{ ref('int_inference_events_daily') }}
),

days as (
    {{ date_series('(select first_day from bounds)', '(select last_day from bounds)') }}
)

select
    date_day,
    {{ week_start('date_day') }} as week_start,
    {{ month_start('date_day') }} as month_start,
    cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
    cast(extract(year from date_day) as integer) as year_number,
    cast(extract(month from date_day) as integer) as month_number,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week,
    (extract(isodow from date_day) in (6, 7)) as is_weekend
from days
