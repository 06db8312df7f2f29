"""Generate the DuckDB SQL that turns parsed records into canonical, typed rows.

Input is a relation `(source_file, source_line, raw_text, j, parse_error)` where `j` is the
record as JSON text. Output has one row per input record: the canonical columns, `extras`,
`record_hash`, `record_key` and `reason` (NULL when the record is good, else the quarantine
reason). A whole batch of files is converted in one vectorised statement; nothing is done
per row in Python.
"""

from __future__ import annotations

import json

from inference_ledger.ingest.fields import (
    ACTION_MAP,
    DEPLOYMENT_MAP,
    FALSE_WORDS,
    PLACEHOLDERS,
    STATE_MAP,
    STATUS_MAP,
    TRIGGER_MAP,
    TRUE_WORDS,
    Field,
    KindSpec,
)

# Keys that may hold prompt or response text or a raw user id: never copied into `extras`.
CONTENT_KEYS = (
    "prompt",
    "prompts",
    "response",
    "completion",
    "messages",
    "input_text",
    "output_text",
    "content",
    "user_id",
    "user",
)

SQL_TYPES = {
    "text": "VARCHAR",
    "id": "VARCHAR",
    "hash": "VARCHAR",
    "ts": "TIMESTAMP",
    "date": "DATE",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "json": "VARCHAR",
    "state": "VARCHAR",
    "trigger": "VARCHAR",
    "status": "VARCHAR",
    "action": "VARCHAR",
    "deployment": "VARCHAR",
}

