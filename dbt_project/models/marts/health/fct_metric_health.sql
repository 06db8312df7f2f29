-- Grain: metric x period_grain x period_start x scope x scope_id. Each metric's value per
-- period with its status under the thresholds seed (variant var `threshold_variant`, else
-- the metric's default row). Status logic is inference_ledger/thresholds.py's: strict
-- comparisons, critical before warning, missing threshold never fires, no value unknown.

with weekly as (
    select * from {{ ref('fct_control_surface_weekly') }}
),

reliability as (
    select * from {{ ref('fct_reliability_weekly') }}
),

daily_cost as (
    select date_day, sum(total_cost_usd) as total_cost_usd, sum(committed_outcomes) as committed_outcomes
    from {{ ref('fct_cost_per_outcome') }}
    group by date_day
),

daily_cpo as (
    select
        d.date_day,
        {{ ratio('d.total_cost_usd', 'd.committed_outcomes') }} as cost_per_outcome,
        {{ ratio('w.total_cost_usd', 'w.committed_outcomes') }} as cost_per_outcome_week_ago
    from daily_cost as d
    left join daily_cost as w on w.date_day = cast({{ dbt.dateadd('day', -7, 'd.date_day') }} as date)
),

weekly_cpo as (
    select
        week_start,
        {{ ratio('total_cost_usd', 'committed_outcomes') }} as cost_per_outcome,
        lag(week_start) over (order by week_start) as prior_week_start,
        lag({{ ratio('total_cost_usd', 'committed_outcomes') }}) over (order by week_start) as prior_cost_per_outcome
    from weekly
),

monthly_cpo as (
    select
        month_start,
        {{ ratio('sum(total_cost_usd)', 'sum(committed_outcomes)') }} as cost_per_outcome
    from (
        select {{ month_start('date_day') }} as month_start, total_cost_usd, committed_outcomes
        from daily_cost
    ) as m
    group by month_start
),

monthly_cpo_lagged as (
    select
        *,
        lag(month_start) over (order by month_start) as prior_month_start,
        lag(cost_per_outcome) over (order by month_start) as prior_cost_per_outcome
    from monthly_cpo
),

completeness as (
    select date_day, {{ ratio('sum(t1_outputs)', 'sum(outputs)') }} as completeness_rate
    from {{ ref('fct_audit_completeness') }}
    group by date_day
),

missing_provenance as (
    select date_day,
           {{ ratio('sum(missing_provenance_events)', 'sum(inference_events)') }} as missing_provenance_rate
    from {{ ref('int_inference_events_daily') }}
    group by date_day
),

values_long as (
    {%- set weekly_metrics = ['hidden_recompute_ratio', 'recompute_multiplier', 'attempts_per_outcome', 'regenerate_rate'] %}
    {%- for m in weekly_metrics %}
    select '{{ m }}' as metric, 'week' as period_grain, week_start as period_start, cast({{ m }} as {{ dbl() }}) as value
    from weekly
    union all
    {%- endfor %}
    {%- set reliability_metrics = ['retry_rate', 'timeout_rate', 'latency_p95_ms', 'tool_success_rate', 'escalation_rate', 'cache_hit_rate', 'speculative_share', 'unknown_trigger_share'] %}
    {%- for m in reliability_metrics %}
    select '{{ m }}', 'week', week_start, cast({{ m }} as {{ dbl() }}) from reliability
    union all
    {%- endfor %}
    select 'completeness_rate', 'week', {{ week_start('p.first_event_date') }},
           {{ ratio(count_if('p.t1_core_complete'), 'count(*)') }}
    from {{ ref('int_outputs_provenance') }} as p
    group by 3
    union all
    select 'completeness_rate', 'day', date_day, completeness_rate from completeness
    union all
    select 'missing_provenance_rate', 'day', date_day, missing_provenance_rate from missing_provenance
    union all
    select 'cost_per_outcome_day_vs_week_ago', 'day', date_day,
           cost_per_outcome / nullif(cost_per_outcome_week_ago, 0)
    from daily_cpo
    union all
    select 'cost_per_outcome_wow_change', 'week', week_start,
           case when prior_week_start = cast({{ dbt.dateadd('day', -7, 'week_start') }} as date)
                then cost_per_outcome / nullif(prior_cost_per_outcome, 0) - 1 end
    from weekly_cpo
    union all
    select 'cost_per_outcome_mom_change', 'month', month_start,
           case when prior_month_start = cast({{ dbt.dateadd('month', -1, 'month_start') }} as date)
                then cost_per_outcome / nullif(prior_cost_per_outcome, 0) - 1 end
    from monthly_cpo_lagged
    union all
    select 'regenerate_rate_mom_change', 'month', month_start, regenerate_rate_mom_change
    from {{ ref('fct_control_surface_monthly') }}
    union all
    select 'undo_rate_mom_change', 'month', month_start, undo_rate_mom_change
    from {{ ref('fct_control_surface_monthly') }}
),

thresholds as (
    select
        metric,
        variant,
        direction,
        warning_threshold,
        critical_threshold,
        source as threshold_source,
        row_number() over (
            partition by metric
            order by case when variant = '{{ var("threshold_variant") }}' then 0
                          when is_default then 1 else 2 end
        ) as preference
    from {{ ref('metric_thresholds') }}
)

select
    v.metric,
    v.period_grain,
    cast(v.period_start as date) as period_start,
    'all' as scope,
    'all' as scope_id,
    v.value,
    {{ band_status('v.value', 't.direction', 't.warning_threshold', 't.critical_threshold') }} as status,
    t.direction,
    t.warning_threshold,
    t.critical_threshold,
    t.variant as threshold_variant,
    t.threshold_source
from values_long as v
inner join thresholds as t on t.metric = v.metric and t.preference = 1
