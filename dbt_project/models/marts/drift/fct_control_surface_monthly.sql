-- Grain: calendar month. Regenerate and undo rates with their month-over-month relative
-- change (the manual's +10% warning / +20% critical trend rule).

-- Rebuilt in full on every run from the (incremental) daily rollup: a few rows per day.

with events as (
    select
        month_start,
        sum(inference_events) as inference_events,
        sum(undo_events) as undo_events,
        sum(generate_events) as generate_events,
        sum(regenerate_events) as regenerate_events
    from {{ ref('int_inference_events_daily') }}
    group by month_start
),

rates as (
    select
        month_start,
        cast(inference_events as bigint) as inference_events,
        cast(undo_events as bigint) as undo_events,
        cast(generate_events as bigint) as generate_events,
        cast(regenerate_events as bigint) as regenerate_events,
        {{ ratio('regenerate_events', 'generate_events') }} as regenerate_rate,
        {{ ratio('undo_events', 'inference_events') }} as undo_rate
    from events
),

lagged as (
    select
        *,
        lag(month_start) over (order by month_start) as prior_month_start,
        lag(regenerate_rate) over (order by month_start) as prior_regenerate_rate,
        lag(undo_rate) over (order by month_start) as prior_undo_rate
    from rates
)

select
    month_start,
    inference_events,
    undo_events,
    generate_events,
    regenerate_events,
    regenerate_rate,
    undo_rate,
    case when prior_month_start = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date)
         then regenerate_rate / nullif(prior_regenerate_rate, 0) - 1 end as regenerate_rate_mom_change,
    case when prior_month_start = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date)
         then undo_rate / nullif(prior_undo_rate, 0) - 1 end as undo_rate_mom_change
from lagged
