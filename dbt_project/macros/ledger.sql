{#- Domain rules shared by models. -#}

{#- Placeholder values in provenance fields count as missing (inputs spec). -#}
{% macro clean_text(expr) -%}
    case when lower(trim(cast({{ expr }} as {{ dbt.type_string() }}))) in ('', 'unknown', 'none', 'null')
         then null else cast({{ expr }} as {{ dbt.type_string() }}) end
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
