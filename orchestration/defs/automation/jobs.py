"""The nightly job: ingest, dbt build, quality checks, publication and report, in one run."""

import dagster as dg

NIGHTLY_JOB = "nightly"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    # Daily partitions come from the selected assets (all share one definition).
    selection=dg.AssetSelection.all(),
    description=(
        "Everything the nightly run does: ingest new landing files, build the dbt project, run "
        "the quality checks, publish the marts for BI tools and write the weekly report."
    ),
)
