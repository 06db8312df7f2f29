"""The pieces every suite shares: severities, the suite description, one expectation's outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.config import QualityConfig

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

    from expectations.declared import Declared

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
    """SQL for a text column with placeholders turned into NULL, keeping its name.

    A placeholder is at most 7 characters once trimmed of spaces (DuckDB's `trim`), so only
    short or space-padded values need the lower-case comparison: a quarter of the cost.
    """
    quoted = ", ".join(f"'{p}'" for p in PLACEHOLDERS)
    longest = max(len(p) for p in PLACEHOLDERS)
    text = f"CAST({column} AS VARCHAR)"
    maybe = f"(length({text}) <= {longest} OR prefix({text}, ' ') OR suffix({text}, ' '))"
    return (
        f"CASE WHEN {maybe} AND lower(trim({text})) IN ({quoted}) THEN NULL "
        f"ELSE {column} END AS {column}"
    )


# The column naming the day of each row in a validated slice of a raw table (the day's
# date), so one Great Expectations validation can judge several days at once.
DAY_COLUMN = "_ledger_day"
# An in-memory catalog attached for a validation run: helper tables a slice reads.
SCRATCH_CATALOG = "ledger_quality"


def in_warehouse(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """`table` ("schema.name") qualified with the warehouse's catalog.

    Slices are views in `SCRATCH_CATALOG`, where an unqualified name would be looked up.
    """
    (catalog,) = con.execute("SELECT current_database()").fetchone()
    return '"' + catalog.replace('"', '""') + '".' + table


def days_filter(days: Sequence[dt.date]) -> str:
    """`event_date IN (...)` with literal dates, which lets DuckDB skip other days' row groups."""
    if not days:
        return "false"
    return "event_date IN (" + ", ".join(f"DATE '{d.isoformat()}'" for d in days) + ")"


Selector = Callable[[duckdb.DuckDBPyConnection, "Sequence[dt.date] | None", QualityConfig], str]
Builder = Callable[[QualityConfig], "list[Declared]"]


@dataclass(frozen=True)
class SuiteSpec:
    """One checked table: the SQL selecting the slice to validate, and what to expect of it.

    `select(con, days, config)` returns a DuckDB query over the warehouse: for a raw table,
    the rows of `days` with their day in `DAY_COLUMN`; for a mart (`days` is None), the whole
    mart. It may first write helper tables into `SCRATCH_CATALOG` through `con`.
    `asset_key` is the Dagster key of the checked asset without any mart prefix;
    `key_columns` name the rows in failing samples.
    """

    name: str
    table: str
    asset_key: tuple[str, ...]
    is_mart: bool
    key_columns: tuple[str, ...]
    build: Builder
    select: Selector
    description: str = ""

    def expectations(self, config: QualityConfig | None = None) -> list[Expectation]:
        """The Great Expectations expectations to validate with (imports GE)."""
        return [declared.to_gx() for declared in self.build(config or QualityConfig())]

    def checks(self) -> list[tuple[str, str, str]]:
        """(check name, severity, reason) of every expectation, in suite order; needs no GE."""
        return [
            (e.meta["check"], e.meta["severity"], e.meta["why"])
            for e in self.build(QualityConfig())
        ]


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
