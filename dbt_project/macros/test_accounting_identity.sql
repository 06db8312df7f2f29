{#- A total equals the sum of its parts (to a relative tolerance for float sums). -#}
{% test accounting_identity(model, total, parts, tolerance=1e-9) %}
select *
from {{ model }}
where abs(coalesce({{ total }}, 0) - ({% for p in parts %}coalesce({{ p }}, 0){% if not loop.last %} + {% endif %}{% endfor %}))
      > {{ tolerance }} * greatest(abs(coalesce({{ total }}, 0)), 1)
{% endtest %}
