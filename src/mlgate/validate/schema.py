"""Pandera schemas: load them without losing checks, and plan how to check them chunk by chunk.

Pandera's YAML reader ignores keys it does not know, and a column's flat check keys
(`in_range: ...`) when a `checks:` list is also set; a custom check that was not registered
when the YAML was written is simply missing from it. A schema that would lose a check
silently is an input error here, with the file and the key.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlgate.config import is_import_path
from mlgate.core import yamlio
from mlgate.core.errors import InputError, MissingExtra
from mlgate.validate.targets import display_path

SCHEMA_KEYS = frozenset(
    {
        "schema_type", "version", "api", "dataframe_library", "name", "title", "description",
        "columns", "index", "checks", "dtype", "coerce", "strict", "ordered", "unique",
        "report_duplicates", "unique_column_names", "add_missing_columns", "metadata",
        "multiindex", "drop_invalid_rows",
    }
)  # fmt: skip
COMPONENT_KEYS = frozenset(
    {
        "title", "description", "dtype", "nullable", "checks", "name", "unique", "coerce",
        "required", "regex", "default", "report_duplicates", "drop_invalid_rows",
    }
)  # fmt: skip
# Built-in checks that look at each row on its own, so a chunk at a time gives the same answer.
ROW_WISE_CHECKS = frozenset(
    {
        "equal_to", "not_equal_to", "greater_than", "greater_than_or_equal_to", "less_than",
        "less_than_or_equal_to", "in_range", "isin", "notin", "str_matches", "str_contains",
        "str_startswith", "str_endswith", "str_length",
    }
)  # fmt: skip
COMPARISON_CHECKS = frozenset(
    {
        "equal_to", "not_equal_to", "greater_than", "greater_than_or_equal_to", "less_than",
        "less_than_or_equal_to", "in_range",
    }
)  # fmt: skip
TEXT_CHECKS = frozenset(
    {"str_matches", "str_contains", "str_startswith", "str_endswith", "str_length"}
)
PYSPARK_PANDAS_WARNING = "PySpark does not yet fully support pandas"
TEXT_DTYPES = frozenset({"str", "string", "string[python]", "string[pyarrow]", "category"})


@dataclass(frozen=True)
class UniqueSet:
    """Columns whose values (together) must be unique, checked across chunks by mlgate."""

    columns: tuple[str, ...]
    check: str  # Pandera's name for the failure: field_uniqueness | multiple_fields_uniqueness
    keep: str | bool  # pandas `duplicated(keep=...)`: which occurrences count as failing


@dataclass(frozen=True)
class ChunkPlan:
    """A schema split for streaming: what Pandera checks per chunk, what mlgate checks across."""

    per_chunk: Any  # pandera DataFrameSchema without the uniqueness rules
    unique: tuple[UniqueSet, ...]
    row_spanning: tuple[str, ...]  # checks a chunk cannot answer alone: refused over > 1 chunk
    read_dtypes: dict[str, str] = field(default_factory=dict)
    # Text columns that pandas' own text type satisfies: read without naming a dtype, faster.
    text_columns: tuple[str, ...] = ()
    # Declared dtypes: text formats cannot tell 1.0 from 1, nor say what type an empty column is.
    dtypes: dict[str, Any] = field(default_factory=dict)


def import_pandera() -> Any:
    import warnings

    try:
        with warnings.catch_warnings():
            # pandera loads pyspark when it is installed (the spark extra), and pyspark warns
            # about pandas 3 for pyspark.pandas, which mlgate does not use
            warnings.filterwarnings("ignore", PYSPARK_PANDAS_WARNING, FutureWarning)
            import pandera.pandas as pa
    except ImportError as exc:
        raise MissingExtra("pandera", "validate") from exc
    return pa


def load_schema(ref: str, root: Path) -> Any:
    """A pandas DataFrameSchema from a YAML/JSON file or from `package.module:Name`."""
    pa = import_pandera()
    if is_import_path(ref):
        schema = _import_schema(ref, root)
    else:
        path = Path(ref)
        where = display_path(path)
        if not path.is_file():
            raise InputError(f"{where}: schema file not found")
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml", ".json"):
            raise InputError(
                f"{where}: a schema is a Pandera YAML/JSON file (.yaml, .yml, .json) "
                "or a Python object given as package.module:Name"
            )
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if suffix == ".json" else yamlio.load(text, where)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
            reason = yamlio.excerpt_text(str(exc) or type(exc).__name__)
            raise InputError(f"{where}: cannot read the schema: {reason}") from exc
        check_serialized(data, where, pa.Check)
        try:
            schema = pa.DataFrameSchema.from_yaml(yaml.safe_dump(data))
        except Exception as exc:  # Pandera raises AttributeError, TypeError, SchemaDefinitionError
            raise InputError(f"{where}: not a loadable Pandera schema: {exc}") from exc
    if not isinstance(schema, pa.DataFrameSchema):
        raise InputError(f"{ref}: not a Pandera pandas DataFrameSchema or DataFrameModel")
    where = ref if is_import_path(ref) else display_path(Path(ref))
    if checks_nothing(schema):
        raise InputError(
            f"{where}: the schema declares no column and no check, so every file would pass "
            "having been checked for nothing; declare the columns (or `strict: true`)"
        )
    for name, column in schema.columns.items():
        for check in column.checks:
            problem = builtin_argument_problem(check, column.dtype)
            if problem:
                raise InputError(
                    f"{where}: column {yamlio.excerpt(str(name))}: check "
                    f"{yamlio.excerpt(str(check.name))}: {problem}"
                )
    return schema


def checks_nothing(schema: Any) -> bool:
    """No column, no dataframe check, no index, not strict, no uniqueness: nothing binds."""
    return not (
        schema.columns
        or schema.checks
        or schema.index is not None
        or schema.strict
        or schema.unique
        or getattr(schema, "parsers", None)
    )


def builtin_argument_problem(check: Any, dtype: Any) -> str | None:
    """Why a built-in check's argument cannot work on its column's declared type, or None.

    Pandera accepts `greater_than: abc` and then raises on every value it checks, which
    would read as failing data; the argument is the schema's mistake."""
    name = str(getattr(check, "name", None) or "")
    statistics = getattr(check, "statistics", None) or {}
    kind = _value_kind(dtype)
    if name in COMPARISON_CHECKS and kind is not None:
        for key, bound in statistics.items():
            if key not in ("include_min", "include_max") and _value_kind_of(bound) != kind:
                return (
                    f"{key} is {yamlio.excerpt(bound)}, which cannot be compared with the "
                    f"column's {dtype} values"
                )
    if name in TEXT_CHECKS and kind == "number":
        return f"checks text, but the column holds {dtype} values"
    if name == "str_length":
        for key, bound in statistics.items():
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
                return f"{key} is {yamlio.excerpt(bound)}, not a whole number of characters"
    return None


