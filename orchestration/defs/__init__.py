"""Dagster definitions, one package per area; each exposes a `defs` Definitions object."""
