"""Data quality for Inference Ledger: one Great Expectations suite per checked table.

`expectations.suites` holds the suites as code (each expectation carries its severity in
`meta`), `expectations.runner` validates a partition with one GE context per run,
`expectations.store` appends every result to the warehouse table `quality.dq_validation_results`,
and `expectations.docs` configures the Data Docs site under the report directory.
"""

from typing import TYPE_CHECKING, Any

from expectations.config import QualityConfig
from expectations.core import ERROR, WARN, ExpectationOutcome, SuiteSpec
from expectations.suites import ALL_SUITES, MART_SUITES, RAW_SUITES, suite_by_name

__all__ = [
    "ALL_SUITES",
    "ERROR",
    "MART_SUITES",
    "RAW_SUITES",
    "WARN",
    "ExpectationOutcome",
    "QualityConfig",
    "QualityRun",
    "SuiteSpec",
    "run_quality",
    "suite_by_name",
]

if TYPE_CHECKING:
    from expectations.runner import QualityRun, run_quality


def __getattr__(name: str) -> Any:
    # The runner imports Great Expectations (seconds); the suites and their check names do not.
    if name in ("QualityRun", "run_quality"):
        from expectations import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'expectations' has no attribute {name!r}")
