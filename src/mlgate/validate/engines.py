"""A Pandera schema as the engine seam's neutral spec, or the reason it cannot be one.

The pandas engine checks with Pandera itself. The other engines evaluate a `TableSpec`;
what it cannot say (a custom check, a groupby, a regex column, a dataframe-wide check,
coercion, a dtype other than int64, float64 or text) is an input error that names the check
and the engine, never a check skipped without a word.
"""

from __future__ import annotations

from typing import Any

from mlgate.core import yamlio
from mlgate.data import RowCheck, TableSpec, Unexpressible, UniqueCheck
from mlgate.validate.schema import TEXT_DTYPES, ChunkPlan

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
        kinds[str(name)] = KINDS[dtype]
        dtype_names[str(name)] = f"dtype('{dtype}')"
        if not column.nullable:
            checks.append(RowCheck(str(name), "not_nullable", "not_null"))
        for check in column.checks:
            checks.append(_row_check(str(name), check, refuse, label))
    unique = tuple(UniqueCheck(u.columns, u.check, u.keep) for u in plan.unique)
    return TableSpec(kinds, dtype_names, tuple(checks), unique)


def _row_check(column: str, check: Any, refuse: Any, label: str) -> RowCheck:
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
    return RowCheck(column, str(check.error or name), op, args)


def _name(check: Any) -> str:
    return yamlio.excerpt(str(getattr(check, "error", None) or getattr(check, "name", check)))