# Mapped vocabularies keep the logged value next to the canonical one.
RAW_COPY_KINDS = {"state": "state_raw", "trigger": "trigger_type_raw", "status": "status_raw"}


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote a string literal."""
    return "'" + text.replace("'", "''") + "'"


def _list_lit(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]::VARCHAR[]"


def _structure(fields: tuple[Field, ...]) -> dict[str, object]:
    tree: dict[str, object] = {}
    for field in fields:
        for source in field.sources:
            parts = source.split(".")
            node = tree
            for part in parts[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    # A key used both flat and as a section: read it as a section.
                    child = node[part] = {}
                node = child
            node.setdefault(parts[-1], "VARCHAR")
    return tree


def _path_expr(source: str) -> str:
    return "s." + ".".join(q(part) for part in source.split("."))


def _case_map(expr: str, mapping: dict[str, str], default: str) -> str:
    arms = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    return f"CASE lower(trim({expr})) {arms} ELSE {default} END"


def _in_list(expr: str, values: tuple[str, ...]) -> str:
    # Not `x IN (...)` (nor list_contains): DuckDB plans a constant list of more than a few
    # values as a join per column, which costs more than the whole conversion of a record.
    arms = " ".join(f"WHEN {lit(v)} THEN true" for v in values)
    return f"CASE {expr} {arms} ELSE false END"


def _is_placeholder(expr: str) -> str:
    return _in_list(f"lower(trim({expr}))", PLACEHOLDERS)


def _number_column(field: Field) -> str:
    # Parsed once in the raw_values step, then reused by the type and validity checks.
    return q("n_" + field.name)


def number_expr(raw: str) -> str:
    """`try_cast(trim(raw) AS DOUBLE)`, without trimming text that parses as it is.

    The cast accepts surrounding ASCII whitespace and trim removes only spaces (Unicode Zs),
    so text that parses untrimmed parses to the same number trimmed; only the rest (no number,
    or one padded with no-break spaces) is trimmed and parsed again.
    """
    return f"coalesce(try_cast({raw} AS DOUBLE), try_cast(trim({raw}) AS DOUBLE))"


def typed_expr(field: Field, raw: str) -> str:
    """SQL converting the raw text `raw` of one field to its canonical type (NULL if invalid)."""
    kind = field.kind
    if kind == "text":
        return f"nullif(trim({raw}), '')"
    if kind == "id":
        arms = " ".join(f"WHEN {lit(p)} THEN NULL" for p in PLACEHOLDERS)
        return f"CASE lower(trim({raw})) {arms} ELSE trim({raw}) END"
    if kind == "hash":
        lowered = f"lower(trim({raw}))"
        return (
            f"CASE WHEN {_is_placeholder(raw)} THEN NULL "
            f"WHEN starts_with({lowered}, 'sha256:') THEN {lowered}[8:] ELSE {lowered} END"
        )
    if kind == "ts":
        return f"ledger_ts({raw})"
    if kind == "date":
        return (
            f"coalesce(try_cast(trim({raw}) AS DATE), "
            f"try_cast(try_cast(trim({raw}) AS TIMESTAMPTZ) AS DATE), "
            f"try_cast(trim({raw}) || '-01' AS DATE))"
        )
    if kind == "int":
        number = _number_column(field)
        return (
            f"CASE WHEN {number} = trunc({number}) AND abs({number}) < 9e15 "
            f"THEN CAST({number} AS BIGINT) END"
        )
    if kind == "float":
        return f"CASE WHEN isfinite({_number_column(field)}) THEN {_number_column(field)} END"
    if kind == "bool":
        words = {**dict.fromkeys(TRUE_WORDS, "true"), **dict.fromkeys(FALSE_WORDS, "false")}
        arms = " ".join(f"WHEN {lit(word)} THEN {value}" for word, value in words.items())
        return f"CASE lower(trim({raw})) {arms} END"
    if kind == "json":
        return f"nullif(trim({raw}), '')"
    if kind == "state":
        return _case_map(raw, STATE_MAP, "NULL")
    if kind == "trigger":
        return _case_map(raw, TRIGGER_MAP, "'unknown'")
    if kind == "status":
        return _case_map(raw, STATUS_MAP, "NULL")
    if kind == "action":
        return _case_map(raw, ACTION_MAP, f"nullif(lower(trim({raw})), '')")
    if kind == "deployment":
        return _case_map(raw, DEPLOYMENT_MAP, f"nullif(lower(trim({raw})), '')")
    raise ValueError(f"unknown field kind {kind!r}")


MACROS = (
    # Epoch numbers are accepted in s, ms, us or ns (by magnitude); text goes through the
    # ISO-8601 parser; naive values are UTC because the session time zone is UTC.
    """CREATE OR REPLACE TEMP MACRO ledger_ts(r) AS (
        CASE
          WHEN r IS NULL OR trim(r) = '' THEN NULL
          WHEN try_cast(trim(r) AS DOUBLE) IS NOT NULL THEN
            CASE
              WHEN NOT isfinite(try_cast(trim(r) AS DOUBLE)) THEN NULL
              WHEN abs(try_cast(trim(r) AS DOUBLE)) >= 1e17
                THEN make_timestamp(CAST(try_cast(trim(r) AS DOUBLE) / 1000 AS BIGINT))
              WHEN abs(try_cast(trim(r) AS DOUBLE)) >= 1e14
                THEN make_timestamp(CAST(try_cast(trim(r) AS DOUBLE) AS BIGINT))
              WHEN abs(try_cast(trim(r) AS DOUBLE)) >= 1e11
                THEN make_timestamp(CAST(try_cast(trim(r) AS DOUBLE) * 1000 AS BIGINT))
              ELSE make_timestamp(CAST(try_cast(trim(r) AS DOUBLE) * 1000000 AS BIGINT))
            END
          ELSE try_cast(try_cast(trim(r) AS TIMESTAMPTZ) AS TIMESTAMP)
        END)""",
)


def _extras_entries_expr(spec: KindSpec, extra_known: tuple[str, ...]) -> str:
    """The (key, value) list of a record's unknown fields; NULL when there are none.

    Records whose top-level keys are all known, flat fields (the usual case) skip the key
    walk: one `json_keys` call decides it, and CASE evaluates the walk only for the others.
    """
    top_known: set[str] = set(extra_known) | set(CONTENT_KEYS)
    sections: dict[str, set[str]] = {}
    for field in spec.fields:
        for source in field.sources:
            parts = source.split(".")
            top_known.add(parts[0])
            if len(parts) == 2:
                sections.setdefault(parts[0], set()).add(parts[1])
    # Keys are paired with values by position ('$.*'), never spliced into a JSON path: a key
    # such as "", "*" or one with a backslash is not a valid path and used to fail the file.
    pieces = [_entries_expr("json_keys(j)", "json_extract(j, '$.*')", sorted(top_known), "''")]
    for section, members in sorted(sections.items()):
        known = sorted(members | set(CONTENT_KEYS))
        path = lit(f'$."{section}"')
        pieces.append(
            f"CASE WHEN json_type(j, {path}) = 'OBJECT' THEN "
            + _entries_expr(
                f"json_keys(j, {path})",
                f"json_extract(j, {path} || '.*')",
                known,
                lit(section + "."),
            )
            + " END"
        )
    entries = pieces[0] if len(pieces) == 1 else f"list_concat({', '.join(pieces)})"
    entries = f"coalesce({entries}, [])"
    flat_known = sorted(top_known - set(sections))
    return (
        f"CASE WHEN j IS NULL OR list_has_all({_list_lit(flat_known)}, json_keys(j)) THEN NULL "
        f"ELSE {entries} END"
    )


def _extras_expr(entries: str) -> str:
    """`extras` JSON text from the column `entries` (see `_extras_entries_expr`)."""
    # A key repeated in the record (duplicate JSON keys) keeps its first value, as the
    # canonical fields do; a map with a repeated key would fail the whole file.
    unique = (
        f"list_filter({entries}, lambda x, i: "
        f"list_position(list_transform({entries}, lambda y: y.key), x.key) = i)"
    )
    return (
        f"CASE WHEN {entries} IS NULL OR len({entries}) = 0 THEN NULL "
        f"ELSE to_json(map_from_entries({unique}))::VARCHAR END"
    )


def _entries_expr(keys: str, values: str, known: list[str], prefix: str) -> str:
    """(key, value) structs for the keys of one JSON object that are not in `known`."""
    return (
        f"list_transform(list_filter(list_zip({keys}, {values}), "
        f"lambda p: NOT list_contains({_list_lit(known)}, p[1])), "
        f"lambda p: {{'key': {prefix} || p[1], 'value': p[2]}})"
    )


def _present_sources(field: Field, present: frozenset[str] | None) -> tuple[str, ...]:
    if present is None:
        return field.sources
    return tuple(s for s in field.sources if s.split(".")[0] in present)


def _only_flat_known_keys(
    spec: KindSpec, extra_known: tuple[str, ...], present: frozenset[str] | None
) -> bool:
    """True when every top-level key of the file is a known flat field (no extras possible)."""
    if present is None:
        return False
    known = set(extra_known) | set(CONTENT_KEYS)
    sections = set()
    for field in spec.fields:
        for source in field.sources:
            parts = source.split(".")
            (sections if len(parts) == 2 else known).add(parts[0])
    return present <= known - sections


# Parquet column types whose text (CAST AS VARCHAR) is exactly the text the value has after
# to_json and json_transform, the way Parquet rows used to be read; DOUBLE gives the same
# number (NaN and the infinities are spelled differently), so it may feed numeric fields
# only. tests/unit/test_ingest_helpers.py holds DuckDB to both.
TEXT_EXACT_TYPES = frozenset(
    (
        "VARCHAR BOOLEAN TINYINT SMALLINT INTEGER BIGINT HUGEINT UTINYINT USMALLINT UINTEGER "
        "UBIGINT DATE TIMESTAMP TIMESTAMP_S TIMESTAMP_MS TIMESTAMP_NS"
    ).split()
    + ["TIMESTAMP WITH TIME ZONE"]
)
NUMBER_EXACT_TYPES = frozenset(("DOUBLE",))


def reads_columns_directly(
    spec: KindSpec, columns: tuple[tuple[str, str], ...], extra_known: tuple[str, ...] = ()
) -> bool:
    """True when a Parquet file with these (name, type) columns can be staged from its
    columns (`stage_sql(direct=...)`) with the same result as from its rows as JSON: every
    column is a known flat field (no `extras`) of a type that converts to the same text."""
    names = frozenset(name for name, _type in columns)
    if len(names) != len(columns) or not _only_flat_known_keys(spec, extra_known, names):
        return False
    for name, column_type in columns:
        for field in spec.fields:
            if name not in field.sources or column_type in TEXT_EXACT_TYPES:
                continue
            if column_type not in NUMBER_EXACT_TYPES or field.kind not in ("int", "float"):
                return False
    return True


def _struct_type(tree: dict[str, object]) -> str:
    members = ", ".join(
        f"{q(k)} {v if isinstance(v, str) else _struct_type(v)}" for k, v in tree.items()
    )
    return f"STRUCT({members})"


def _direct_sql(tree: dict[str, object], rows: str, columns: frozenset[str]) -> str:
    """The parsed rows (as in stage_sql's `parsed`) of a Parquet scan `rows` (source_file,
    source_line and the file's columns): the struct json_transform would give for the row's
    JSON text, built from the columns (`reads_columns_directly` says when that is exact)."""
    members = []
    for key, node in tree.items():
        if isinstance(node, dict):
            members.append(f"{lit(key)}: NULL::{_struct_type(node)}")
        elif key in columns:
            members.append(f"{lit(key)}: CAST({q(key)} AS VARCHAR)")
        else:
            members.append(f"{lit(key)}: NULL::VARCHAR")
    parsed = "{" + ", ".join(members) + "}" if tree else "NULL"
    return (
        "SELECT source_file, source_line, NULL::VARCHAR AS raw_text, NULL::VARCHAR AS j, "
        f"NULL::VARCHAR AS parse_error, {parsed} AS s FROM {rows}"
    )


def _record_hash_expr(fields: tuple[Field, ...]) -> str:
    """SHA-256 of a record's canonical values (the same for every shape the record came in).

    The values are joined with a unit separator, NULL written as a record separator. A value
    that itself contains the unit separator would make the joined text ambiguous, so such
    rare records are hashed from their JSON form instead (slower, always unambiguous).
    """
    names = [f.name for f in fields] + ["extras"]
    joined = (
        "concat_ws(chr(31), "
        + ", ".join(f"coalesce(CAST({q(n)} AS VARCHAR), chr(30))" for n in names)
        + ")"
    )
    as_json = "to_json({" + ", ".join(f"{lit(n)}: {q(n)}" for n in names) + "})::VARCHAR"
    # Numbers, times and booleans never contain the separator as text, so only the text
    # values are searched (the joined text used to be counted, which cost a copy per record).
    texts = [f.name for f in fields if SQL_TYPES[f.kind] == "VARCHAR"] + ["extras"]
    ambiguous = " OR ".join(f"contains({q(n)}, chr(31))" for n in texts)
    return f"CASE WHEN {ambiguous} THEN sha256({as_json}) ELSE sha256({joined}) END"


def stage_sql(
    spec: KindSpec,
    source: str,
    extra_known: tuple[str, ...] = (),
    keep_json: bool = False,
    present: frozenset[str] | None = None,
    direct: tuple[tuple[str, frozenset[str]], ...] = (),
) -> str:
    """A SELECT producing canonical rows plus `reason` for every record of `source`.

    Only quarantined rows keep their raw text, and the parsed JSON is kept only when asked
    (nested envelopes need it), so the staged table stays narrow on large files.
    `present`, the set of top-level keys that occur anywhere in `source`, narrows the parse
    to the aliases the file actually uses and skips the per-record search for unknown keys
    when the file has none; the result is the same as without it.
    `direct` adds Parquet scans (SQL of rows with source_file, source_line and the file's
    columns; the column names) that `reads_columns_directly` approved: their records are
    staged from the columns, without JSON text, so their quarantined rows get no raw text
    here (the caller adds it) and `present` must include their column names.
    """
    fields = spec.fields
    tree = _structure(tuple(Field(f.name, f.kind, _present_sources(f, present)) for f in fields))
    raw_cols = []
    for field in fields:
        paths = [_path_expr(s) for s in _present_sources(field, present)]
        if not paths:
            expr = "NULL::VARCHAR"
        else:
            expr = paths[0] if len(paths) == 1 else f"coalesce({', '.join(paths)})"
        raw_cols.append(f"{expr} AS {q('r_' + field.name)}")
        if field.kind in ("int", "float"):
            raw_cols.append(f"{number_expr(expr)} AS {_number_column(field)}")
    typed_cols = []
    output_cols = ["source_file", "source_line"]
    bad_checks = []
    for field in fields:
        raw = q("r_" + field.name)
        typed_cols.append(f"{typed_expr(field, raw)} AS {q(field.name)}")
        output_cols.append(q(field.name))
        if field.kind in RAW_COPY_KINDS:
            typed_cols.append(f"nullif(trim({raw}), '') AS {q(RAW_COPY_KINDS[field.kind])}")
            output_cols.append(q(RAW_COPY_KINDS[field.kind]))
        if field.kind in ("int", "float", "bool", "date") or (
            field.kind == "ts" and field.name != "event_ts"
        ):
            bad_checks.append(
                (
                    f"{q(field.name)} IS NULL AND {raw} IS NOT NULL AND trim({raw}) <> ''",
                    f"bad_type:{field.name}",
                )
            )
    names = {f.name for f in fields}
    reason_arms = ["WHEN parse_error IS NOT NULL THEN parse_error"]
    if "event_ts" in names:
        # A missing or blank timestamp converts to NULL, so a converted one skips the trim.
        reason_arms.append(
            "WHEN event_ts IS NULL AND (r_event_ts IS NULL OR trim(r_event_ts) = '') "
            "THEN 'missing_timestamp'"
        )
        reason_arms.append("WHEN event_ts IS NULL THEN 'bad_timestamp'")
    reason_arms += [f"WHEN {cond} THEN {lit(reason)}" for cond, reason in bad_checks]
    reason_arms += [
        f"WHEN {q(name)} IS NULL THEN {lit('missing_required:' + name)}" for name in spec.required
    ]
    if spec.kind == "approvals":
        reason_arms.append(
            "WHEN output_id IS NULL AND decision_envelope_id IS NULL "
            "THEN 'missing_required:output_id'"
        )
    if spec.kind == "tool_calls":
        reason_arms.append("WHEN tool_name IS NULL THEN 'missing_required:tool_name'")
    costs = [f.name for f in fields if f.kind == "float" and f.name.endswith("_usd")]
    if costs and spec.kind not in ("revenue", "prices"):
        reason_arms.append(
            "WHEN " + " OR ".join(f"{q(c)} < 0" for c in costs) + " THEN 'negative_cost'"
        )
    if spec.kind == "prices":
        reason_arms.append(
            "WHEN " + " OR ".join(f"{q(c)} < 0" for c in costs) + " THEN 'negative_price'"
        )
    tokens = [f.name for f in fields if f.kind == "int" and f.name.endswith("_tokens")]
    if tokens:
        reason_arms.append(
            "WHEN " + " OR ".join(f"{q(t)} < 0" for t in tokens) + " THEN 'negative_tokens'"
        )
    key_expr = f"coalesce({q(spec.key)}, record_hash)" if spec.key else "record_hash"
    parse = (
        f"CASE WHEN j IS NULL THEN NULL ELSE json_transform(j, {lit(json.dumps(tree))}) END"
        if tree
        else "NULL"
    )
    extras_entries = (
        "NULL::STRUCT(key VARCHAR, value JSON)[]"
        if _only_flat_known_keys(spec, extra_known, present)
        else _extras_entries_expr(spec, extra_known)
    )
    parsed = [
        "SELECT source_file, source_line, coalesce(raw_text, j) AS raw_text, j, parse_error, "
        f"{parse} AS s FROM {source}"
    ]
    parsed += [_direct_sql(tree, rows, columns) for rows, columns in direct]
    return f"""
WITH parsed AS (
  {" UNION ALL ".join(parsed)}
), raw_values AS (
  SELECT source_file, source_line, raw_text, j, parse_error, {", ".join(raw_cols)}
  FROM parsed
), typed AS (
  SELECT * EXCLUDE (_extras_entries), {", ".join(typed_cols)},
         {_extras_expr("_extras_entries")} AS extras
  FROM (SELECT *, {extras_entries} AS _extras_entries FROM raw_values)
), hashed AS (
  SELECT *, {_record_hash_expr(fields)} AS record_hash,
         CASE {" ".join(reason_arms)} ELSE NULL END AS reason
  FROM typed
)
SELECT {", ".join(output_cols)}, extras, record_hash, reason, {key_expr} AS record_key,
       CASE WHEN reason IS NOT NULL THEN raw_text END AS raw_text{", j" if keep_json else ""}
FROM hashed
"""
