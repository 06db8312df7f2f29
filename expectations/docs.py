"""The Data Docs site: static HTML of each run's validations under the report directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOCS_SITE = "ledger_data_docs"


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
