{#- The key of a grain spanning several columns is unique; null key parts compare equal
    (GROUP BY semantics), so a null dimension value cannot hide a duplicate. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
