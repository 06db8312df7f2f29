"""The Dagster code location of Inference Ledger (`definitions.py` is its entry point)."""
