"""Read data files a chunk at a time, with a global row index, or fail with the file and line.

CSV and TSV go through pandas' C parser (the reader a hand-written check would use),
Parquet through pyarrow's batch reader; JSON Lines through pandas' line reader. Every
chunk's index continues where the last one stopped, so row numbers are the file's.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mlgate.errors import InputError
from mlgate.validate_targets import Target

Progress = Callable[[int, int], None]  # (done, total), in bytes or rows
HEAD_BYTES = 1 << 20  # enough for the header and the first row
_LINE_END = re.compile(rb"\r\n|\r|\n")
TEXT_DTYPE = "str"  # what pandas reads text as when not told


def first_line_number(target: Target) -> int | None:
    """The file line of row 0, for text formats (one line per row); None for Parquet."""
    return {"csv": 2, "tsv": 2, "jsonl": 1}.get(target.data_format)


def read_chunks(
    target: Target,
    chunk_rows: int,
    *,
    read_dtypes: dict[str, str] | None = None,
    text_columns: tuple[str, ...] = (),
    columns: list[str] | None = None,
    progress: Progress | None = None,
) -> Iterator[Any]:
    """Yield DataFrames of at most `chunk_rows` rows; InputError for unreadable files.

    `read_dtypes`: columns read as these dtypes; `text_columns`: columns read as text, but
    named to the text reader only if it takes one for something else."""
    if target.data_format == "parquet":
        yield from _parquet(target, chunk_rows, columns, progress)
    elif target.data_format == "jsonl":
        yield from _jsonl(target, chunk_rows, columns, progress)
    else:
        named = read_dtypes or {}
        yield from _delimited(target, chunk_rows, (named, text_columns), columns, progress)


def _delimited(
    target: Target,
    chunk_rows: int,
    dtypes: tuple[dict[str, str], tuple[str, ...]],
    columns: list[str] | None,
    progress: Progress | None,
) -> Iterator[Any]:
    import pandas as pd

    gzipped = target.path.name.lower().endswith(".gz")
    where = target.display
    try:
        raw = target.path.open("rb")
    except OSError as exc:
        raise InputError(f"{where}: cannot open: {exc}") from exc
    with raw:
        total = os.fstat(raw.fileno()).st_size
        if total == 0:
            raise InputError(f"{where}: the file is empty (not even a header row)")
        header = _header(raw, gzipped, target)
        named = {name: dtype for name, dtype in dtypes[0].items() if name in header}
        text = [name for name in dtypes[1] if name in header]
        rows = 0
        try:
            for chunk in _parsed(raw, target, chunk_rows, (named, text), columns):
                rows += len(chunk)
                if progress is not None:
                    progress(raw.tell(), total)
                yield chunk
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{where}: no header row ({exc})") from exc
        except pd.errors.ParserError as exc:
            raise InputError(f"{where}: not valid {target.data_format.upper()}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: not UTF-8 text ({exc.reason} near row {rows})") from exc
        except (EOFError, zlib.error, OSError) as exc:
            kind = "gzip stream" if gzipped else "file"
            raise InputError(f"{where}: corrupt or truncated {kind}: {exc}") from exc
        if not gzipped:
            _check_complete_last_line(raw, total, len(header), rows, target)


def _parsed(
    raw: Any,
    target: Target,
    chunk_rows: int,
    declared: tuple[dict[str, str], list[str]],
    columns: list[str] | None,
) -> Iterator[Any]:
    """pandas' chunks of `raw`, with the declared text columns read as text.

    Telling pandas a column is text doubles the time it takes to read the file, and pandas
    reads text as text anyway. Only a text column it takes for something else (zip codes:
    01234 would become 1234) is named, and the file read again up to where it stopped."""
    import pandas as pd

    dtypes, text = dict(declared[0]), declared[1]
    done = 0
    while True:
        raw.seek(0)
        reader = pd.read_csv(
            raw,
            sep=_delimiter(target),
            chunksize=chunk_rows,
            compression="gzip" if target.path.name.lower().endswith(".gz") else None,
            dtype=dtypes or None,
            usecols=columns,
            encoding="utf-8",
            index_col=False,  # a first row with an extra field is an error, not an index
        )
        with reader:
            for number, chunk in enumerate(reader):
                if number < done:
                    continue
                misread = _misread_text(chunk, text, dtypes)
                if misread:
                    dtypes.update(dict.fromkeys(misread, TEXT_DTYPE))
                    break
                done += 1
                yield chunk
            else:
                return


def _misread_text(chunk: Any, text: list[str], named: dict[str, str]) -> list[str]:
    """The text columns pandas read as something else (numbers, or floats when empty)."""
    from pandas.api.types import is_string_dtype

    return [
        name
        for name in text
        if name not in named and name in chunk.columns and not is_string_dtype(chunk[name].dtype)
    ]


def _header(raw: Any, gzipped: bool, target: Target) -> list[str]:
    """The header's fields; InputError when the first row has more (pandas would silently
    take the first column for an index and shift every value by one column)."""
    import gzip

    where = target.display
    try:
        if gzipped:
            with gzip.open(raw) as stream:
                start = stream.read(HEAD_BYTES)
        else:
            start = raw.read(HEAD_BYTES)
    except (EOFError, zlib.error, OSError) as exc:
        raise InputError(f"{where}: corrupt gzip stream: {exc}") from exc
    finally:
        raw.seek(0)
    text = start.decode("utf-8", errors="replace")
    # newline="": the csv module finds \n, \r\n and CR-only line ends itself
    records = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(target))
    try:
        header = next(records, [])
        first = next(records, None)
    except csv.Error as exc:
        raise InputError(f"{where}: not valid {target.data_format.upper()}: {exc}") from exc
    if first is not None and len(first) > len(header):
        raise InputError(
            f"{where}: line {records.line_num}: {len(first)} fields, but the header has "
            f"{len(header)}"
        )
    return header


def _delimiter(target: Target) -> str:
    return "\t" if target.data_format == "tsv" else ","


def _check_complete_last_line(raw: Any, total: int, fields: int, rows: int, target: Target) -> None:
    """A file cut mid-row parses as a short last row; pandas fills it with NaN. Refuse it."""
    raw.seek(max(0, total - 65536))
    tail = raw.read()
    if tail.endswith((b"\n", b"\r")) or not (b"\n" in tail or b"\r" in tail):
        return
    last = _LINE_END.split(tail)[-1].decode("utf-8", errors="replace")
    got = len(next(csv.reader([last], delimiter=_delimiter(target)), []))
    if got < fields:
        raise InputError(
            f"{target.display}: truncated: the last line (line {rows + 1}) has {got} of "
            f"{fields} fields and no line end"
        )


def _parquet(
    target: Target, chunk_rows: int, columns: list[str] | None, progress: Progress | None
) -> Iterator[Any]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = target.display
    try:
        parquet = pq.ParquetFile(target.path)
        total = parquet.metadata.num_rows
        if total == 0:
            yield parquet.schema_arrow.empty_table().to_pandas()
            return
        start = 0
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=columns):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            if progress is not None:
                progress(start, total)
            yield frame
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            f"{where}: not a readable Parquet file (corrupt or truncated?): {exc}"
        ) from exc


def _jsonl(
    target: Target, chunk_rows: int, columns: list[str] | None, progress: Progress | None
) -> Iterator[Any]:
    import pandas as pd

    where = target.display
    if target.path.stat().st_size == 0:
        raise InputError(f"{where}: the file is empty")
    start = 0
    try:
        with pd.read_json(
            target.path,
            lines=True,
            chunksize=chunk_rows,
            compression="infer",
            precise_float=True,  # the fast parser misreads 0.29874843554443054 as ...004
        ) as reader:
            for chunk in reader:
                if not all(isinstance(name, str) for name in chunk.columns):
                    # JSON keys are strings: a column named 0 comes from a line that is a list
                    raise ValueError("a line is not a JSON object")
                chunk.index = pd.RangeIndex(start, start + len(chunk))
                start += len(chunk)
                if progress is not None:
                    progress(start, start)
                yield chunk[columns] if columns else chunk
    except (ValueError, TypeError, EOFError, zlib.error, OSError) as exc:
        # TypeError: pandas, given objects and lists mixed, fails while building the frame
        raise InputError(
            f"{where}: not valid JSON Lines: {_bad_json_line(target.path) or exc}"
        ) from exc


def _bad_json_line(path: Path) -> str | None:
    """The first line that is not a JSON object, found on the error path only."""
    import gzip

    opener: Any = gzip.open if path.name.lower().endswith(".gz") else Path.open
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    return f"line {number}: {exc}"
                if not isinstance(value, dict):
                    return f"line {number}: not a JSON object"
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        return str(exc)
    return None
