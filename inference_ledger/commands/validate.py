"""`ledger validate`: check landing files against the input contract's JSON Schemas."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from inference_ledger.contract import RECORD_KINDS, kind_for_path, validate_file
from inference_ledger.contract.readers import file_format


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check JSONL/Parquet/CSV files against the input contract",
        description=(
            "Check landing files against the versioned JSON Schemas of the input contract. "
            "Prints, per file, the record counts and the first errors with their line numbers "
            "(rows for Parquet). Exits 1 when any record or file is invalid. A directory is "
            "searched recursively; the record kind comes from the landing folder a file is in "
            f"({', '.join(RECORD_KINDS)})."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories")
    parser.add_argument(
        "--kind",
        choices=sorted(RECORD_KINDS),
        help="record kind for every file (default: from the path)",
    )
    parser.add_argument(
        "--max-errors", type=int, default=5, metavar="N", help="errors shown per file (default 5)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only files with problems")
    parser.set_defaults(func=run)


def _files(paths: list[Path], kind: str | None) -> Iterator[tuple[Path, bool]]:
    """Files to check, and whether each was named explicitly."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if file_format(child) and (kind or kind_for_path(child.relative_to(path))):
                    yield child, False
        else:
            yield path, True


def run(args: argparse.Namespace) -> int:
    checked = failed = records = invalid = 0
    for path, _explicit in _files(args.paths, args.kind):
        if not path.exists():
            print(f"{path}: no such file")
            failed += 1
            continue
        report = validate_file(path, kind=args.kind, max_errors=args.max_errors)
        checked += 1
        records += report.records
        invalid += report.invalid
        if report.ok and args.quiet:
            continue
        status = "ok" if report.ok else "INVALID"
        print(
            f"{path}: {status} kind={report.kind or '?'} records={report.records} "
            f"valid={report.valid} invalid={report.invalid}"
        )
        if report.file_error:
            print(f"  error: {report.file_error}")
        for error in report.errors:
            print(f"  line {error.line}: {error.message}")
        if not report.ok:
            failed += 1
    print(
        f"{checked} file(s) checked, {records} record(s), {invalid} invalid record(s), "
        f"{failed} file(s) with problems"
    )
    return 1 if failed else 0
