"""A Pandera schema as the engine seam's neutral spec, or the reason it cannot be one.

The pandas engine checks with Pandera itself. The other engines evaluate a `TableSpec`;
what it cannot say (a custom check, a groupby, a regex column, a dataframe-wide check,
coercion, a dtype other than int64, float64 or text) is an input error that names the check
and the engine, never a check skipped without a word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgate.core import yamlio
from mlgate.data import RowCheck, TableSpec, Unexpressible, UniqueCheck
from mlgate.validate.schema import TEXT_DTYPES, ChunkPlan

if TYPE_CHECKING:
    from mlgate.config import Config

KINDS = {"int64": "int", "float64": "float"} | dict.fromkeys(TEXT_DTYPES - {"category"}, "str")
# Pandera's built-in check -> (the spec's op, its statistics in the op's argument order)
OPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "equal_to": ("eq", ("value",)),
    "not_equal_to": ("ne", ("value",)),
    "greater_than": ("gt", ("min_value",)),
    "greater_than_or_equal_to": ("ge", ("min_value",)),
    "less_than": ("lt", ("max_value",)),
    "less_than_or_equal_to": ("le", ("max_value",)),
    "in_range": ("in_range", ("min_value", "max_value", "include_min", "include_max")),
    "isin": ("isin", ("allowed_values",)),
    "notin": ("notin", ("forbidden_values",)),
    "str_matches": ("str_matches", ("pattern",)),
    "str_contains": ("str_contains", ("pattern",)),
    "str_startswith": ("str_startswith", ("string",)),
    "str_endswith": ("str_endswith", ("string",)),
    "str_length": ("str_length", ("min_value", "max_value")),
}


def table_spec(plan: ChunkPlan, engine: str, where: str) -> TableSpec:
    """The spec of a schema for `engine`; Unexpressible names the first check it cannot take."""
    schema = plan.per_chunk

    def refuse(what: str) -> Unexpressible:
        return Unexpressible(
            f"{where}: {what} cannot be checked by the {engine} engine; use engine: pandas "
            "(or --engine pandas), or change the schema"
        )

    for flag in ("coerce", "strict", "ordered", "add_missing_columns", "drop_invalid_rows"):
        if getattr(schema, flag, False):
            raise refuse(f"{flag}: true")
    if schema.checks:
        raise refuse(f"dataframe check {_name(schema.checks[0])}")
    if schema.index is not None:
        raise refuse("an index")
    kinds: dict[str, str] = {}
    dtype_names: dict[str, str] = {}
    checks: list[RowCheck] = []
    for name, column in schema.columns.items():
        label = f"column {yamlio.excerpt(str(name))}"
        dtype = _plain_column_dtype(column, label, refuse)
        kinds[str(name)] = KINDS[dtype]
        if KINDS[dtype] != "str":  # only a number column has values its dtype cannot hold
            dtype_names[str(name)] = f"dtype('{dtype}')"
        if not column.nullable:
            checks.append(RowCheck(str(name), "not_nullable", "not_null"))
        for check in column.checks:
            checks.append(_row_check(str(name), KINDS[dtype], check, refuse, label))
    unique = tuple(UniqueCheck(u.columns, u.check, u.keep) for u in plan.unique)
    return TableSpec(kinds, dtype_names, tuple(checks), unique)


def _plain_column_dtype(column: Any, label: str, refuse: Any) -> str:
    """The column's dtype name, when the spec can say the column; else refuse it."""
    if column.regex:
        raise refuse(f"{label}: a regex column name")
    if not column.required:
        raise refuse(f"{label}: required: false")
    for flag in ("coerce", "drop_invalid_rows"):
        if getattr(column, flag, False):
            raise refuse(f"{label}: {flag}: true")
    dtype = str(column.dtype) if column.dtype is not None else ""
    if dtype not in KINDS:
        raise refuse(f"{label}: dtype {yamlio.excerpt(dtype or 'undeclared')}")
    return dtype


def _row_check(column: str, kind: str, check: Any, refuse: Any, label: str) -> RowCheck:
    name = str(getattr(check, "name", None) or "")
    statistics = getattr(check, "statistics", None) or {}
    if name not in OPS or getattr(check, "groupby", None) is not None:
        raise refuse(f"{label}: check {_name(check)}")
    if name == "str_length" and statistics.get("exact_value") is not None:
        exact = statistics["exact_value"]
        return RowCheck(column, str(check.error or name), "str_length", (exact, exact))
    op, keys = OPS[name]
    args = tuple(statistics.get(key) for key in keys)
    if op in ("isin", "notin"):
        args = (tuple(args[0] or ()),)
    if not _fits(kind, op, args):
        raise refuse(f"{label}: check {_name(check)} (values the column's type cannot hold)")
    return RowCheck(column, str(check.error or name), op, args)


