"""Plain Python the Dagster definitions use; importable and testable without Dagster."""
