"""Pandera's failure cases, folded into one count and a few examples per (column, check).

Every chunk's failures land in the same `Failures` mapping, so a file's counts do not depend
on how it was chunked; examples carry the row and, for text formats, the line.
"""

from __future__ import annotations

import math
from typing import Any

from mlgate.data import CheckCount

# Pandera's names for failures that are about a column, not a row.
COLUMN_NAME_CHECKS = ("column_in_dataframe", "column_in_schema")


# One (column, check) of one file: how many rows fail it, and a few examples; the engines
# count into the same record.
Failure = CheckCount


# (column, check) -> its failure, over every chunk of one file
Failures = dict[tuple[Any, ...], Failure]


def collect_failure_cases(
    cases: Any,
    chunk: Any,
    failures: Failures,
    max_examples: int,
    line_offset: int | None,
) -> None:
    """Fold one chunk's Pandera failure cases into per (column, check) counts and examples."""
    import pandas as pd

    cases = cases.reset_index(drop=True)
    has_row = cases["index"].notna()
    _collect_whole_column(cases[~has_row], failures, max_examples)
    rowed = cases[has_row]
    if rowed.empty:
        return
    frame_wide = rowed["schema_context"].astype(str) == "DataFrameSchema"
    column_keys = rowed["column"].astype(object).where(~frame_wide, None)
    keys = pd.DataFrame({"column": column_keys.map(_label), "check": rowed["check"].astype(str)})
    for (label, check), group in rowed.groupby([keys["column"], keys["check"]], sort=False):
        column_name = None if label == "" else str(label)
        failure = failures.setdefault((column_name, check), Failure(column_name, check))
        indices = pd.unique(group["index"].to_numpy())
        if failure.rows is None:
            failure.rows = 0
        failure.rows += len(indices)
        room = max_examples - len(failure.examples)
        for row in sorted(int(i) for i in indices)[: max(room, 0)] if room > 0 else []:
            if column_name is None:
                value: Any = {str(k): plain(v) for k, v in chunk.loc[row].items()}
            elif column_name in chunk.columns:
                value = plain(chunk.at[row, column_name])  # as read, not as Pandera upcast it
            else:
                value = plain(group.loc[group["index"] == row, "failure_case"].iloc[0])
            failure.examples.append(row_example(row, value, line_offset))


def _collect_whole_column(cases: Any, failures: Failures, max_examples: int) -> None:
    """Failures not about rows (a missing column, a dtype, a check that could not run)."""
    for record in cases.to_dict("records"):
        check = str(record["check"])
        value = plain(record["failure_case"])
        column = str(value) if check in COLUMN_NAME_CHECKS else _column(record)
        failure = failures.setdefault((column, check), Failure(column, check, rows=None))
        example = {"value": value}
        if example not in failure.examples and len(failure.examples) < max_examples:
            failure.examples.append(example)


def _label(column: Any) -> str:
    return (
        "" if column is None or (isinstance(column, float) and math.isnan(column)) else str(column)
    )


def _column(record: dict[str, Any]) -> str | None:
    label = _label(record.get("column"))
    if record.get("schema_context") == "Index":
        return label or "<index>"
    return label or None


def row_example(row: int, value: Any, line_offset: int | None) -> dict[str, Any]:
    example: dict[str, Any] = {"row": row}
    if line_offset is not None:
        example["line"] = row + line_offset
    example["value"] = value
    return example


def plain(value: Any) -> Any:
    """A JSON-safe value: numbers and strings as they are, NaN as null, the rest as text."""
    if value is None or isinstance(value, bool | str):
        return value
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, int | float):
        try:
            value = item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int | bool | str):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
