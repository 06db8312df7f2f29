-- Reads several models; reported in Dagster as a check on the mart it guards.
{{ config(meta={'dagster': {'ref': {'name': 'fct_audit_completeness'}}}) }}

-- Accounting identity: the audit denominator is every output seen anywhere, and the gap
-- list holds exactly the outputs that are not t1 complete.
with mart as (
    select sum(outputs) as outputs, sum(outputs) - sum(t1_outputs) as incomplete
    from {{ ref('fct_audit_completeness') }}
),

outputs as (
    select count(*) as outputs from {{ ref('int_outputs_resolved') }}
),

gaps as (
    select count(*) as incomplete from {{ ref('audit_gaps') }}
)

select *
from mart
cross join outputs as o
cross join gaps as g
where coalesce(mart.outputs, 0) <> o.outputs
   or coalesce(mart.incomplete, 0) <> g.incomplete
