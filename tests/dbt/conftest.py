"""Session fixtures for the dbt project: each scenario generated, ingested and built once,
in its own temporary warehouse with its own dbt target and log paths."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from dbt_harness import BuiltWarehouse, dbt_invoke, generate_landing, ingest

from inference_ledger.generator import SCENARIOS


@pytest.fixture(scope="session")
def build_scenario(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., BuiltWarehouse]:
    """Generate a scenario, load its raw zone and `dbt build` it; once per scenario."""
    cache: dict[tuple[str, str], BuiltWarehouse] = {}

    def _build(scenario: str, fmt: str = "jsonl") -> BuiltWarehouse:
        if (scenario, fmt) not in cache:
            work = tmp_path_factory.mktemp(f"dbt-{scenario}-{fmt}")
            # Non-canonical shapes (OTLP, envelopes, CSV) ingest slower: a shorter run.
            size = {} if fmt == "jsonl" else {"days": 14, "events": 80}
            landing = generate_landing(work / "landing", scenario, fmt=fmt, **size)
            warehouse = ingest(landing, work)
            dbt_invoke(warehouse, work, "build")
            cache[(scenario, fmt)] = BuiltWarehouse(warehouse, landing, work)
        return cache[(scenario, fmt)]

    return _build


@pytest.fixture(scope="session", params=SCENARIOS)
def scenario_warehouse(
    request: pytest.FixtureRequest, build_scenario: Callable[[str], BuiltWarehouse]
) -> BuiltWarehouse:
    return build_scenario(request.param)
