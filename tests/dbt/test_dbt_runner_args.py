"""`build_args` turns an invocation into exactly the dbt command line the pipeline runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference_ledger.dbt_runner import PROJECT_DIR, DbtInvocation, build_args, window_vars

P = Path("proj")
BASE = ["--project-dir", "proj", "--profiles-dir", "proj"]

CASES = [
    (DbtInvocation(project_dir=P), ["build", *BASE]),
    (
        DbtInvocation(project_dir=P, profiles_dir=Path("profiles"), target="postgres"),
        ["build", "--project-dir", "proj", "--profiles-dir", "profiles", "--target", "postgres"],
    ),
    (
        DbtInvocation(project_dir=P, vars={"start_date": "2026-01-05", "end_date": "2026-01-06"}),
        ["build", *BASE, "--vars", '{"end_date": "2026-01-06", "start_date": "2026-01-05"}'],
    ),
    (
        DbtInvocation(project_dir=P, command="run", select=("marts.cost+",), full_refresh=True),
        ["run", *BASE, "--select", "marts.cost+", "--full-refresh"],
    ),
    # --full-refresh means nothing to `test`: it is dropped rather than rejected by dbt.
    (DbtInvocation(project_dir=P, command="test", full_refresh=True), ["test", *BASE]),
    (
        DbtInvocation(
            project_dir=P,
            exclude=("test_type:unit",),
            target_path=Path("t"),
            log_path=Path("l"),
            threads=2,
            extra=("--fail-fast",),
        ),
        [
            "build",
            *BASE,
            "--exclude",
            "test_type:unit",
            "--target-path",
            "t",
            "--log-path",
            "l",
            "--threads",
            "2",
            "--fail-fast",
        ],
    ),
    (DbtInvocation(project_dir=P, command="docs"), ["docs", "generate", *BASE]),
]


@pytest.mark.parametrize(("invocation", "expected"), CASES)
def test_build_args(invocation: DbtInvocation, expected: list[str]) -> None:
    assert build_args(invocation) == expected


def test_unknown_command_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported dbt command"):
        build_args(DbtInvocation(command="drop-everything"))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, {}),
        ("2026-01-05", None, {"start_date": "2026-01-05"}),
        ("2026-01-05", "2026-01-12", {"start_date": "2026-01-05", "end_date": "2026-01-12"}),
    ],
)
def test_window_vars(start: str | None, end: str | None, expected: dict[str, str]) -> None:
    assert window_vars(start, end) == expected


def test_default_project_is_the_shipped_dbt_project() -> None:
    assert (PROJECT_DIR / "dbt_project.yml").is_file()
    assert (PROJECT_DIR / "profiles.yml").is_file()
