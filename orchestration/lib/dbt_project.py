"""The one dbt project the code location runs, with its manifest parsed for the active target."""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import shutil
import sys
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from inference_ledger.dbt_runner import PROJECT_DIR, DbtInvocation, run_dbt
from inference_ledger.settings import load_settings

# Inputs whose change makes a parsed manifest stale.
_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_INPUTS:
        path = project_dir / name
        candidates = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for candidate in candidates:
            if candidate.is_file():
                newest = max(newest, candidate.stat().st_mtime)
    return newest


def manifest_is_stale(manifest: Path, project_dir: Path = PROJECT_DIR) -> bool:
    return not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime(project_dir)


@cache
def ledger_dbt_project() -> DbtProject:
    """The dbt project, parsed once per process with the same target that will run it."""
    settings = load_settings()
    target_path = Path("target") / settings.dbt_target
    project = DbtProject(
        project_dir=PROJECT_DIR,
        profiles_dir=PROJECT_DIR,
        target=settings.dbt_target,
        target_path=target_path,
    )
    if manifest_is_stale(project.manifest_path):
        _parse(settings.dbt_target, PROJECT_DIR / target_path)
    return project


def _parse(target: str, target_dir: Path) -> None:
    """Parse into a private directory and move the manifest in atomically.

    Several processes (a run, the UI, a second run waiting for the lock) may start at once;
    one parses while the others wait, and nobody ever reads a half-written manifest.
    """
    target_dir.mkdir(parents=True, exist_ok=True)
    with (target_dir / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = target_dir / "manifest.json"
        if not manifest_is_stale(manifest):
            return
        scratch = target_dir.with_name(f"{target_dir.name}.parse-{os.getpid()}")
        try:
            run_dbt(
                DbtInvocation(
                    command="parse",
                    target=target,
                    target_path=scratch,
                    log_path=PROJECT_DIR / "logs",
                )
            )
            for name in ("partial_parse.msgpack", "semantic_manifest.json", "manifest.json"):
                if (scratch / name).exists():
                    os.replace(scratch / name, target_dir / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


class LedgerDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, without the start-up work a ledger run does not use.

    Before each dbt step dagster-dbt asks the dbt executable for its version (a second dbt
    process, 1.5-4 s here) and sets up a dbt adapter in the job process (about 1.4 s), which
    it needs only to fetch row counts or column metadata. The executable is this
    environment's own dbt, so its version is the installed dbt-core's, and no metadata is
    fetched, so no adapter is set up.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == _own_dbt_executable():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        return None


def _own_dbt_executable() -> Path:
    return Path(sys.executable).with_name("dbt")


def dbt_cli_resource() -> DbtCliResource:
    project = ledger_dbt_project()
    # The dbt executable of this environment, so runs work without an activated virtualenv.
    executable = _own_dbt_executable()
    return LedgerDbtCliResource(
        project_dir=project,
        target=project.target,
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )
