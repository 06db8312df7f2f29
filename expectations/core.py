"""The pieces every suite shares: severities, the suite description, one expectation's outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from expectations.config import QualityConfig

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

# Corrupt or impossible data: downstream marts must not be published.
ERROR = "error"
# Auditability gaps and anomalies: recorded and alerted, the pipeline continues.
WARN = "warn"
SEVERITIES = (ERROR, WARN)

# Provenance written as a placeholder is as missing as a null (inputs spec, "Placeholders").
PLACEHOLDERS = ("", "unknown", "none", "null")
HASH_REGEX = r"^(?:[0-9a-f]{16}|[0-9a-f]{64})$"

STATES = ["draft", "committed", "rejected"]
TRIGGERS = ["user_explicit", "user_edit", "undo", "auto_save", "retry", "background", "unknown"]
STATUSES = ["success", "failed", "timeout"]
APPROVAL_ACTIONS = ["approve", "reject", "escalate", "override"]
COST_SOURCES = ["logged", "priced", "unpriced"]
DEPLOYMENTS = ["api", "owned"]


def meta(check: str, severity: str, why: str) -> dict[str, str]:
    """The `meta` of one expectation: its stable check name, severity and reason."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    return {"check": check, "severity": severity, "why": why}


def present(column: str) -> str:
    """SQL for a text column with placeholders turned into NULL, keeping its name."""
    quoted = ", ".join(f"'{p}'" for p in PLACEHOLDERS)
    return (
        f"CASE WHEN lower(trim(CAST({column} AS VARCHAR))) IN ({quoted}) THEN NULL "
        f"ELSE {column} END AS {column}"
    )


def read_frame(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] = (),
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Run `sql` into pandas through Arrow, low-cardinality text as categoricals.

    A day of a million events holds each enum value a million times; as pandas objects
    that is ~60 MB per column and doubles while converting, as a category it is ~1 MB.
    """
    import pyarrow.compute as pc

    table = con.sql(sql, params=list(params)).to_arrow_table()
    for name in categorical:
        index = table.schema.get_field_index(name)
        if index >= 0:
            table = table.set_column(index, name, pc.dictionary_encode(table.column(name)))
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    return frame


def utc_naive(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Timestamps as naive UTC, so they compare with the naive UTC bounds of the config."""
    for column in columns:
        if column in frame and isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


# pandas datetime64[ns] spans these years; a value outside (a corrupt far-future time) keeps
# its coarser unit, where GE falls back to comparing values one at a time.
_NS_SPAN = (pd.Timestamp.min, pd.Timestamp.max)


def nanosecond_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """Naive timestamp columns in nanoseconds where every value fits.

    DuckDB hands over microseconds; GE's between check is vectorized only for datetime64[ns]
    and otherwise maps a Python comparison over each value (a fifth of the raw-zone
    validation at 1M events).
    """
    for column in frame.columns:
        dtype = frame[column].dtype
        if not pd.api.types.is_datetime64_dtype(dtype) or dtype == "datetime64[ns]":
            continue
        values = frame[column]
        low, high = values.min(), values.max()
        if pd.isna(low) or (_NS_SPAN[0] <= low and high <= _NS_SPAN[1]):
            frame[column] = values.astype("datetime64[ns]")
    return frame


Loader = Callable[[duckdb.DuckDBPyConnection, "dt.date | None", QualityConfig], pd.DataFrame]
Builder = Callable[[QualityConfig], "list[Expectation]"]


@dataclass(frozen=True)
class SuiteSpec:
    """One checked table: how to read the slice to validate and what to expect of it.

    `asset_key` is the Dagster key of the checked asset without any mart prefix;
    `key_columns` name the rows in failing samples.
    """

    name: str
    table: str
    asset_key: tuple[str, ...]
    is_mart: bool
    key_columns: tuple[str, ...]
    build: Builder
    load: Loader
    description: str = ""

    def expectations(self, config: QualityConfig | None = None) -> list[Expectation]:
        return self.build(config or QualityConfig())

    def checks(self) -> list[tuple[str, str, str]]:
        """(check name, severity, reason) of every expectation, in suite order."""
        return [(e.meta["check"], e.meta["severity"], e.meta["why"]) for e in self.expectations()]


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, in the shape stored in `dq_validation_results`."""

    suite: str
    table: str
    check: str
    expectation_type: str
    column: str | None
    severity: str
    success: bool
    observed_value: Any
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: Sequence[dict[str, Any]] = field(default_factory=list)
    why: str = ""
    exception: str | None = None

    @classmethod
    def of(
        cls, spec: SuiteSpec, config: Expectation, column: str | None, **measured: Any
    ) -> ExpectationOutcome:
        """An outcome of expectation `config` of suite `spec`: the identity and severity come
        from the suite and the expectation's `meta`, the rest (`success`, counts, sample,
        `exception`) from what validation measured."""
        return cls(
            suite=spec.name,
            table=spec.table,
            check=config.meta["check"],
            expectation_type=config.type,
            column=column,
            severity=config.meta["severity"],
            why=config.meta.get("why", ""),
            **measured,
        )

    @property
    def blocks(self) -> bool:
        return self.severity == ERROR and not self.success