INT64 = range(-(2**63), 2**63)


def _fits(kind: str, op: str, args: tuple[Any, ...]) -> bool:
    """Whether a typed engine can compare the column with the check's values: text with text,
    numbers with numbers that fit 64 bits. Pandera compares anything as Python objects (an
    integer past 64 bits, a list among the values), and where it does, pandas checks."""
    if op == "str_length":
        return all(v is None or (_number(v) and isinstance(v, int)) for v in args)
    values = args[0] if op in ("isin", "notin") else args[:2] if op == "in_range" else args
    if op.startswith("str_") or kind == "str":
        return all(isinstance(v, str) for v in values)
    return all(_number(v) for v in values)


def _number(value: Any) -> bool:
    if isinstance(value, float):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value in INT64


def _name(check: Any) -> str:
    return yamlio.excerpt(str(getattr(check, "error", None) or getattr(check, "name", check)))


# What a schema file may say for the spec to be read from it without Pandera (with the value
# each key must have when it is there); anything else is read by Pandera.
PLAIN_SCHEMA: dict[str, Any] = {
    "schema_type": "dataframe", "version": None, "name": None, "title": None,
    "description": None, "columns": None, "checks": (None, [], {}), "index": (None, []),
    "dtype": (None,), "coerce": (False,), "strict": (False,), "ordered": (False,),
    "unique": None, "report_duplicates": None, "unique_column_names": (False,),
    "metadata": None, "add_missing_columns": (False,), "drop_invalid_rows": (False,),
}  # fmt: skip
PLAIN_COLUMN: dict[str, Any] = {
    "title": None, "description": None, "dtype": None, "nullable": (True, False),
    "checks": None, "name": None, "unique": (True, False), "coerce": (False,),
    "required": (True,), "regex": (False,), "report_duplicates": None,
    "drop_invalid_rows": (False,),
}  # fmt: skip
PLAIN_DTYPES = {"int64": "int", "float64": "float", "str": "str"}
ALONE = object()  # a check given one value, not keyword arguments


def plain_spec(ref: str) -> TableSpec | None:
    """The spec of a YAML/JSON schema that uses only what the spec can say, read without
    Pandera (importing pandas and Pandera costs more than the Polars pass over a million
    rows); None for anything else, which `load_schema` reads and checks as before. Every name
    is the one Pandera gives (`in_range(0, 120)`): tests hold the two readings equal."""
    import json
    from pathlib import Path

    from mlgate.config import is_import_path

    path = Path(ref)
    if is_import_path(ref) or path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return None
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yamlio.load(text, ref)
    except Exception:
        return None
    if not isinstance(data, dict) or not _plain(data, PLAIN_SCHEMA):
        return None
    columns = data.get("columns")
    # no column: a schema that checks nothing, which load_schema refuses, naming the file
    if not isinstance(columns, dict) or not _described(columns):
        return None
    try:
        return _spec_of(columns, data)
    except _NotPlain:
        return None


def _described(columns: dict[Any, Any]) -> bool:
    return bool(columns) and all(isinstance(c, dict) for c in columns.values())


class _NotPlain(Exception):
    pass


def _plain(mapping: dict[str, Any], allowed: dict[str, Any]) -> bool:
    for key, value in mapping.items():
        if key not in allowed:
            return False
        values = allowed[key]
        if isinstance(values, tuple) and value not in values:
            return False
        if isinstance(values, str) and value != values:
            return False
    return True


def _spec_of(columns: dict[str, Any], data: dict[str, Any]) -> TableSpec:
    kinds: dict[str, str] = {}
    dtype_names: dict[str, str] = {}
    checks: list[RowCheck] = []
    unique: list[UniqueCheck] = []
    # load_schema hands Pandera the schema through yaml.safe_dump, which sorts mapping keys:
    # columns, and checks given as a mapping, come in name order there
    if not all(isinstance(name, str) for name in columns):
        raise _NotPlain
    for name, column in sorted(columns.items()):
        flat = {k: v for k, v in column.items() if k not in PLAIN_COLUMN}
        if not isinstance(name, str) or not _plain(
            {k: v for k, v in column.items() if k not in flat}, PLAIN_COLUMN
        ):
            raise _NotPlain
        if flat and column.get("checks") is not None:
            raise _NotPlain
        kind = PLAIN_DTYPES.get(str(column.get("dtype")))
        if kind is None:
            raise _NotPlain
        kinds[name] = kind
        if kind != "str":
            dtype_names[name] = f"dtype('{column['dtype']}')"
        if not column.get("nullable", False):
            checks.append(RowCheck(name, "not_nullable", "not_null"))
        for check_name, stats in _checks_of(flat or column.get("checks")):
            checks.append(_plain_check(name, kind, check_name, stats))
        if column.get("unique", False):
            keep = _keep(column.get("report_duplicates", "all"))
            unique.append(UniqueCheck((name,), "field_uniqueness", keep))
    together = data.get("unique")
    if together:
        names = (together,) if isinstance(together, str) else tuple(together)
        keep = _keep(data.get("report_duplicates", "all"))
        unique.append(UniqueCheck(tuple(map(str, names)), "multiple_fields_uniqueness", keep))
    return TableSpec(kinds, dtype_names, tuple(checks), tuple(unique))


