"""Publish area: BI publication and the weekly ops report."""

import dagster as dg

from orchestration.defs.publish.assets import MART_KEYS, ops_report, published_marts

defs = dg.Definitions(assets=[published_marts, ops_report])

__all__ = ["MART_KEYS", "defs", "ops_report", "published_marts"]
