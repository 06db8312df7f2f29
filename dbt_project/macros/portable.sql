{#- Engine-specific SQL behind adapter.dispatch; everything else uses dbt's cross-database
    macros. Each macro has a default__ (ANSI) and the engines we ship for. -#}

{% macro dbl() -%}double precision{%- endmacro %}

{% macro percentile(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'inference_ledger')(expr, fraction)) }}
{%- endmacro %}
{% macro default__percentile(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}
{% macro duckdb__percentile(expr, fraction) -%}
    quantile_cont({{ expr }}, {{ fraction }})
{%- endmacro %}
{% macro postgres__percentile(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
{%- endmacro %}

{#- Least-squares slope, r squared and point count of y on x; pairs with a null are ignored. -#}
{% macro regression_slope(y, x) -%}
    {{ return(adapter.dispatch('regression_slope', 'inference_ledger')(y, x)) }}
{%- endmacro %}
{% macro default__regression_slope(y, x) -%}
    (cast(count({{ y }} * {{ x }}) as {{ dbl() }}) * sum(case when {{ y }} is not null then {{ x }} end * {{ y }})
     - sum(case when {{ y }} is not null then {{ x }} end) * sum(case when {{ x }} is not null then {{ y }} end))
    / nullif(count({{ y }} * {{ x }}) * sum(case when {{ y }} is not null then {{ x }} * {{ x }} end)
             - sum(case when {{ y }} is not null then {{ x }} end) * sum(case when {{ y }} is not null then {{ x }} end), 0)
{%- endmacro %}
{% macro duckdb__regression_slope(y, x) -%}regr_slope({{ y }}, {{ x }}){%- endmacro %}
{% macro postgres__regression_slope(y, x) -%}regr_slope({{ y }}, {{ x }}){%- endmacro %}

{% macro regression_r2(y, x) -%}
    {{ return(adapter.dispatch('regression_r2', 'inference_ledger')(y, x)) }}
{%- endmacro %}
{% macro default__regression_r2(y, x) -%}power(corr({{ y }}, {{ x }}), 2){%- endmacro %}
{% macro duckdb__regression_r2(y, x) -%}regr_r2({{ y }}, {{ x }}){%- endmacro %}
{% macro postgres__regression_r2(y, x) -%}regr_r2({{ y }}, {{ x }}){%- endmacro %}

{% macro regression_count(y, x) -%}
    {{ return(adapter.dispatch('regression_count', 'inference_ledger')(y, x)) }}
{%- endmacro %}
{% macro default__regression_count(y, x) -%}count({{ y }} * {{ x }}){%- endmacro %}
{% macro duckdb__regression_count(y, x) -%}regr_count({{ y }}, {{ x }}){%- endmacro %}
{% macro postgres__regression_count(y, x) -%}regr_count({{ y }}, {{ x }}){%- endmacro %}

{#- Hex digest used for surrogate keys (not for security). -#}
{% macro hash_text(expr) -%}
    {{ return(adapter.dispatch('hash_text', 'inference_ledger')(expr)) }}
{%- endmacro %}
{% macro default__hash_text(expr) -%}md5(cast({{ expr }} as {{ dbt.type_string() }})){%- endmacro %}
{% macro duckdb__hash_text(expr) -%}md5(cast({{ expr }} as varchar)){%- endmacro %}
{% macro postgres__hash_text(expr) -%}md5(cast({{ expr }} as text)){%- endmacro %}

{#- Number of elements of a JSON array held as text; null for null or non-array text. -#}
{% macro json_array_length(expr) -%}
    {{ return(adapter.dispatch('json_array_length', 'inference_ledger')(expr)) }}
{%- endmacro %}
{% macro default__json_array_length(expr) -%}json_array_length({{ expr }}){%- endmacro %}
{% macro duckdb__json_array_length(expr) -%}
    case when json_valid({{ expr }}) and json_type({{ expr }}) = 'ARRAY' then json_array_length({{ expr }}) end
{%- endmacro %}
{% macro postgres__json_array_length(expr) -%}
    case when {{ expr }} like '[%' then json_array_length(cast({{ expr }} as json)) end
{%- endmacro %}

{#- Days from start to end inclusive, one row per date, as a subquery column `date_day`. -#}
{% macro date_series(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('date_series', 'inference_ledger')(start_expr, end_expr)) }}
{%- endmacro %}
{% macro duckdb__date_series(start_expr, end_expr) -%}
    select cast(d as date) as date_day
    from range(cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp) + interval 1 day, interval 1 day) as t(d)
{%- endmacro %}
{% macro postgres__date_series(start_expr, end_expr) -%}
    select cast(d as date) as date_day
    from generate_series(cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval '1 day') as t(d)
{%- endmacro %}
{% macro default__date_series(start_expr, end_expr) -%}
    {{ postgres__date_series(start_expr, end_expr) }}
{%- endmacro %}

{#- Keyword that asks the engine to inline a CTE into each reader instead of writing it out
    once and scanning the copy. For a CTE that only filters or projects a large table, the
    copy costs more than reading the table again (the engine pushes each reader's columns
    and filters into the scan). Empty where the engine has no such hint. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'inference_ledger')()) }}
{%- endmacro %}
{% macro default__inline_cte() -%}{%- endmacro %}
{% macro duckdb__inline_cte() -%}not materialized{%- endmacro %}
{% macro postgres__inline_cte() -%}not materialized{%- endmacro %}
