"""Synthetic workload generator: a landing directory of agent inference logs with ground truth.

Use `generate(GenerationOptions(out=..., scenario=..., ...))`; see `scenarios` for the
scenario timelines and `truth` for the exact metric definitions of `ground_truth.json`.
"""

from inference_ledger.generator.core import (
    FORMATS,
    GenerationOptions,
    GenerationResult,
    generate,
)
from inference_ledger.generator.scenarios import SCENARIOS

__all__ = ["FORMATS", "SCENARIOS", "GenerationOptions", "GenerationResult", "generate"]
