{#- Reprocessing window of incremental models.

    start: the `start_date` var when given (a partition window, a manual run), else the
    LEDGER_DBT_START_DATE environment variable (the nightly run's late-data start), else the
    target's latest `date_column` minus `lookback_days`. end: the `end_date` var (exclusive)
    or open. Late records inside the lookback are picked up on their own; older late data
    needs an explicit start (the nightly run sets it from what was ingested since its last
    build). The nightly start travels in the environment because a changed `--vars` makes
    dbt parse the whole project again, and this macro is rendered only at run time. -#}
{% macro window_start(date_column='date_day') -%}
    {%- set start = explicit_window_start() -%}
    {%- if start -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', start | string) -%}
            {{ exceptions.raise_compiler_error("window start must be an ISO date (YYYY-MM-DD), got " ~ (start | string)[:40]) }}
        {%- endif -%}
        cast('{{ start }}' as date)
    {%- else -%}
        (select coalesce(cast({{ dbt.dateadd('day', -1 * (var('lookback_days') | int), 'max(' ~ date_column ~ ')') }} as date), cast('1900-01-01' as date)) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- The run's explicit window start as given (the `start_date` var, else
    LEDGER_DBT_START_DATE), or empty when the run has none. -#}
{% macro explicit_window_start() -%}
    {{ return(var('start_date', none) or env_var('LEDGER_DBT_START_DATE', '')) }}
{%- endmacro %}

{% macro window_end() -%}
    {%- if var('end_date', none) -%}cast('{{ var("end_date") }}' as date){%- else -%}cast('9999-12-31' as date){%- endif -%}
{%- endmacro %}

{#- `expr` lies in the window; always true on a full build. -#}
{% macro in_window(expr, date_column='date_day') -%}
    {%- if is_incremental() -%}
        ({{ expr }} >= {{ window_start(date_column) }} and {{ expr }} < {{ window_end() }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- Days a daily mart must rebuild: the window's event days, plus, for every output with
    any record in the window (a commit, an envelope, an approval...), its commit day and
    first event day as now known, so a commit arriving today updates the day it belongs to,
    and every day from the window on where it has a record: a late record can move the
    output's first day or attributes earlier, and the day it used to count on must be
    rebuilt too. Days after the window are included: a backfilled window changes them. -#}
{% macro affected_days(date_column='date_day', include_output_event_days=false) -%}
    {%- if is_incremental() -%}
    select event_date as date_day from {{ ref('int_inference_events_enriched') }}
    where {{ in_window('event_date', date_column) }}
    union
    select commit_date from {{ ref('int_outputs_resolved') }}
    where last_activity_date >= {{ window_start(date_column) }} and commit_date is not null
    union
    select first_event_date from {{ ref('int_outputs_resolved') }}
    where last_activity_date >= {{ window_start(date_column) }} and first_event_date is not null
    union
    select r.event_date from (
        select output_id, event_date from {{ ref('int_inference_events_enriched') }}
        where event_date >= {{ window_start(date_column) }}
        union all
        select output_id, event_date from {{ ref('stg_raw__output_transitions') }}
        where event_date >= {{ window_start(date_column) }}
        union all
        select output_id, event_date from {{ ref('stg_raw__decision_envelopes') }}
        where event_date >= {{ window_start(date_column) }}
    ) as r
    inner join {{ ref('int_outputs_resolved') }} as o on o.output_id = r.output_id
    where o.last_activity_date >= {{ window_start(date_column) }}
    {%- if include_output_event_days %}
    union
    select e.event_date from {{ ref('int_inference_events_enriched') }} as e
    inner join {{ ref('int_outputs_resolved') }} as o on o.output_id = e.output_id
    where o.last_activity_date >= {{ window_start(date_column) }}
    {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- Outputs with any record (event, transition, envelope, tool call, approval) in the
    window: an incremental run recomputes exactly these outputs, from all their records. -#}
{% macro touched_outputs(date_column) -%}
    select output_id from {{ ref('int_inference_events_enriched') }}
    where output_id is not null and {{ in_window('event_date', date_column) }}
    union
    select output_id from {{ ref('stg_raw__output_transitions') }}
    where {{ in_window('event_date', date_column) }}
    union
    select output_id from {{ ref('stg_raw__decision_envelopes') }}
    where output_id is not null and {{ in_window('event_date', date_column) }}
    union
    select output_id from {{ ref('int_tool_calls_linked') }}
    where output_id is not null and {{ in_window('event_date', date_column) }}
    union
    select output_id from {{ ref('int_approvals_linked') }}
    where output_id is not null and {{ in_window('event_date', date_column) }}
{%- endmacro %}

{#- `and output_id in touched` on incremental runs; nothing on a full build. `since` names a
    one-row CTE whose `day` no record of a touched output precedes (see records_since_sql):
    the tables are stored roughly in date order, so the scan skips most of the history. -#}
{% macro only_touched(column='output_id', since=none) -%}
    {%- if is_incremental() %} and {{ column }} in (select output_id from touched)
        {%- if since %} and event_date >= (select day from {{ since }}){% endif %}
    {%- endif -%}
{%- endmacro %}

{#- The day before the earliest of `day_exprs` (SQL selects of one `day` column each): a day
    of margin in case a date and a timestamp disagree about midnight. An unknown (null)
    day counts as the beginning of time. -#}
{% macro records_since_sql(day_exprs) -%}
    -- A date, not the timestamp dateadd gives: compared with a date column, it prunes the scan.
    select cast({{ dbt.dateadd('day', -1, 'min(day)') }} as date) as day
    from (
        {%- for expr in day_exprs %}
        select coalesce(day, cast('1900-01-01' as date)) as day from ({{ expr }}) as candidate_{{ loop.index }}
        {{- ' union all' if not loop.last }}
        {%- endfor %}
    ) as candidates
{%- endmacro %}

{#- ISO weeks a weekly rollup must rebuild: the weeks of affected_days(). -#}
{% macro affected_weeks() -%}
    select distinct {{ week_start('date_day') }} as week_start
    from ({{ affected_days('week_start') }}) as affected_days
{%- endmacro %}

{#- Materialization of a model rebuilt by whole keys (days, weeks, outputs) on incremental
    runs: delete the keys the run recomputes, insert their new rows. `depends_on` names the
    models only the incremental branch reads, so the graph orders them on every run. -#}
{% macro incremental_by(unique_key, depends_on=[], clear=none) -%}
    {#- delete+insert replaces only the keys the new rows carry. A sparse mart (one row per
        incomplete output, say) can lose every row of a key; `clear`, a macro call rendered
        at run time such as "affected_days()", names the keys to empty first. -#}
    {%- set hooks = [] %}
    {%- if clear %}
        {%- do hooks.append(
            "{% if is_incremental() %}delete from {{ this }} where " ~ unique_key
            ~ " in (select * from ({{ " ~ clear ~ " }}) as cleared){% endif %}") %}
    {%- endif %}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=unique_key,
        on_schema_change='append_new_columns',
        pre_hook=hooks
    ) }}
    {%- for name in depends_on %}
-- depends_on: {{ ref(name) }}
    {%- endfor %}
{%- endmacro %}

{#- Opens a model's CTE list: `with affected as (<keys>),` on incremental runs, `with` on a
    full build (where every key is rebuilt). -#}
{% macro with_affected(keys_sql) -%}
    {%- if is_incremental() %}with affected as ({{ keys_sql }}),{% else %}with{% endif -%}
{%- endmacro %}

{#- `where <column> in affected` on incremental runs; nothing on a full build. -#}
{% macro where_affected(column, key='date_day') -%}
    {%- if is_incremental() %}where {{ column }} in (select {{ key }} from affected){% endif -%}
{%- endmacro %}

{#- Days the window's inference events fall on: what a mart of events alone must rebuild. -#}
{% macro window_event_days() -%}
    select distinct event_date as date_day from {{ ref('int_inference_events_enriched') }}
    where {{ in_window('event_date') }}
{%- endmacro %}

{#- Models affected_days() reads, for incremental_by(depends_on=...). -#}
{% macro affected_days_inputs() -%}
    {{ return(['int_inference_events_enriched', 'int_outputs_resolved',
               'stg_raw__output_transitions', 'stg_raw__decision_envelopes']) }}
{%- endmacro %}

{#- int_outputs_resolved; on incremental runs only the outputs last active on or after
    `first_day_sql` (a scalar select): an output with an event on day D was last active on
    D or later, so a join from the events of the days rebuilt loses nothing, and the hash
    table holds the recent outputs instead of all of them. -#}
{% macro outputs_active_since(first_day_sql) -%}
    {%- if is_incremental() -%}
    (select * from {{ ref('int_outputs_resolved') }}
     where last_activity_date >= ({{ first_day_sql }}))
    {%- else -%}
    {{ ref('int_outputs_resolved') }}
    {%- endif -%}
{%- endmacro %}
