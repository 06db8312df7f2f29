{#- Data tests over the event-grain models name the rows they check with a `where` config
    such as "event_date >= __window_start__". On a run with a reprocessing window (the
    nightly run's LEDGER_DBT_START_DATE, a backfill's `start_date` var) the placeholder
    becomes the window's start, so those tests read the rows the run rewrote instead of the
    whole history; on every other build (first build, full refresh, a run without a window)
    it becomes a date before any record and the tests read everything. The placeholder is
    replaced here, at run time, so a new window each night keeps dbt's saved parse. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set where = where | replace('__window_start__', test_window_start()) -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
{%- endmacro %}

{% macro test_window_start() -%}
    {%- if explicit_window_start() -%}
        {{- window_start() -}}
    {%- else -%}
        cast('1900-01-01' as date)
    {%- endif -%}
{%- endmacro %}
