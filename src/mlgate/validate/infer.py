"""`mlgate schema infer`: a schema inferred from a sample, widened to hold every row.

Pandera infers dtypes and checks from the frame it is given; mlgate gives it the first rows
(the sample) and then reads the whole file once, in chunks as validate does, so that the
bounds (`greater_than_or_equal_to`, `less_than_or_equal_to`), the categories (`isin`), the
nullability and the dtypes cover every row: an inferred schema validates the data it was
inferred from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

LOW, HIGH, CATEGORIES = "greater_than_or_equal_to", "less_than_or_equal_to", "isin"
_BOUNDS = (LOW, HIGH)


def widen(columns: dict[str, Any], chunks: Iterator[Any]) -> int:
    """Widen each column's inferred rules (Pandera's YAML, as a dict) to every chunk's values;
    the number of rows read."""
    rows = 0
    for chunk in chunks:
        rows += len(chunk)
        for name, rules in columns.items():
            if isinstance(rules, dict) and name in chunk.columns:
                _widen_column(rules, chunk[name])
    return rows


def _widen_column(rules: dict[str, Any], values: Any) -> None:
    import pandas as pd

    if values.isna().any():
        rules["nullable"] = True
    present = values.dropna()
    if present.empty:
        return
    kind = _kind(rules.get("dtype"))
    if kind == "int" and pd.api.types.is_float_dtype(values.dtype):
        rules["dtype"] = "float64"  # a missing value in an integer column reads as a float
        kind = "float"
    if kind in ("int", "float") and not pd.api.types.is_numeric_dtype(values.dtype):
        _as_text(rules)  # text where the sample had only numbers
        return
    if kind in ("int", "float"):
        _widen_bounds(rules, float(present.min()), float(present.max()))
    if CATEGORIES in rules:
        seen = list(rules[CATEGORIES])
        seen += [value for value in present.unique().tolist() if value not in seen]
        rules[CATEGORIES] = seen


def _widen_bounds(rules: dict[str, Any], low: float, high: float) -> None:
    if LOW in rules:
        rules[LOW] = min(float(rules[LOW]), low)
    if HIGH in rules:
        rules[HIGH] = max(float(rules[HIGH]), high)


def _as_text(rules: dict[str, Any]) -> None:
    rules["dtype"] = "str"
    for bound in _BOUNDS:
        rules.pop(bound, None)


def _kind(dtype: object) -> str | None:
    text = str(dtype).lower()
    if text.startswith(("int", "uint")):
        return "int"
    if text.startswith("float"):
        return "float"
    return None