def _keep(report_duplicates: Any) -> str | bool:
    keeps: dict[Any, str | bool] = {"all": False, "exclude_first": "first", "exclude_last": "last"}
    if report_duplicates not in keeps:
        raise _NotPlain
    return keeps[report_duplicates]


def _checks_of(checks: Any) -> list[tuple[str, Any]]:
    """(name, stats) of `checks: {name: stats}` or the list form with `options.check_name`."""
    if checks is None:
        return []
    if isinstance(checks, dict):
        return sorted(checks.items())
    if not isinstance(checks, list):
        raise _NotPlain
    found = []
    for entry in checks:
        options = entry.get("options") if isinstance(entry, dict) else None
        if not isinstance(options, dict) or set(options) != {"check_name"}:
            raise _NotPlain
        stats = {k: v for k, v in entry.items() if k != "options"}
        found.append((str(options["check_name"]), stats))
    return found


def _plain_check(column: str, kind: str, name: str, stats: Any) -> RowCheck:
    """A built-in check as Pandera builds it from its serialized statistics (one value alone,
    or keyword arguments), named as Pandera names it."""
    if name not in OPS:
        raise _NotPlain
    if isinstance(stats, dict) and set(stats) == {"value"}:
        stats = stats["value"]
    kwargs = stats if isinstance(stats, dict) else {}
    alone = ALONE if isinstance(stats, dict) else stats
    op, keys = OPS[name]
    if name in ("isin", "notin"):
        values = kwargs.get(keys[0], alone)
        if not isinstance(values, list) or set(kwargs) - {keys[0]}:
            raise _NotPlain
        if not _fits(kind, op, (tuple(values),)):
            raise _NotPlain
        return RowCheck(column, f"{name}({values})", op, (tuple(values),))
    if name == "str_length":
        return _str_length(column, kind, kwargs, alone)
    if name == "in_range":
        if alone is not ALONE or set(kwargs) - set(keys) or not {keys[0], keys[1]} <= set(kwargs):
            raise _NotPlain
        low, high = kwargs[keys[0]], kwargs[keys[1]]
        include = (kwargs.get(keys[2], True), kwargs.get(keys[3], True))
        _require_bounds(kind, op, (low, high))
        return RowCheck(column, f"in_range({low}, {high})", op, (low, high, *include))
    value = kwargs.get(keys[0], alone) if set(kwargs) <= {keys[0]} else ALONE
    if value is ALONE:
        raise _NotPlain
    _require_bounds(kind, op, (value,))
    shown = f"'{value}'" if name.startswith("str_") else f"{value}"
    return RowCheck(column, f"{name}({shown})", op, (value,))


def _str_length(column: str, kind: str, kwargs: dict[str, Any], alone: Any) -> RowCheck:
    if kind != "str" or alone is not ALONE or set(kwargs) - {"min_value", "max_value"}:
        raise _NotPlain
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is None and high is None:
        raise _NotPlain
    if any(b is not None and (isinstance(b, bool) or not isinstance(b, int)) for b in (low, high)):
        raise _NotPlain
    return RowCheck(column, f"str_length({low}, {high})", "str_length", (low, high))


def _require_bounds(kind: str, op: str, bounds: tuple[Any, ...]) -> None:
    """Bounds the column's values can be compared with; anything else goes to Pandera, which
    `load_schema` turns into the input error it is."""
    if (op.startswith("str_") and kind != "str") or not _fits(kind, op, bounds):
        raise _NotPlain


def require_expressible(config: Config) -> None:
    """`config check` with `engine: polars` (or spark): every schema file can be checked by
    that engine, or an input error naming the config line, the check and the engine. A plain
    schema is read without Pandera; only another is loaded with it. A Python schema
    (`package.module:Name`) is not imported here (that would run its code); validate refuses
    what it cannot express when it runs."""
    from pathlib import Path

    from mlgate.config import is_import_path
    from mlgate.validate.schema import chunk_plan, load_schema

    if config.engine not in ("polars", "spark"):
        return
    root = config.root.resolve()
    for entry in config.data:
        if is_import_path(entry.schema):
            continue
        path = root / entry.schema
        if config.engine == "polars" and plain_spec(str(path)) is not None:
            continue
        where = f"{config.path}:{entry.schema_line}: schema {yamlio.excerpt(entry.schema)}"
        table_spec(chunk_plan(load_schema(str(path), Path(root))), config.engine, where)
