"""Run the dbt project programmatically: argument building as pure functions, one runner.

The pipeline and the tests call `run_dbt(DbtInvocation(...))`. Everything that decides what
dbt is asked to do lives in `build_args`, a pure function with a table-driven unit test, so
a change of flags shows in review and never needs a warehouse to check.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"

COMMANDS = frozenset({"build", "run", "test", "seed", "compile", "show", "parse", "ls", "docs"})


class DbtRunError(RuntimeError):
    """dbt finished with a failure; the message lists the failing nodes."""


@dataclass(frozen=True)
class DbtInvocation:
    """One dbt command and everything that selects its target and window."""

    command: str = "build"
    project_dir: Path = PROJECT_DIR
    profiles_dir: Path | None = None
    target: str | None = None
    vars: Mapping[str, Any] = field(default_factory=dict)
    select: Sequence[str] = ()
    exclude: Sequence[str] = ()
    full_refresh: bool = False
    target_path: Path | None = None
    log_path: Path | None = None
    threads: int | None = None
    extra: Sequence[str] = ()


def window_vars(start_date: str | None, end_date: str | None) -> dict[str, str]:
    """dbt vars for a partition window: start inclusive, end exclusive (ISO dates)."""
    window: dict[str, str] = {}
    if start_date:
        window["start_date"] = start_date
    if end_date:
        window["end_date"] = end_date
    return window


def build_args(invocation: DbtInvocation) -> list[str]:
    """The dbt CLI argument list for an invocation (no side effects)."""
    if invocation.command not in COMMANDS:
        raise ValueError(f"unsupported dbt command: {invocation.command!r}")
    args = [invocation.command]
    if invocation.command == "docs":
        args.append("generate")
    args += ["--project-dir", str(invocation.project_dir)]
    args += ["--profiles-dir", str(invocation.profiles_dir or invocation.project_dir)]
    if invocation.target:
        args += ["--target", invocation.target]
    if invocation.vars:
        # Sorted keys: the same window always renders the same command line.
        args += ["--vars", json.dumps(dict(invocation.vars), sort_keys=True)]
    if invocation.select:
        args += ["--select", *invocation.select]
    if invocation.exclude:
        args += ["--exclude", *invocation.exclude]
    if invocation.full_refresh and invocation.command in {"build", "run", "seed"}:
        args.append("--full-refresh")
    if invocation.target_path:
        args += ["--target-path", str(invocation.target_path)]
    if invocation.log_path:
        args += ["--log-path", str(invocation.log_path)]
    if invocation.threads:
        args += ["--threads", str(invocation.threads)]
    args += list(invocation.extra)
    return args


@contextmanager
def temporary_environment(env: Mapping[str, str] | None) -> Iterator[None]:
    """Apply `env` to this process for the duration of the block, then restore it."""
    saved = {key: os.environ.get(key) for key in (env or {})}
    os.environ.update(env or {})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(
    invocation: DbtInvocation, env: Mapping[str, str] | None = None, *, check: bool = True
) -> Any:
    """Run dbt in-process with `env` applied for the call; raise `DbtRunError` on failure.

    Returns the `dbtRunnerResult` (its `.result` holds per-node results).
    """
    from dbt.cli.main import dbtRunner

    with temporary_environment(env):
        try:
            result = dbtRunner().invoke(build_args(invocation))
        finally:
            release_duckdb()
    if check and not result.success:
        raise DbtRunError(_failure_summary(result))
    return result


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in-process after an invocation.

    dbt-duckdb caches one open database per process; while it is open, no other connection
    with a different configuration (a read-only reader, the next run) can open the file.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def _failure_summary(result: Any) -> str:
    if result.exception is not None:
        return f"dbt failed: {result.exception}"
    failures = []
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node, "status", ""))
        if status in {"error", "fail", "runtime error"}:
            failures.append(f"{node.node.unique_id}: {status}: {node.message}")
    return "dbt failed:\n" + "\n".join(failures or ["(no node details)"])