def _value_kind(dtype: Any) -> str | None:
    """ "number" or "text" for a declared column type; None when undeclared or another kind."""
    import numpy as np

    if dtype is None:
        return None
    if str(dtype) in TEXT_DTYPES - {"category"}:
        return "text"
    try:
        return "number" if np.dtype(str(dtype)).kind in "iuf" else None
    except TypeError:
        return None


def _value_kind_of(value: Any) -> str | None:
    import numbers

    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):  # a bool is an int to Python, not a bound to compare with
        return None
    return "number" if isinstance(value, numbers.Real) else None


def check_serialized(data: Any, where: str, check_class: Any) -> None:
    """Refuse what Pandera's reader would drop without a word."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: a Pandera schema is a mapping with `columns:`")
    unknown = sorted(set(data) - SCHEMA_KEYS)
    if unknown:
        raise InputError(
            f"{where}: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
            "Pandera would ignore them silently"
        )
    if data.get("schema_type", "dataframe") != "dataframe":
        raise InputError(f"{where}: schema_type must be 'dataframe'")
    api = data.get("api", data.get("dataframe_library", "pandas"))
    if api != "pandas":
        raise InputError(
            f"{where}: api {yamlio.excerpt(api)} is not supported; mlgate validates with pandas"
        )
    columns: Any = data.get("columns") or {}
    if isinstance(columns, list):
        items = [(str(c.get("name")), c) for c in columns if isinstance(c, dict)]
    elif isinstance(columns, dict):
        items = list(columns.items())
    else:
        raise InputError(f"{where}: `columns` must be a mapping")
    index = data.get("index") or []
    items += [
        (f"index[{i}]", entry) for i, entry in enumerate(index if isinstance(index, list) else [])
    ]
    for name, stats in items:
        _check_component(name, stats, where, check_class)


def _check_component(name: str, stats: Any, where: str, check_class: Any) -> None:
    if stats is None:
        return
    if not isinstance(stats, dict):
        raise InputError(f"{where}: column {yamlio.excerpt(name)} must be a mapping")
    flat = []
    for key in stats:
        if key in COMPONENT_KEYS:
            continue
        if not callable(getattr(check_class, key, None)):
            raise InputError(
                f"{where}: column {yamlio.excerpt(name)}: {yamlio.excerpt(key)} is neither a "
                "column option nor a registered Pandera check; Pandera would drop it silently "
                "(register custom checks with pandera.extensions, or use a Python schema "
                "package.module:Name)"
            )
        flat.append(key)
    if flat and stats.get("checks") is not None:
        raise InputError(
            f"{where}: column {yamlio.excerpt(name)} has both a `checks:` list and check keys "
            f"({', '.join(flat)}); Pandera would ignore the check keys silently"
        )
    checks = stats.get("checks")
    _check_patterns(name, checks if isinstance(checks, dict) else stats, where)


REGEX_CHECKS = ("str_matches", "str_contains")


def _check_patterns(name: str, checks: dict[str, Any], where: str) -> None:
    """A regular expression that does not compile, named by its column and check (Pandera's
    own error names neither)."""
    for check in REGEX_CHECKS:
        if check not in checks:
            continue
        given = checks[check]
        pattern = given.get("pattern") if isinstance(given, dict) else given
        problem = _regex_problem(pattern)
        if problem is not None:
            raise InputError(
                f"{where}: column {yamlio.excerpt(name)}: {check} {yamlio.excerpt(pattern)} is "
                f"not a regular expression: {problem}"
            )


def _regex_problem(pattern: object) -> str | None:
    if not isinstance(pattern, str):
        return "a pattern is text"
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None


def _import_schema(ref: str, root: Path) -> Any:
    module_name, _, attribute = ref.partition(":")
    added = str(root) not in sys.path
    if added:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
        obj: Any = module
        for part in attribute.split("."):
            obj = getattr(obj, part)
    # The user's module may raise anything on import, or exit: sys.exit(0) is not a pass.
    except (Exception, SystemExit) as exc:
        raise InputError(f"{ref}: cannot import the schema from {root}: {_raised(exc)}") from exc
    finally:
        if added:
            sys.path.remove(str(root))
    to_schema = getattr(obj, "to_schema", None)
    if isinstance(obj, type) and callable(to_schema):  # a DataFrameModel class
        try:
            return to_schema()
        except (Exception, SystemExit) as exc:
            raise InputError(f"{ref}: not a usable DataFrameModel: {_raised(exc)}") from exc
    return obj


def _raised(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def chunk_plan(schema: Any) -> ChunkPlan:
    """Take uniqueness out of the per-chunk schema (mlgate checks it across chunks) and name
    the checks that need every row at once."""
    per_chunk = copy.deepcopy(schema)
    unique: list[UniqueSet] = []
    spanning: list[str] = []
    read_dtypes: dict[str, str] = {}
    text_columns: list[str] = []
    dtypes: dict[str, Any] = {}
    for name, column in per_chunk.columns.items():
        label = f"column {yamlio.excerpt(name)}"
        if column.unique:
            if column.regex:
                spanning.append(f"{label}: unique (on a regex column)")
            else:
                keep = _keep(column.report_duplicates)
                unique.append(UniqueSet((str(name),), "field_uniqueness", keep))
                column.unique = False
        spanning.extend(f"{label}: {c}" for c in _spanning_checks(column.checks))
        dtype = str(column.dtype) if column.dtype is not None else ""
        if dtype in TEXT_DTYPES and not column.regex:
            if _takes_pandas_text(column.dtype):
                text_columns.append(str(name))
            else:
                read_dtypes[str(name)] = dtype
        if dtype and not column.regex:
            dtypes[str(name)] = column.dtype.type
    if per_chunk.unique:
        columns = (
            (per_chunk.unique,) if isinstance(per_chunk.unique, str) else tuple(per_chunk.unique)
        )
        keep = _keep(per_chunk.report_duplicates)
        unique.append(UniqueSet(tuple(map(str, columns)), "multiple_fields_uniqueness", keep))
        per_chunk.unique = None
    spanning.extend(f"dataframe check {c}" for c in _spanning_checks(per_chunk.checks))
    if per_chunk.index is not None:
        spanning.extend(f"index check {c}" for c in _spanning_checks(per_chunk.index.checks))
        if getattr(per_chunk.index, "unique", False):
            spanning.append("index: unique")
    return ChunkPlan(
        per_chunk, tuple(unique), tuple(spanning), read_dtypes, tuple(text_columns), dtypes
    )


def _takes_pandas_text(dtype: Any) -> bool:
    """Whether the declared dtype accepts what pandas reads text as when not told."""
    import pandas as pd
    from pandera.engines import pandas_engine

    try:
        return bool(dtype.check(pandas_engine.Engine.dtype(pd.Series(["a"]).dtype)))
    except (TypeError, ValueError):
        return False


def _spanning_checks(checks: list[Any]) -> list[str]:
    names = []
    for check in checks:
        name = str(getattr(check, "name", None) or check)
        if getattr(check, "groupby", None) is not None:
            names.append(f"{name} (groupby)")
        elif not getattr(check, "element_wise", False) and name not in ROW_WISE_CHECKS:
            names.append(name)
    return names


def _keep(report_duplicates: str) -> str | bool:
    return {"exclude_first": "first", "exclude_last": "last"}.get(report_duplicates, False)


def infer_schema_yaml(source: str, sample: Any, widen: Callable[[dict[str, Any]], int]) -> str:
    """A Pandera YAML schema inferred from `sample`, whose column rules `widen` stretches to
    every row of the file (returning how many), headed by a comment saying to review it."""
    pa = import_pandera()
    try:
        inferred = pa.infer_schema(sample)
    except Exception as exc:  # Pandera cannot infer some column types
        raise InputError(f"{source}: Pandera cannot infer a schema: {exc}") from exc
    data = yaml.safe_load(inferred.to_yaml())
    data.pop("index", None)  # row numbers of a data file are not data
    columns = data.get("columns") or {}
    for stats in columns.values():
        if isinstance(stats, dict) and str(stats.get("dtype", "")).startswith("string"):
            stats["dtype"] = "str"  # pandas' text dtype, whichever storage this pandas uses
    rows = widen(columns)
    header = (
        f"# Pandera schema inferred by `mlgate schema infer` from {source}: dtypes from the\n"
        f"# first {len(sample):,} rows; ranges, categories and nullability from all {rows:,}.\n"
        "# Inferred, not designed: review it before relying on it. Ranges are only the\n"
        "# smallest and largest values seen, and nullability only what this data showed.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
