{{ incremental_by('week_start', depends_on=affected_days_inputs()) }}
-- Grain: ISO week (Monday) x canonical trigger_type; every canonical trigger appears every
-- week (zero when absent) so shares and bands can be read without gaps. Incremental runs
-- rebuild the weeks of the reprocessed days.

with
{% if is_incremental() %}
affected as ({{ affected_weeks() }}),
{% endif %}

events as (
    select week_start, trigger_type, total_cost_usd
    from {{ ref('int_inference_events_enriched') }}
    {% if is_incremental() %}where week_start in (select week_start from affected){% endif %}
),

weeks as (
    select week_start, count(*) as week_events, sum(total_cost_usd) as week_cost_usd
    from events
    group by week_start
),

by_trigger as (
    select week_start, trigger_type, count(*) as inference_events, sum(total_cost_usd) as total_cost_usd
    from events
    group by week_start, trigger_type
),

taxonomy as (
    select * from {{ ref('trigger_taxonomy') }}
),

grid as (
    select
        w.week_start,
        t.trigger_type,
        t.is_hidden,
        t.expected_share_min,
        t.expected_share_max,
        t.investigate_direction,
        t.investigate_threshold,
        w.week_events,
        w.week_cost_usd,
        cast(coalesce(b.inference_events, 0) as bigint) as inference_events,
        cast(coalesce(b.total_cost_usd, 0) as {{ dbl() }}) as total_cost_usd
    from weeks as w
    cross join taxonomy as t
    left join by_trigger as b on b.week_start = w.week_start and b.trigger_type = t.trigger_type
)

select
    week_start,
    trigger_type,
    inference_events,
    total_cost_usd,
    {{ ratio('inference_events', 'week_events') }} as event_share,
    {{ ratio('total_cost_usd', 'week_cost_usd') }} as cost_share,
    is_hidden,
    expected_share_min as expected_cost_share_min,
    expected_share_max as expected_cost_share_max,
    investigate_direction,
    investigate_threshold,
    coalesce(
        (investigate_direction = 'above' and {{ ratio('total_cost_usd', 'week_cost_usd') }} > investigate_threshold)
        or (investigate_direction = 'below' and {{ ratio('total_cost_usd', 'week_cost_usd') }} < investigate_threshold),
        false
    ) as is_investigate
from grid
