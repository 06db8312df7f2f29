"""Model price table with effective dates, built from genai-prices plus user overrides.

Each distinct model string is resolved once through genai-prices' matcher; the result is a
small table (one row per model and price period) that SQL joins on model and event time.
Nothing here is called per event.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from genai_prices import data_snapshot, types

OPEN_START = dt.date(1970, 1, 1)
OPEN_END = dt.date(9999, 12, 31)

PRICE_COLUMNS = (
    "model",
    "provider",
    "model_id",
    "effective_from",
    "effective_to",
    "input_per_mtok_usd",
    "output_per_mtok_usd",
    "cached_input_per_mtok_usd",
    "per_request_usd",
    "source",
)


@dataclass(frozen=True)
class ModelPrice:
    """Price of one model string over `[effective_from, effective_to)` (UTC dates)."""

    model: str
    provider: str
    model_id: str
    effective_from: dt.date
    effective_to: dt.date
    input_per_mtok_usd: float
    output_per_mtok_usd: float
    cached_input_per_mtok_usd: float
    per_request_usd: float
    source: str

    def as_row(self) -> dict[str, object]:
        return asdict(self)


def _base_rate(value: Decimal | types.TieredPrices | None) -> float:
    # Tiered prices apply above large context sizes; agent calls price at the base tier.
    if value is None:
        return 0.0
    if isinstance(value, types.TieredPrices):
        return float(value.base)
    return float(value)


def _periods(model: types.ModelInfo) -> list[tuple[dt.date, types.ModelPrice]]:
    if isinstance(model.prices, types.ModelPrice):
        return [(OPEN_START, model.prices)]
    periods: list[tuple[dt.date, types.ModelPrice]] = []
    for conditional in model.prices:
        constraint = conditional.constraint
        if constraint is None:
            periods.append((OPEN_START, conditional.prices))
        elif isinstance(constraint, types.StartDateConstraint):
            start = constraint.start_date
            if isinstance(start, dt.datetime):
                start = start.date()
            periods.append((start, conditional.prices))
        # Time-of-day discounts (off-peak pricing) are not modelled: the base price applies.
    periods.sort(key=lambda item: item[0])
    return periods


def resolve_model(model: str) -> list[ModelPrice]:
    """Price periods for one logged model string; empty when genai-prices does not know it."""
    snapshot = data_snapshot.get_snapshot()
    try:
        provider, info = snapshot.find_provider_model(model, None, None, None)
    except LookupError:
        return []
    periods = _periods(info)
    rows: list[ModelPrice] = []
    for index, (start, price) in enumerate(periods):
        end = periods[index + 1][0] if index + 1 < len(periods) else OPEN_END
        rows.append(
            ModelPrice(
                model=model,
                provider=provider.id,
                model_id=info.id,
                effective_from=start,
                effective_to=end,
                input_per_mtok_usd=_base_rate(getattr(price, "input_mtok", None)),
                output_per_mtok_usd=_base_rate(getattr(price, "output_mtok", None)),
                cached_input_per_mtok_usd=_base_rate(
                    getattr(price, "cache_read_mtok", None) or getattr(price, "input_mtok", None)
                ),
                per_request_usd=float(getattr(price, "requests_kcount", None) or 0) / 1000.0,
                source="genai-prices",
            )
        )
    return rows


def load_overrides(path: Path) -> list[ModelPrice]:
    """Read a user-maintained price override CSV (negotiated or owned-inference prices)."""
    if not path.exists():
        return []
    rows: list[ModelPrice] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            if not record.get("model"):
                continue
            rows.append(
                ModelPrice(
                    model=record["model"],
                    provider=record.get("provider") or "custom",
                    model_id=record.get("model_id") or record["model"],
                    effective_from=_parse_date(record.get("effective_from"), OPEN_START),
                    effective_to=_parse_date(record.get("effective_to"), OPEN_END),
                    input_per_mtok_usd=float(record.get("input_per_mtok_usd") or 0),
                    output_per_mtok_usd=float(record.get("output_per_mtok_usd") or 0),
                    cached_input_per_mtok_usd=float(
                        record.get("cached_input_per_mtok_usd")
                        or record.get("input_per_mtok_usd")
                        or 0
                    ),
                    per_request_usd=float(record.get("per_request_usd") or 0),
                    source="override",
                )
            )
    return rows


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    return dt.date.fromisoformat(value) if value else default


def build_price_table(
    models: Iterable[str], overrides: Iterable[ModelPrice] = ()
) -> list[ModelPrice]:
    """Price periods for every model string; an override replaces genai-prices for its model."""
    override_rows = list(overrides)
    overridden = {row.model for row in override_rows}
    table: list[ModelPrice] = list(override_rows)
    for model in sorted({m for m in models if m} - overridden):
        table.extend(resolve_model(model))
    return table


def price_on(table: Iterable[ModelPrice], model: str, day: dt.date) -> ModelPrice | None:
    """The price row in force for `model` on `day` (the SQL join does the same per event)."""
    for row in table:
        if row.model == model and row.effective_from <= day < row.effective_to:
            return row
    return None


def cost_usd(
    price: ModelPrice, input_tokens: float, output_tokens: float, cached_input_tokens: float
) -> float:
    """Cost of one call; cached tokens are part of input and priced once, at the cached rate.

    The arithmetic order matches `PRICE_SQL_EXPRESSION` so Python and SQL agree to the bit.
    """
    return (
        (input_tokens - cached_input_tokens) * price.input_per_mtok_usd
        + cached_input_tokens * price.cached_input_per_mtok_usd
        + output_tokens * price.output_per_mtok_usd
    ) / 1e6 + price.per_request_usd


# SQL form of `cost_usd`, for an event alias `e` joined to a price alias `p`.
PRICE_SQL_EXPRESSION = (
    "((e.input_tokens - coalesce(e.cached_input_tokens, 0)) * p.input_per_mtok_usd"
    " + coalesce(e.cached_input_tokens, 0) * p.cached_input_per_mtok_usd"
    " + e.output_tokens * p.output_per_mtok_usd) / 1e6 + p.per_request_usd"
)
