"""Per-example records (`metrics.per_example`): read both sides' files and pair their rows.

A records file holds one row per evaluated example: `y_true`, `y_pred` (a label, or a number
for regression), `y_score` (binary: the positive class's probability) or `proba_<label>` per
class, and optionally `id` (pairs rows across the two files) and `weight`. Files are read the
way `mlgate validate` reads data (CSV, TSV, Parquet, JSON Lines).

Pairing: by `id` when both files have one; on the common ids when they cover most rows of
each side (`partial`), else the two sides are judged independently (`unpaired`). Without ids,
rows pair by order and `y_true` must agree row for row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mlgate.compare.stats.paired import Records
from mlgate.core import yamlio
from mlgate.core.errors import InputError

Pairing = Literal["paired", "partial", "unpaired"]
PROBA_PREFIX = "proba_"
# Pair on the common ids when they cover at least this share of each side's rows.
MOST_ROWS = 0.9


@dataclass(frozen=True)
class Columns:
    """The column names a records file uses for each role."""

    y_true: str = "y_true"
    y_pred: str = "y_pred"
    y_score: str = "y_score"
    id: str = "id"
    weight: str = "weight"


@dataclass(frozen=True)
class RecordsPair:
    candidate: Records
    baseline: Records
    pairing: Pairing
    paired_rows: int
    note: str = ""


def read_records(path: Path, display: str, columns: Columns = Columns()) -> Any:
    """The whole records file as a DataFrame, or an input error naming the file."""
    import pandas as pd

    from mlgate.validate import Target, data_format, read_chunks

    target = Target(
        path=path,
        display=display,
        schema="",
        schema_root=path.parent,
        data_format=data_format(path, None),
    )
    frames = list(read_chunks(target, 1_000_000))
    frame = pd.concat(frames) if len(frames) > 1 else frames[0]
    if columns.y_true not in frame.columns:
        raise InputError(f"{display}: no {columns.y_true!r} column (the true labels or values)")
    if len(frame) == 0:
        raise InputError(f"{display}: no rows: an interval needs at least one evaluated example")
    return frame


def pair(
    candidate: Any, baseline: Any, where: tuple[str, str], columns: Columns = Columns()
) -> RecordsPair:
    """Line up the two sides' rows (DataFrames from `read_records`)."""
    if columns.id in candidate.columns and columns.id in baseline.columns:
        return _pair_by_id(candidate, baseline, where, columns)
    if len(candidate) != len(baseline):
        raise InputError(
            f"{where[0]} has {len(candidate):,} rows and {where[1]} {len(baseline):,}, and "
            f"they have no {columns.id!r} column to pair them by: add one, or evaluate both "
            "models on the same rows"
        )
    _require_same_truth(candidate, baseline, where, columns)
    return RecordsPair(
        candidate=to_records(candidate, where[0], columns),
        baseline=to_records(baseline, where[1], columns),
        pairing="paired",
        paired_rows=len(candidate),
    )


def _pair_by_id(
    candidate: Any, baseline: Any, where: tuple[str, str], columns: Columns
) -> RecordsPair:
    for frame, name in ((candidate, where[0]), (baseline, where[1])):
        duplicated = frame[columns.id].duplicated()
        if duplicated.any():
            first = frame[columns.id][duplicated].iloc[0]
            raise InputError(f"{name}: id {str(first)[:80]!r} is on more than one row")
    common = candidate[columns.id][candidate[columns.id].isin(baseline[columns.id])]
    share = min(len(common) / max(len(candidate), 1), len(common) / max(len(baseline), 1))
    if share < MOST_ROWS:
        note = (
            f"the two evaluation sets share {len(common):,} ids ({share:.0%} of the smaller "
            "side): judged as independent samples"
        )
        return RecordsPair(
            candidate=to_records(candidate, where[0], columns),
            baseline=to_records(baseline, where[1], columns),
            pairing="unpaired",
            paired_rows=0,
            note=note,
        )
    left = candidate.set_index(columns.id).loc[common]
    right = baseline.set_index(columns.id).loc[common]
    _require_same_truth(left, right, where, columns)
    pairing: Pairing = "paired" if share == 1 else "partial"
    note = (
        ""
        if pairing == "paired"
        else f"paired on the {len(common):,} ids both sides have ({share:.0%} of the smaller side)"
    )
    return RecordsPair(
        candidate=to_records(left, where[0], columns),
        baseline=to_records(right, where[1], columns),
        pairing=pairing,
        paired_rows=len(common),
        note=note,
    )


def _require_same_truth(
    candidate: Any, baseline: Any, where: tuple[str, str], columns: Columns
) -> None:
    left = candidate[columns.y_true].to_numpy()
    right = baseline[columns.y_true].to_numpy()
    differs = left != right
    if differs.any():
        row = int(differs.argmax())
        raise InputError(
            f"{where[0]} and {where[1]} disagree on {columns.y_true} at row {row:,} "
            f"({str(left[row])[:40]!r} vs {str(right[row])[:40]!r}): they are not the same "
            "examples; add an `id` column to pair them"
        )


