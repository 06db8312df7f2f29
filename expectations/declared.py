"""Expectations declared without importing Great Expectations.

Importing Great Expectations takes about 2.5 s, and the Dagster code location needs only each
expectation's check name, severity and reason to declare its asset checks. Suites therefore
write `gxe.ExpectColumnValuesToNotBeNull(column=..., meta=...)` against this module's `gxe`,
exactly as against `great_expectations.expectations`, and get a `Declared` expectation; a
validation turns it into the real one with `to_gx()`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


class Declared:
    """One Great Expectations expectation, by class name and arguments."""

    __slots__ = ("kind", "kwargs")

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        self.kwargs = kwargs

    @property
    def meta(self) -> dict[str, Any]:
        return self.kwargs.get("meta") or {}

    def to_gx(self) -> Expectation:
        import great_expectations.expectations as real

        return getattr(real, self.kind)(**self.kwargs)

    def __repr__(self) -> str:
        return f"{self.kind}({self.kwargs!r})"


class _Expectations:
    """Stands in for `great_expectations.expectations`: any `Expect...` class name."""

    def __getattr__(self, kind: str) -> functools.partial[Declared]:
        if not kind.startswith("Expect"):
            raise AttributeError(kind)
        return functools.partial(Declared, kind)


gxe = _Expectations()
