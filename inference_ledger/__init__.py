"""Inference Ledger: cost, margin, drift and audit analytics for LLM agent inference logs."""

__version__ = "0.1.0"
