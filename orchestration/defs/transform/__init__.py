"""Transform area: the dbt project's models as assets, its tests as asset checks."""

import dagster as dg

from orchestration.defs.transform.assets import dbt_build_args, ledger_dbt_models
from orchestration.lib.dbt_project import dbt_cli_resource

defs = dg.Definitions(assets=[ledger_dbt_models], resources={"dbt": dbt_cli_resource()})

__all__ = ["dbt_build_args", "defs", "ledger_dbt_models"]
