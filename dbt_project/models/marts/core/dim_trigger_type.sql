-- Grain: one row per canonical trigger type (from the trigger_taxonomy seed).
select
    trigger_type,
    is_hidden,
    is_legacy3_hidden,
    expected_share_min as expected_cost_share_min,
    expected_share_max as expected_cost_share_max,
    investigate_direction,
    investigate_threshold,
    description
from {{ ref('trigger_taxonomy') }}
