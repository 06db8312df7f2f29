"""Where the JSON Schemas live and which record kind a landing file holds."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from pathlib import PurePath
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_VERSION = "v1"

# Landing folder name → schema name (docs/data_contract.md, section 1).
RECORD_KINDS: dict[str, str] = {
    "events": "inference_event",
    "transitions": "output_transition",
    "envelopes": "decision_envelope",
    "tool_calls": "tool_call",
    "approvals": "approval",
    "revenue": "revenue",
    "otlp": "otlp_traces",
    "prices": "model_price",
}

_FORMATS = FormatChecker()


@_FORMATS.checks("ledger-timestamp", raises=ValueError)
def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return True
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt.datetime.fromisoformat(text)
    return True


@_FORMATS.checks("ledger-date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        dt.date.fromisoformat(value)
    return True


@cache
def load_schema(name: str, version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema document for one record kind (e.g. `inference_event`)."""
    path = resources.files("inference_ledger.schemas").joinpath(version, f"{name}.schema.json")
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def validator_for(name: str, version: str = SCHEMA_VERSION) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name, version), format_checker=_FORMATS)


@cache
def column_types(name: str, version: str = SCHEMA_VERSION) -> dict[str, frozenset[str]]:
    """JSON types of each top-level property, for typing flat (CSV) records."""
    types: dict[str, frozenset[str]] = {}
    for prop, spec in load_schema(name, version).get("properties", {}).items():
        declared = spec.get("type")
        if declared is None and "anyOf" in spec:
            declared = [t for option in spec["anyOf"] for t in _as_list(option.get("type"))]
        types[prop] = frozenset(_as_list(declared))
    return types


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def kind_for_path(path: PurePath) -> str | None:
    """The record kind named by the nearest landing folder in `path` (`events/…` → events)."""
    for part in reversed(path.parent.parts):
        if part in RECORD_KINDS:
            return part
    stem = path.name.split(".", 1)[0]
    for kind in RECORD_KINDS:
        if stem == kind or stem.startswith(kind + "-") or stem.startswith(kind + "_"):
            return kind
    return None
