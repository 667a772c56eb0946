"""Text columns declared numeric: parse them, and make each value that does not parse a dtype
failure of its own row, so one stray value hides no other failure of its column.
"""

from __future__ import annotations

from typing import Any

from mlgate.validate.failures import Failure, Failures, plain, row_example

# The fewest digits of an integer a float cannot hold (the largest float is about 1.8e308).
FLOAT_DIGITS = 309


def parse_declared(chunk: Any, dtypes: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The rows whose values parse as their columns' declared numeric dtypes, and for each
    column the row numbers of the values that do not.

    A text reader gives a numeric column with one stray `x` as text, so Pandera's range
    checks on it would crash for every row of the chunk, and the counts would depend on
    which chunk the `x` fell in. A value that does not parse is a dtype failure of its own
    row; the row is left out of the other checks, which see the column as numbers.
    """
    import numpy as np
    import pandas as pd

    unparsed: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    for name, dtype in dtypes.items():
        if name not in chunk.columns or not _is_numeric(dtype):
            continue
        column = chunk[name]
        if _is_numeric(column.dtype):
            continue
        numbers = pd.to_numeric(_without_huge_integers(column), errors="coerce")
        bad = numbers.isna().to_numpy() & column.notna().to_numpy()
        if bad.any():
            unparsed[name] = chunk.index.to_numpy()[bad]
        parsed[name] = numbers
    if not parsed:
        return chunk, unparsed
    if unparsed:
        keep = ~chunk.index.isin(np.concatenate(list(unparsed.values())))
        chunk = chunk[keep].copy()
    for name in parsed:
        # parsed again without the bad values: int64 where they were all integers,
        # as the reader would have typed the column without them
        chunk[name] = pd.to_numeric(chunk[name])
    return chunk, unparsed


def _without_huge_integers(column: Any) -> Any:
    """The column with integers beyond a float's range left out (as values that do not
    parse): pandas raises OverflowError on them even when told to coerce. The CSV reader
    gives them as Python ints in an object column, or as text."""
    return column.mask(column.map(_too_large_for_float))


def _too_large_for_float(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip().lstrip("+-") if isinstance(value, str) else ""
        if not text.isdigit() or len(text) < FLOAT_DIGITS:
            return False
        try:
            number = int(text)
        except ValueError:  # beyond Python's digit limit for int()
            return True
    try:
        float(number)
    except OverflowError:
        return True
    return False


def _is_numeric(dtype: Any) -> bool:
    import numpy as np

    try:
        return np.dtype(dtype).kind in "iuf"
    except TypeError:
        return False


def collect_unparsed(
    unparsed: dict[str, Any],
    raw: Any,
    failures: Failures,
    *,
    max_examples: int,
    line_offset: int | None,
    dtypes: dict[str, Any],
) -> None:
    """Values a column's dtype cannot hold, as failures of Pandera's dtype check."""
    import numpy as np

    for name, rows in unparsed.items():
        check = f"dtype('{np.dtype(dtypes[name])}')"
        failure = failures.setdefault((name, check), Failure(name, check))
        failure.rows = (failure.rows or 0) + len(rows)
        room = max_examples - len(failure.examples)
        for row in rows[: max(room, 0)]:
            value = plain(raw.at[row, name])
            failure.examples.append(row_example(int(row), value, line_offset))


def as_declared(chunk: Any, dtypes: dict[str, Any]) -> Any:
    """Undo what a text format cannot express: integers in a float column (`1` for `1.0`),
    and the type of a column with no rows. Nothing else is converted: the schema decides."""
    import numpy as np

    for name, dtype in dtypes.items():
        if name not in chunk.columns:
            continue
        column = chunk[name]
        try:
            widen = np.dtype(column.dtype).kind in "iu" and np.dtype(dtype).kind == "f"
            if len(chunk) == 0 or widen:
                chunk[name] = column.astype(dtype)
        except (TypeError, ValueError):
            continue  # not a numpy dtype (or not castable): leave it to the schema
    return chunk
