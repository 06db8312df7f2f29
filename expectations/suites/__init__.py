"""Every quality suite, one module per checked table."""

from __future__ import annotations

from expectations.core import SuiteSpec
from expectations.suites import (
    approvals,
    fct_audit_completeness,
    fct_control_surface_drift,
    fct_cost_per_outcome,
    fct_margin_fragility,
    inference_events,
    inference_events_volume,
    output_transitions,
    tool_calls,
)

RAW_SUITES: tuple[SuiteSpec, ...] = (
    inference_events.SUITE,
    inference_events_volume.SUITE,
    output_transitions.SUITE,
    tool_calls.SUITE,
    approvals.SUITE,
)
MART_SUITES: tuple[SuiteSpec, ...] = (
    fct_cost_per_outcome.SUITE,
    fct_control_surface_drift.SUITE,
    fct_margin_fragility.SUITE,
    fct_audit_completeness.SUITE,
)
ALL_SUITES: tuple[SuiteSpec, ...] = RAW_SUITES + MART_SUITES


def suite_by_name(name: str) -> SuiteSpec:
    for spec in ALL_SUITES:
        if spec.name == name:
            return spec
    raise KeyError(f"no quality suite named {name!r}; known: {[s.name for s in ALL_SUITES]}")
