"""Benchmarks: `python -m bench <name> [options]` runs `bench/<name>.py`."""
