"""The four headline results computed without the pipeline, and the marts they must equal.

Every approach returns the same `Results` shape (see `results.py`); `compare.py` times each in
a child process and fails the benchmark when any result differs from the marts.
"""
