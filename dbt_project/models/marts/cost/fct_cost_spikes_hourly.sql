{{ incremental_by('date_day') }}
-- Grain: hour (UTC). Hourly cost against the mean of the previous 24 hours (hours without
-- events count as 0); a spike is more than 20% above that baseline for at least 2 hours
-- in a row. Daily spend over 2x the previous 7 days' mean is flagged on every hour of the day.
-- Incremental runs rebuild the window's days and the 7 days after it (their baselines look
-- back at the window), reading 8 days before the window for the baselines themselves.
{%- set until = dbt.dateadd('day', 7, window_end()) if var('end_date', none) else none %}

with events as (
    select event_ts, total_cost_usd
    from {{ ref('int_inference_events_enriched') }}
    {% if is_incremental() -%}
    where event_date >= cast({{ dbt.dateadd('day', -8, window_start()) }} as date)
    {%- if until %} and event_date < cast({{ until }} as date){% endif %}
    {%- endif %}
),

hours as (
    select
        cast({{ dbt.date_trunc('hour', 'event_ts') }} as {{ dbt.type_timestamp() }}) as hour_start,
        sum(total_cost_usd) as total_cost_usd
    from events
    group by 1
),

baseline as (
    select
        cur.hour_start,
        cur.total_cost_usd,
        sum(prev.total_cost_usd) / 24.0 as baseline_cost_usd,
        count(prev.hour_start) as baseline_hours
    from hours as cur
    left join hours as prev
        on prev.hour_start < cur.hour_start
        and prev.hour_start >= {{ dbt.dateadd('hour', -24, 'cur.hour_start') }}
    group by 1, 2
),

flagged as (
    select
        *,
        (baseline_hours > 0 and total_cost_usd > 1.2 * baseline_cost_usd) as is_above_baseline
    from baseline
),

days as (
    select cast(hour_start as date) as date_day, sum(total_cost_usd) as day_cost_usd
    from hours group by 1
),

day_baseline as (
    select
        d.date_day,
        d.day_cost_usd,
        avg(p.day_cost_usd) as prior_7d_avg_cost_usd
    from days as d
    left join days as p
        on p.date_day < d.date_day and p.date_day >= cast({{ dbt.dateadd('day', -7, 'd.date_day') }} as date)
    group by 1, 2
)

select
    f.hour_start,
    cast(f.hour_start as date) as date_day,
    cast(f.total_cost_usd as {{ dbl() }}) as total_cost_usd,
    cast(f.baseline_cost_usd as {{ dbl() }}) as baseline_cost_usd,
    f.is_above_baseline,
    (f.is_above_baseline and coalesce(prev.is_above_baseline, false)) as is_sustained_spike,
    cast(d.day_cost_usd as {{ dbl() }}) as day_cost_usd,
    cast(d.prior_7d_avg_cost_usd as {{ dbl() }}) as prior_7d_avg_cost_usd,
    coalesce(d.day_cost_usd > 2 * d.prior_7d_avg_cost_usd, false) as is_daily_spend_spike
from flagged as f
left join flagged as prev on prev.hour_start = {{ dbt.dateadd('hour', -1, 'f.hour_start') }}
left join day_baseline as d on d.date_day = cast(f.hour_start as date)
{% if is_incremental() -%}
where cast(f.hour_start as date) >= {{ window_start() }}
{%- if until %} and cast(f.hour_start as date) < cast({{ until }} as date){% endif %}
{%- endif %}
