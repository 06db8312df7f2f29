"""Dispatch `python -m bench <name> ...` to the `main(argv)` of `bench/<name>.py`."""

from __future__ import annotations

import importlib
import sys


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(
            "usage: python -m bench <benchmark> [options]\n"
            "benchmarks: compare (pipeline vs the alternatives, docs/benchmarks.md), "
            "generator, ingest, dbt_build, quality"
        )
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
