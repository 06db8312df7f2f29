{{ incremental_by('week_start', depends_on=affected_days_inputs()) }}
-- Grain: ISO week (Monday). Control-surface measures of the whole week; ratios are
-- computed from the week's summed components, never averaged. Incremental runs rebuild
-- the weeks of the reprocessed days and the week after each (its growth rates compare with
-- them), reading the week before each for growth rates.

with
{% if is_incremental() %}
changed as ({{ affected_weeks() }}),
affected as (
    select week_start from changed
    union
    select cast({{ dbt.dateadd('day', 7, 'week_start') }} as date) from changed
),
scope_weeks as (
    select week_start from affected
    union
    select cast({{ dbt.dateadd('day', -7, 'week_start') }} as date) from affected
),
{% endif %}

events as (
    select * from {{ ref('int_inference_events_enriched') }}
    {% if is_incremental() %}where week_start in (select week_start from scope_weeks){% endif %}
),

outputs as (
    select * from {{ ref('int_outputs_resolved') }}
    {% if is_incremental() %}
    where {{ week_start('commit_date') }} in (select week_start from scope_weeks)
    {% endif %}
),

event_weeks as (
    select
        week_start,
        count(*) as inference_events,
        {{ count_if('is_hidden') }} as hidden_events,
        {{ count_if('is_legacy3_hidden') }} as hidden_events_legacy3,
        {{ count_if('is_retry') }} as retry_events,
        {{ count_if("trigger_type = 'undo'") }} as undo_events,
        {{ count_if("trigger_type = 'user_explicit'") }} as explicit_requests,
        {{ count_if("user_action = 'generate'") }} as generate_events,
        {{ count_if("user_action = 'regenerate'") }} as regenerate_events,
        sum(total_cost_usd) as total_cost_usd,
        sum(case when is_hidden then total_cost_usd else 0 end) as hidden_cost_usd
    from events
    group by week_start
),

-- Attempts per outcome: every event (any day) of the outputs first committed in the week.
outcome_weeks as (
    select
        {{ week_start('commit_date') }} as week_start,
        count(*) as committed_outcomes,
        sum(inference_events) as committed_output_events
    from outputs
    where succeeded
    group by 1
),

weeks as (
    select
        e.week_start,
        cast(e.inference_events as bigint) as inference_events,
        cast(e.hidden_events as bigint) as hidden_events,
        cast(e.hidden_events_legacy3 as bigint) as hidden_events_legacy3,
        cast(e.retry_events as bigint) as retry_events,
        cast(e.undo_events as bigint) as undo_events,
        cast(e.explicit_requests as bigint) as explicit_requests,
        cast(e.generate_events as bigint) as generate_events,
        cast(e.regenerate_events as bigint) as regenerate_events,
        cast(e.total_cost_usd as {{ dbl() }}) as total_cost_usd,
        cast(e.hidden_cost_usd as {{ dbl() }}) as hidden_cost_usd,
        cast(coalesce(o.committed_outcomes, 0) as bigint) as committed_outcomes,
        cast(coalesce(o.committed_output_events, 0) as bigint) as committed_output_events
    from event_weeks as e
    left join outcome_weeks as o on o.week_start = e.week_start
),

rates as (
    select
        *,
        {{ ratio('hidden_events', 'inference_events') }} as hidden_recompute_ratio,
        {{ ratio('hidden_events_legacy3', 'inference_events') }} as hidden_recompute_ratio_legacy3,
        {{ ratio('hidden_cost_usd', 'total_cost_usd') }} as hidden_cost_share,
        {{ ratio('inference_events', 'committed_outcomes') }} as recompute_multiplier,
        {{ ratio('committed_output_events', 'committed_outcomes') }} as attempts_per_outcome,
        {{ ratio('regenerate_events', 'generate_events') }} as regenerate_rate,
        {{ ratio('undo_events', 'inference_events') }} as undo_rate,
        lag(total_cost_usd) over (order by week_start) as prior_week_cost_usd,
        lag(explicit_requests) over (order by week_start) as prior_week_explicit_requests,
        lag(week_start) over (order by week_start) as prior_week_start
    from weeks
),

growth as (
    select
        *,
        case when prior_week_start = {{ dbt.dateadd('day', -7, 'week_start') }}
             then {{ ratio('total_cost_usd', 'prior_week_cost_usd') }} - 1 end as cost_growth,
        case when prior_week_start = {{ dbt.dateadd('day', -7, 'week_start') }}
             then {{ ratio('explicit_requests', 'prior_week_explicit_requests') }} - 1 end as traffic_growth
    from rates
)

select
    week_start,
    inference_events,
    hidden_events,
    hidden_events_legacy3,
    retry_events,
    undo_events,
    explicit_requests,
    generate_events,
    regenerate_events,
    total_cost_usd,
    hidden_cost_usd,
    committed_outcomes,
    committed_output_events,
    hidden_recompute_ratio,
    hidden_recompute_ratio_legacy3,
    hidden_cost_share,
    recompute_multiplier,
    attempts_per_outcome,
    regenerate_rate,
    undo_rate,
    cost_growth,
    traffic_growth,
    (1 + cost_growth) / nullif(1 + traffic_growth, 0) as drift_index
from growth
{% if is_incremental() %}where week_start in (select week_start from affected){% endif %}
