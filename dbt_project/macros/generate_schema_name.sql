{#- Folder schemas (staging, intermediate, marts, seeds) are used as named, on every target,
    so BI users and the orchestrator find marts in the same place everywhere. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
