"""Uniqueness across chunks: the first chunk's values, then one 64-bit hash per row.

Pandera checks `unique` within the chunk it is given; a file read in several chunks is
checked here instead, over every row, with one array of hashes for the whole file.
"""

from __future__ import annotations

from typing import Any

from mlgate.data import read_chunks
from mlgate.validate.failures import Failure, Failures, plain, row_example
from mlgate.validate.schema import UniqueSet
from mlgate.validate.targets import Target


def remember_rows(store: list[Any], chunk: Any, unique: UniqueSet, rows: Any) -> None:
    """Keep the first chunk's values as they are (most files are one chunk, and comparing
    values is faster than hashing them); from the second chunk on, keep hashes only."""
    present = [c for c in unique.columns if c in chunk.columns]
    if len(present) < len(unique.columns):
        store.append(None)  # the missing column is reported by Pandera
        return
    if not store:
        store.append((chunk[present].copy(), rows))
        return
    if isinstance(store[0], tuple):
        store[0] = _row_hashes(*store[0])
    store.append(_row_hashes(chunk[present], rows))


def _row_hashes(chunk: Any, rows: Any) -> Any:
    """One hash per row of `rows` (the chunk as read); rows left out of `chunk` get 0, and
    `check_unique` leaves them out by number."""
    import pandas as pd

    hashes = pd.util.hash_pandas_object(chunk, index=False)
    if len(chunk) == len(rows):
        return hashes.to_numpy()
    return hashes.reindex(rows, fill_value=0).to_numpy(dtype="uint64")


def check_unique(
    target: Target,
    unique: UniqueSet,
    *,
    store: list[Any],
    chunk: Any,
    failures: Failures,
    max_examples: int,
    chunk_rows: int,
    line_offset: int | None,
    dropped: Any,
) -> Any:
    """Record the rows whose values repeat anywhere in the file; return their numbers.
    `dropped`: rows with a value that did not parse, which take no part."""
    import numpy as np

    if not store or any(h is None for h in store):
        return np.zeros(0, dtype="int64")
    if len(store) == 1:
        values, _ = store.pop()
        rows = values.index[values.duplicated(keep=unique.keep)].to_numpy(dtype="int64")
    else:
        rows = _duplicated_hashes(store, unique, dropped)
    if len(rows) == 0:
        return rows
    column = unique.columns[0] if len(unique.columns) == 1 else ", ".join(unique.columns)
    failure = failures.setdefault((column, unique.check), Failure(column, unique.check))
    failure.rows = len(rows)
    shown = [int(r) for r in rows[:max_examples]]
    values = _values_at(target, unique.columns, shown, chunk, chunk_rows)
    for row in shown:
        failure.examples.append(row_example(row, values.get(row), line_offset))
    return rows


def _duplicated_hashes(store: list[Any], unique: UniqueSet, dropped: Any) -> Any:
    """The numbers of the rows whose hash repeats; `dropped` rows take no part."""
    import numpy as np
    import pandas as pd

    hashes = np.concatenate(store)
    store.clear()
    if len(dropped):
        counted_rows = np.ones(len(hashes), dtype=bool)
        counted_rows[dropped] = False
        numbers = np.flatnonzero(counted_rows)
        duplicated = pd.Series(hashes[numbers]).duplicated(keep=unique.keep).to_numpy()
        return numbers[duplicated]
    duplicated = pd.Series(hashes, copy=False).duplicated(keep=unique.keep).to_numpy()
    return np.flatnonzero(duplicated)


def _values_at(
    target: Target, columns: tuple[str, ...], rows: list[int], chunk: Any, chunk_rows: int
) -> dict[int, Any]:
    """The values of a few rows: from the one chunk in memory, else by reading those columns
    again (only when a multi-chunk file has duplicates)."""
    wanted = set(rows)
    found: dict[int, Any] = {}
    frames = (
        [chunk] if chunk is not None else read_chunks(target, chunk_rows, columns=list(columns))
    )
    for frame in frames:
        if not len(frame):
            continue
        low, high = int(frame.index[0]), int(frame.index[-1])
        for row in (r for r in wanted if low <= r <= high):
            values = [plain(frame.at[row, c]) for c in columns]
            found[row] = values[0] if len(values) == 1 else dict(zip(columns, values, strict=True))
        if len(found) == len(wanted):
            break
    return found
