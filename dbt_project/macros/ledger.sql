{#- Domain rules shared by models. -#}

{#- Placeholder values in provenance fields count as missing (inputs spec). The first branch
    only skips work: a value longer than the longest placeholder (7 characters) without
    surrounding spaces cannot be one, and most ids are such values, so the lower(trim())
    test runs only on the rest (2-3x less CPU on the staging views). -#}
{% macro clean_text(expr) -%}
    {%- set s = 'cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    case when length({{ s }}) > 7 and left({{ s }}, 1) <> ' ' and right({{ s }}, 1) <> ' '
         then {{ s }}
         when lower(trim({{ s }})) in ('', 'unknown', 'none', 'null')
         then null else {{ s }} end
{%- endmacro %}

{% macro to_date(expr) -%}cast({{ expr }} as date){%- endmacro %}

{% macro week_start(date_expr) -%}
    cast({{ dbt.date_trunc('week', date_expr) }} as date)
{%- endmacro %}

{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{% macro ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ dbl() }}) / nullif(cast({{ denominator }} as {{ dbl() }}), 0))
{%- endmacro %}

{% macro count_if(condition) -%}
    sum(case when {{ condition }} then 1 else 0 end)
{%- endmacro %}

{#- Same status logic as inference_ledger/thresholds.py: strict comparisons, critical first,
    a missing threshold never fires, no value is `unknown`. -#}
{% macro band_status(value, direction, warning, critical) -%}
    case
        when {{ value }} is null then 'unknown'
        when {{ critical }} is not null
             and (({{ direction }} = 'above' and {{ value }} > {{ critical }})
                  or ({{ direction }} = 'below' and {{ value }} < {{ critical }})) then 'critical'
        when {{ warning }} is not null
             and (({{ direction }} = 'above' and {{ value }} > {{ warning }})
                  or ({{ direction }} = 'below' and {{ value }} < {{ warning }})) then 'warning'
        else 'healthy'
    end
{%- endmacro %}
