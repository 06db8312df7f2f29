"""The code location: every area under `orchestration/defs/` merged into one Definitions.

Each area package (ingest, transform, quality, publish, automation, ...) exposes `defs`;
new areas are picked up without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

import orchestration.defs as defs_package


def _area_definitions() -> list[dg.Definitions]:
    found = []
    for module in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda m: m.name):
        imported = importlib.import_module(f"{defs_package.__name__}.{module.name}")
        area = getattr(imported, "defs", None)
        if isinstance(area, dg.Definitions):
            found.append(area)
    return found


defs = dg.Definitions.merge(*_area_definitions())
