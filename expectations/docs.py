"""The Data Docs site: static HTML of every run's validations under the report directory.

Validation results are kept as JSON next to the site (`<report_dir>/data_docs_results/`),
so the site's index lists the history of runs while each run renders only its own pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
)

DOCS_SITE = "ledger_data_docs"


def results_dir(docs_dir: Path) -> Path:
    return docs_dir.parent / "data_docs_results"


def context_config(docs_dir: Path | None) -> DataContextConfig:
    """An in-memory context; with a docs site, validation results persist beside it."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    )
    if docs_dir is not None:
        config.stores[config.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(results_dir(docs_dir)),
            },
        }
    return config


def add_docs_site(context: Any, docs_dir: Path) -> None:
    """Register a file-system site rooted at `docs_dir` on a GE context."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )


def docs_index(docs_dir: Path) -> Path:
    return docs_dir / "index.html"
