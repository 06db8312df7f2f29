"""Every format the generator writes satisfies the input contract, except injected corruption,
which `ledger validate` reports at exactly the lines the ground truth lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference_ledger.cli import main as ledger
from inference_ledger.contract import kind_for_path, validate_file
from inference_ledger.contract.readers import file_format
from inference_ledger.generator import FORMATS, GenerationOptions, generate


def _landing_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and file_format(p) and kind_for_path(p.relative_to(root))
    )


def _invalid_lines(root: Path) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for path in _landing_files(root):
        report = validate_file(path, max_errors=10_000)
        assert report.file_error is None, (path, report.file_error)
        found |= {(path.relative_to(root).as_posix(), e.line) for e in report.errors}
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_validates(tmp_path, fmt):
    out = tmp_path / fmt
    generate(
        GenerationOptions(
            out=out, scenario="compliance-gap", days=9, events_per_day=120, seed=11, format=fmt
        )
    )
    files = _landing_files(out)
    kinds = {kind_for_path(p.relative_to(out)) for p in files}
    assert {"transitions", "revenue"} <= kinds
    assert kinds & {"events", "otlp"}
    assert _invalid_lines(out) == set()


@pytest.mark.parametrize("fmt", ["jsonl", "mixed"])
def test_injected_corruption_is_reported_at_its_lines(tmp_path, fmt):
    out = tmp_path / fmt
    generate(
        GenerationOptions(
            out=out,
            scenario="baseline",
            days=10,
            events_per_day=150,
            seed=5,
            format=fmt,
            corrupt_rate=0.05,
        )
    )
    truth = json.loads((out / "ground_truth.json").read_text())
    expected = {(c["file"], c["line"]) for c in truth["corruption"] if c["reason"] != "duplicate"}
    assert len(expected) >= 5, "the scenario should inject several bad lines"
    assert _invalid_lines(out) == expected


def test_ledger_validate_exit_status(tmp_path, capsys):
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    generate(GenerationOptions(out=clean, days=3, events_per_day=50, seed=1))
    generate(GenerationOptions(out=dirty, days=3, events_per_day=200, seed=1, corrupt_rate=0.05))
    assert ledger(["validate", str(clean), "--quiet"]) == 0
    assert ledger(["validate", str(dirty), "--quiet"]) == 1
    output = capsys.readouterr().out
    assert "INVALID" in output and "line " in output
