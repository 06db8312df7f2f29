"""Suites are declared without Great Expectations; validations get GE's own expectations."""

from __future__ import annotations

import subprocess
import sys

import great_expectations.expectations as real

from expectations import ALL_SUITES
from expectations.declared import Declared, gxe


def test_a_declared_expectation_becomes_the_same_ge_expectation():
    declared = gxe.ExpectColumnValuesToBeInSet(column="state", value_set=["draft"], mostly=0.9)
    assert isinstance(declared, Declared)
    built = declared.to_gx()
    assert isinstance(built, real.ExpectColumnValuesToBeInSet)
    assert (built.column, built.value_set, built.mostly) == ("state", ["draft"], 0.9)


def test_every_suite_builds_ge_expectations_with_its_check_names():
    for suite in ALL_SUITES:
        built = suite.expectations()
        assert all(isinstance(e, real.Expectation) for e in built), suite.name
        assert [e.meta["check"] for e in built] == [c for c, _, _ in suite.checks()]


def test_the_code_location_loads_without_importing_great_expectations():
    probe = (
        "import sys, orchestration.definitions as d; d.defs.resolve_all_job_defs(); "
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]
