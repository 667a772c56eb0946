"""Read data files a chunk at a time, with a global row index, or fail with the file and line.

CSV and TSV go through pandas' C parser (the reader a hand-written check would use),
Parquet through pyarrow's batch reader; JSON Lines through pandas' line reader. Every
chunk's index continues where the last one stopped, so row numbers are the file's.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.core import yamlio
from mlgate.core.errors import InputError, MissingExtra
from mlgate.data import dataformats
from mlgate.data.lines import (
    FIRST_ROW_LINE,
    CountingReader,
    FieldCounter,
    LineMap,
    first_bad_byte,
    line_end_byte,
    map_lines,
    short_row,
)
from mlgate.data.metrics import DuplicateKey, unique_keys
from mlgate.data.source import Source as Target

Progress = Callable[[int, int], None]  # (done, total), in bytes or rows
HEAD_BYTES = 1 << 20  # enough for the header and the first row
_LINE_END = re.compile(rb"\r\n|\r|\n")
TEXT_DTYPE = "str"  # what pandas reads text as when not told


def first_line_number(target: Target) -> int | None:
    """The file line of row 0, for text formats (one line per row); None for Parquet."""
    return dataformats.by_name(target.data_format).first_row_line


def read_chunks(
    target: Target,
    chunk_rows: int,
    *,
    read_dtypes: dict[str, str] | None = None,
    text_columns: tuple[str, ...] = (),
    columns: list[str] | None = None,
    progress: Progress | None = None,
    layout: Layout | None = None,
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
        yield from _delimited(
            target,
            chunk_rows,
            dtypes=(named, text_columns),
            columns=columns,
            progress=progress,
            layout=layout,
        )


def header_fields(target: Target) -> list[str]:
    """The header row's names of a delimited or JSON Lines file, refused as `read_chunks`
    refuses them (a name twice, a first row longer than the header)."""
    if target.data_format == "jsonl":
        frame = next(_jsonl(target, 1, None, None))
        return [str(c) for c in frame.columns]
    try:
        raw = target.path.open("rb")
    except OSError as exc:
        raise InputError(f"{target.display}: cannot open: {exc}") from exc
    with raw:
        if os.fstat(raw.fileno()).st_size == 0:
            raise InputError(f"{target.display}: the file is empty (not even a header row)")
        return _header(raw, target.path.name.lower().endswith(".gz"), target)[0]


@dataclass
class Layout:
    """What reading a text file found out besides its rows (filled in by `read_chunks`)."""

    lines: LineMap | None = None  # set when a record spans lines or a line is blank


def _delimited(
    target: Target,
    chunk_rows: int,
    *,
    dtypes: tuple[dict[str, str], tuple[str, ...]],
    columns: list[str] | None,
    progress: Progress | None,
    layout: Layout | None,
) -> Iterator[Any]:
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
        header, line_end = _header(raw, gzipped, target)
        named = {name: dtype for name, dtype in dtypes[0].items() if name in header}
        text = [name for name in dtypes[1] if name in header]
        rows = 0
        short = _ShortRows(target, line_end, len(header)) if columns is None else None
        parsed = _Parsed(raw, target, chunk_rows, line_end)
        with _read_errors(target, line_end), contextlib.closing(short or _Nothing()):
            for chunk in parsed.chunks((named, text), columns):
                if short is not None:
                    short.look_at(chunk)
                rows += len(chunk)
                if progress is not None:
                    progress(raw.tell(), total)
                yield chunk
        if short is None:
            return  # some columns only, read again for the values of a few rows
        if parsed.one_line_per_row(rows):
            if not gzipped:
                _check_complete_last_line(raw, total, len(header), rows, target)
            short.raise_first(len(header))
        else:
            lines = map_lines(target.path, _delimiter(target), len(header), where)
            if layout is not None:
                layout.lines = lines


class _Nothing:
    def close(self) -> None:
        pass


@contextlib.contextmanager
def _read_errors(target: Target, line_end: bytes) -> Iterator[None]:
    """pandas' and gzip's errors as the user's: the file, and the line where it can be told."""
    import pandas as pd

    where = target.display
    try:
        yield
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{where}: no header row ({exc})") from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"{where}: not valid {target.data_format.upper()}: {exc}") from exc
    except UnicodeDecodeError as exc:
        bad = first_bad_byte(target.path, line_end)
        place = f"line {bad[0]}: {bad[1]}" if bad else exc.reason
        raise InputError(f"{where}: not UTF-8 text ({place})") from exc
    except (EOFError, zlib.error, OSError) as exc:
        kind = "gzip stream" if target.path.name.lower().endswith(".gz") else "file"
        raise InputError(f"{where}: corrupt or truncated {kind}: {exc}") from exc


