"""The SQL band rule (macro `band_status`) equals inference_ledger.thresholds for every
metric of the seed, at, just above and just below each threshold, and for missing values."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_harness import dbt_invoke

from inference_ledger.thresholds import load_bands


def _probe_values(warning: float | None, critical: float | None) -> list[float | None]:
    values: list[float | None] = [None, 0.0, -1.0, 1e6]
    for threshold in (warning, critical):
        if threshold is not None:
            step = max(abs(threshold) * 1e-6, 1e-9)
            values += [threshold, threshold + step, threshold - step]
    return values


def test_sql_band_status_matches_python(tmp_path: Path) -> None:
    bands = load_bands()
    cases = []
    for band in bands.values():
        for value in _probe_values(band.warning, band.critical):
            cases.append((band, value))

    def sql_literal(value: float | None) -> str:
        return "cast(null as double)" if value is None else f"cast({value!r} as double)"

    rows = " union all ".join(
        f"select {index} as case_id, {sql_literal(value)} as value,"
        f" '{band.direction}' as direction, {sql_literal(band.warning)} as warning,"
        f" {sql_literal(band.critical)} as critical"
        for index, (band, value) in enumerate(cases)
    )
    inline = (
        "select case_id, {{ band_status('value', 'direction', 'warning', 'critical') }} as status"
        f" from ({rows}) as cases order by case_id"
    )
    result = dbt_invoke(
        tmp_path / "warehouse.duckdb",
        tmp_path,
        "show",
        extra=("--inline", inline, "--limit", str(len(cases) + 1)),
    )
    table = result.result.results[0].agate_table
    actual = {int(row["case_id"]): row["status"] for row in table.rows}
    assert len(actual) == len(cases)
    mismatches = [
        (band.metric, band.variant, value, actual[index], band.status(value))
        for index, (band, value) in enumerate(cases)
        if actual[index] != band.status(value)
    ]
    assert not mismatches
    # The probes reach every status, so agreement is not agreement on one answer.
    assert set(actual.values()) == {"healthy", "warning", "critical", "unknown"}


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [("above", 0.40, "warning"), ("above", 0.41, "critical"), ("below", 0.80, "warning")],
)
def test_boundaries_are_strict(direction: str, value: float, expected: str) -> None:
    # Same semantics the SQL is checked against above: strict comparisons at the threshold.
    from inference_ledger.thresholds import Band

    warning, critical = (0.20, 0.40) if direction == "above" else (0.95, 0.80)
    assert Band("m", "default", direction, warning, critical).status(value) == expected
