{{ incremental_by('date_day', depends_on=affected_days_inputs(), clear='affected_days()') }}
-- Grain: day x model_version x prompt_version x feature x tenant_id. Cost lands on the
-- event's day under the event's own attributes; committed outcomes land on the commit day
-- under the output's attributes (latest event at or before commit).

{{ with_affected(affected_days()) }}

costs as (
    select
        event_date as date_day,
        model_version,
        prompt_version,
        feature,
        tenant_id,
        count(*) as inference_events,
        sum(total_cost_usd) as total_cost_usd,
        sum(inference_cost_usd) as inference_cost_usd,
        sum(orchestration_cost_usd) as orchestration_cost_usd,
        sum(tool_cost_usd) as tool_cost_usd,
        sum(case when is_retry then total_cost_usd else 0 end) as retry_cost_usd,
        sum(case when is_hidden then total_cost_usd else 0 end) as hidden_cost_usd,
        0 as committed_outcomes
    from {{ ref('int_inference_events_enriched') }}
    {% if is_incremental() %}where event_date in (select date_day from affected){% endif %}
    group by 1, 2, 3, 4, 5
),

outcomes as (
    select
        commit_date as date_day,
        model_version,
        prompt_version,
        feature,
        tenant_id,
        0 as inference_events,
        0 as total_cost_usd,
        0 as inference_cost_usd,
        0 as orchestration_cost_usd,
        0 as tool_cost_usd,
        0 as retry_cost_usd,
        0 as hidden_cost_usd,
        count(*) as committed_outcomes
    from {{ ref('int_outputs_resolved') }}
    where succeeded
    {% if is_incremental() %}and commit_date in (select date_day from affected){% endif %}
    group by 1, 2, 3, 4, 5
),

combined as (
    select * from costs
    union all
    select * from outcomes
)

select
    date_day,
    model_version,
    prompt_version,
    feature,
    tenant_id,
    cast(sum(inference_events) as bigint) as inference_events,
    cast(sum(total_cost_usd) as {{ dbl() }}) as total_cost_usd,
    cast(sum(inference_cost_usd) as {{ dbl() }}) as inference_cost_usd,
    cast(sum(orchestration_cost_usd) as {{ dbl() }}) as orchestration_cost_usd,
    cast(sum(tool_cost_usd) as {{ dbl() }}) as tool_cost_usd,
    cast(sum(retry_cost_usd) as {{ dbl() }}) as retry_cost_usd,
    cast(sum(hidden_cost_usd) as {{ dbl() }}) as hidden_cost_usd,
    cast(sum(committed_outcomes) as bigint) as committed_outcomes,
    {{ ratio('sum(total_cost_usd)', 'sum(committed_outcomes)') }} as cost_per_outcome
from combined
group by 1, 2, 3, 4, 5