class _ShortRows:
    """Rows with fewer fields than the header, which pandas fills with nulls: only rows whose
    last field is null are looked at, at line `row + 2` (checked once the file is read)."""

    def __init__(self, target: Target, line_end: bytes, fields: int) -> None:
        self._target = target
        self._line_end = line_end
        self._fields = fields
        self._counter: FieldCounter | None = None
        self.first: tuple[int, int] | None = None  # (line, fields) of the first short row

    def look_at(self, chunk: Any) -> None:
        import numpy as np

        if self.first is not None or chunk.shape[1] == 0:
            return
        nulls = np.flatnonzero(chunk.iloc[:, -1].isna().to_numpy())
        if not len(nulls):
            return
        if self._counter is None:
            delimiter = _delimiter(self._target)
            self._counter = FieldCounter(self._target.path, self._line_end, delimiter)
        lines = chunk.index.to_numpy()[nulls] + FIRST_ROW_LINE
        counts = self._counter.fields(lines)
        short = np.flatnonzero((counts >= 0) & (counts < self._fields))
        if len(short):
            self.first = (int(lines[short[0]]), int(counts[short[0]]))

    def raise_first(self, header_fields: int) -> None:
        if self.first is not None:
            line, fields = self.first
            raise short_row(self._target.display, line, fields, header_fields)

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()


class _Parsed:
    """pandas' chunks of the file, with the declared text columns read as text.

    Telling pandas a column is text doubles the time it takes to read the file, and pandas
    reads text as text anyway. Only a text column it takes for something else (zip codes:
    01234 would become 1234) is named, and the file read again up to where it stopped."""

    def __init__(self, raw: Any, target: Target, chunk_rows: int, line_end: bytes) -> None:
        self._raw = raw
        self._target = target
        self._chunk_rows = chunk_rows
        self._line_end = line_end
        self.counter: CountingReader | None = None

    def one_line_per_row(self, rows: int) -> bool:
        return self.counter is not None and self.counter.one_line_per_row(rows)

    def chunks(
        self, declared: tuple[dict[str, str], list[str]], columns: list[str] | None
    ) -> Iterator[Any]:
        import gzip

        import pandas as pd

        dtypes, text = dict(declared[0]), declared[1]
        done = 0
        while True:
            self._raw.seek(0)
            gzipped = self._target.path.name.lower().endswith(".gz")
            source = gzip.GzipFile(fileobj=self._raw) if gzipped else self._raw
            self.counter = CountingReader(source, self._line_end)
            reader = pd.read_csv(
                io.BufferedReader(self.counter, buffer_size=1 << 18),
                sep=_delimiter(self._target),
                chunksize=self._chunk_rows,
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


def _header(raw: Any, gzipped: bool, target: Target) -> tuple[list[str], bytes]:
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
    _require_distinct_names(header, where)
    return header, line_end_byte(start)


def _require_distinct_names(header: list[str], where: str) -> None:
    """pandas renames a repeated column name (`x`, `x.1`): a schema would then be checked, or
    inferred, against columns the file does not name. A repeated name is most often a file
    without a header row (DVC pipelines write many), whose first row of data is read as one."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(
                f"{where}: line 1: column {yamlio.excerpt(name)} appears twice in the header "
                "row; mlgate reads the first row as the column names (no header row? add one)"
            )
        seen.add(name)


def _require_distinct_columns(names: list[str], where: str) -> None:
    """A Parquet file may name a column twice; pandas would then hold two columns of one name,
    and a check of that name would see either."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{where}: column {yamlio.excerpt(name)} appears twice")
        seen.add(name)


def _delimiter(target: Target) -> str:
    delimiter = dataformats.by_name(target.data_format).delimiter
    if delimiter is None:
        raise ValueError(f"{target.data_format} is not a delimited text format")
    return delimiter


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

    where = target.display
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        why = f"to read the Parquet file {where}, and it is not installed"
        raise MissingExtra("pyarrow", "parquet", why) from exc
    try:
        parquet = pq.ParquetFile(target.path)
        _require_distinct_columns(parquet.schema_arrow.names, where)
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
    _require_unique_keys(target.path, where)
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


def _require_unique_keys(path: Path, where: str) -> None:
    """A record that gives a key twice is an input error naming the line: pandas keeps the
    last value silently, so a row would hold a value the file also contradicts (JSON metrics
    refuse it the same way). A line that is not JSON is left for the reader to report."""
    try:
        with _open_lines(path) as handle:
            for number, raw in enumerate(handle, 1):
                try:
                    json.loads(raw, object_pairs_hook=unique_keys)
                except DuplicateKey as exc:
                    raise InputError(
                        f"{where}: line {number}: key {yamlio.excerpt(exc.key)} appears twice in "
                        "one record; which value is meant?"
                    ) from exc
                except (ValueError, RecursionError):
                    continue
    except (OSError, EOFError, zlib.error):
        return  # the reader says what is wrong with the file


def _open_lines(path: Path) -> Any:
    import gzip

    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _bad_json_line(path: Path) -> str | None:
    """The first line that is not a JSON object, found on the error path only."""
    try:
        with _open_lines(path) as handle:
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
