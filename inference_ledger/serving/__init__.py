"""Serving the warehouse from a server engine (PostgreSQL today) with the same dbt project."""