def to_records(frame: Any, where: str, columns: Columns = Columns()) -> Records:
    """One side's DataFrame as `Records`, the probability columns in label order."""

    for role in (columns.y_true, columns.y_pred, columns.y_score, columns.weight):
        if role in frame.columns and frame[role].isna().any():
            row = int(frame[role].isna().to_numpy().argmax())
            raise InputError(f"{where}: column {role!r} is empty at row {row:,}")
    y_true = _labels(frame, columns.y_true, where)
    y_pred = None
    if columns.y_pred in frame.columns:
        y_pred = _labels(frame, columns.y_pred, where)
        if _is_text(y_pred) != _is_text(y_true):
            raise InputError(
                f"{where}: {columns.y_true!r} holds {_kind(y_true)} and {columns.y_pred!r} "
                f"{_kind(y_pred)}: a prediction is written like the label it predicts"
            )
    proba, classes = _probabilities(frame, where, columns, y_true)
    return Records(
        y_true=y_true,
        y_pred=y_pred,
        proba=proba,
        classes=classes,
        weight=(numbers(frame, columns.weight, where) if columns.weight in frame.columns else None),
    )


def numbers(frame: Any, column: str, where: str) -> Any:
    """A column of finite floats (weights, scores, probabilities), or an input error naming
    the file, the column and the first row that is not one."""
    import numpy as np

    try:
        values = np.asarray(frame[column], dtype=float)
    except (TypeError, ValueError, OverflowError):
        values = None
    if values is not None and np.isfinite(values).all():
        return values
    row, value = next(
        (row, value)
        for row, value in enumerate(frame[column].to_numpy())
        if not _finite_float(value)
    )
    raise InputError(
        f"{where}: column {column!r} at row {row:,} is {yamlio.excerpt(_plain(value))}, "
        "not a finite number"
    )


def _finite_float(value: Any) -> bool:
    import math

    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def _labels(frame: Any, column: str, where: str) -> Any:
    """A label column: all numbers (classes or regression targets) or all text."""
    values = frame[column].to_numpy()
    if values.dtype != object:
        return values
    text = [isinstance(value, str) for value in values]
    if any(text) and not all(text):
        row = text.index(not text[0])
        raise InputError(
            f"{where}: column {column!r} holds {'text' if text[0] else 'a number'} at row 0 "
            f"and {yamlio.excerpt(_plain(values[row]))} at row {row:,}: write every label "
            "one way"
        )
    if all(text):
        return values
    # numbers in an object column: integers too large for int64 (the reader keeps them exact)
    return numbers(frame, column, where)


def _is_text(values: Any) -> bool:
    import numpy as np

    return not np.issubdtype(values.dtype, np.number) and not np.issubdtype(values.dtype, np.bool_)


def _kind(values: Any) -> str:
    return "text" if _is_text(values) else "numbers"


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, for a message."""
    return value.item() if hasattr(value, "item") else value


def _probabilities(
    frame: Any, where: str, columns: Columns, y_true: Any
) -> tuple[Any, tuple[Any, ...]]:
    import numpy as np

    per_class = [name for name in frame.columns if str(name).startswith(PROBA_PREFIX)]
    if per_class:
        labels = [_label(str(name).removeprefix(PROBA_PREFIX), y_true) for name in per_class]
        order = np.argsort(np.asarray(labels, dtype=object).astype(str))
        if all(isinstance(label, int | np.integer) for label in labels):
            order = np.argsort(np.asarray(labels, dtype=np.int64))
        proba = np.stack([numbers(frame, per_class[i], where) for i in order], axis=1)
        return proba, tuple(labels[i] for i in order)
    if columns.y_score in frame.columns:
        classes = tuple(np.unique(y_true))
        if len(classes) > 2:
            raise InputError(
                f"{where}: {columns.y_score!r} is the positive class's probability, but "
                f"{columns.y_true!r} has {len(classes)} classes: write proba_<label> columns"
            )
        score = numbers(frame, columns.y_score, where)
        return np.stack([1 - score, score], axis=1), _binary_classes(classes)
    return None, ()


def _binary_classes(classes: tuple[Any, ...]) -> tuple[Any, ...]:
    """(negative, positive): the positive class is 1 (or True), else the greater label."""
    if len(classes) == 2:
        return classes
    only = classes[0] if classes else 1
    return (0, only) if only in (1, True) else (only, 1)


def _label(text: str, y_true: Any) -> Any:
    """`proba_3` names the label 3 when the true labels are numbers, "3" when they are text."""
    import numpy as np

    if np.issubdtype(np.asarray(y_true).dtype, np.integer):
        try:
            return int(text)
        except ValueError:
            return text
    return text
