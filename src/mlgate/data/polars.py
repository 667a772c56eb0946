"""The Polars engine: a lazy scan of the file, every check of a spec as one Polars expression,
and one streaming collection for all their counts and first examples.

Declared numeric columns are read as numbers; only when a value does not parse is the file
scanned again with those columns as text, so that each such value is a dtype failure of its
own row (as on the pandas engine) instead of an error for the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from mlgate.core.errors import InputError, MissingExtra
from mlgate.data.engine import (
    CheckCount,
    ColumnChunk,
    NeedsPandasReader,
    RowCheck,
    TableChecks,
    TableSpec,
    UniqueCheck,
)
from mlgate.data.read import first_line_number, header_fields
from mlgate.data.source import Source

ROW = "__mlgate_row"


BLANK_LINES = (b"\n\n", b"\n\r\n", b"\r\r")  # a line end right after a line end


class PolarsEngine:
    name = "polars"

    def check_table(self, source: Source, spec: TableSpec, max_examples: int) -> TableChecks:
        import polars as pl

        header = _columns(source)
        if source.data_format == "parquet":
            _require_declared_parquet_types(source, spec)
        numeric = [c for c, kind in spec.kinds.items() if kind in ("int", "float") and c in header]
        unreadable = _unreadable_errors()
        try:
            return _check(source, spec, header, max_examples, as_text=())
        except pl.exceptions.ComputeError as exc:
            if not numeric or source.data_format == "parquet":
                raise _unreadable(source, exc) from exc
        except unreadable as exc:
            raise _unreadable(source, exc) from exc
        try:  # a value a numeric column cannot hold: read those columns as text and cast
            return _check(source, spec, header, max_examples, as_text=tuple(numeric))
        except unreadable as exc:
            raise _unreadable(source, exc) from exc


def _unreadable(source: Source, exc: BaseException) -> NeedsPandasReader:
    """A file Polars cannot read (not UTF-8, a quote left open, ...): the pandas reader says
    what is wrong with it, on which line, as it does for every engine."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return NeedsPandasReader(f"{source.display}: Polars cannot read it: {first}")


def _polars() -> Any:
    try:
        import polars as pl
    except ImportError as exc:
        raise MissingExtra(
            "polars", "polars", "for engine: polars, and it is not installed"
        ) from exc
    return pl


def _unreadable_errors() -> tuple[type[BaseException], ...]:
    """What Polars raises on a file it cannot read: its errors, and a panic of its Rust code
    on input it did not foresee (hostile JSON Lines), which is not an Exception."""
    pl = _polars()
    return (pl.exceptions.PolarsError, pl.exceptions.PanicException)


def _columns(source: Source) -> list[str]:
    if source.data_format != "parquet":
        return header_fields(source)
    pl = _polars()
    try:
        return list(pl.read_parquet_schema(source.path))
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"{source.display}: not a readable Parquet file (corrupt or truncated?): {exc}"
        ) from exc


def _require_declared_parquet_types(source: Source, spec: TableSpec) -> None:
    pl = _polars()
    stored = pl.read_parquet_schema(source.path)
    wanted = _types(spec, ())
    for column, kind in wanted.items():
        if column in stored and stored[column] != kind:
            raise NeedsPandasReader(f"{source.display}: column {column} is {stored[column]}")


def _types(spec: TableSpec, as_text: tuple[str, ...]) -> dict[str, Any]:
    pl = _polars()
    polars_type = {"int": pl.Int64, "float": pl.Float64, "str": pl.String, "bool": pl.Boolean}
    return {
        column: pl.String if column in as_text else polars_type[kind]
        for column, kind in spec.kinds.items()
    }


def _scan(source: Source, spec: TableSpec, header: list[str], as_text: tuple[str, ...]) -> Any:
    from mlgate.data import dataformats

    pl = _polars()
    if source.data_format == "parquet":
        return pl.scan_parquet(source.path)
    types = {c: t for c, t in _types(spec, as_text).items() if c in header}
    if source.data_format == "jsonl":
        return pl.scan_ndjson(source.path, schema_overrides=types)
    delimiter = dataformats.by_name(source.data_format).delimiter or ","
    return pl.scan_csv(
        source.path,
        separator=delimiter,
        schema_overrides=types,
        infer_schema=False,  # undeclared columns stay text: nothing checks them
    )


# (column, check, failing rows, columns shown, stage): stages are reported in the order the
# pandas engine reports them: values that did not parse, Pandera's checks, uniqueness
Flag = tuple[str | None, str, Any, tuple[str, ...], str]
UNPARSED, CHECKS, UNIQUE = "unparsed", "checks", "unique"
STAGES = (UNPARSED, CHECKS, UNIQUE)


def _check(
    source: Source,
    spec: TableSpec,
    header: list[str],
    max_examples: int,
    *,
    as_text: tuple[str, ...],
) -> TableChecks:
    """One streaming pass counts the failures of every row check and the distinct keys of
    each unique set; only when something fails, a second pass finds the failing rows, the
    first examples and the repeated keys (examples and repeats cost a third of a pass more
    and much memory, for nothing on clean data)."""
    pl = _polars()
    frame = _scan(source, spec, header, as_text)
    declared = _types(spec, ())
    if as_text:  # the text as read beside it, the column itself as its declared type
        frame = frame.with_columns(
            [pl.col(c).alias(_raw(c)) for c in as_text]
            + [pl.col(c).cast(declared[c], strict=False) for c in as_text]
        )
    unparsed = {c: pl.col(_raw(c)).is_not_null() & pl.col(c).is_null() for c in as_text}
    ok = ~pl.any_horizontal(list(unparsed.values())) if unparsed else pl.lit(True)
    flags: list[Flag] = [
        (c, spec.dtype_names[c], f, (_raw(c),), UNPARSED) for c, f in unparsed.items()
    ]
    present = [c for c in spec.checks if c.column in header]
    for check in (c for c in present if c.op == "not_null"):
        flags.append((check.column, check.name, pl.col(check.column).is_null() & ok, (), CHECKS))
    # pandas reads an int column with a null as floats, which Pandera's int64 dtype check
    # fails on each null row
    ints = [c for c, kind in spec.kinds.items() if kind == "int" and c in header]
    null_flags = {}
    for column in ints:
        null_flags[column] = len(flags)
        nulls = pl.col(column).is_null() & ok
        flags.append((column, spec.dtype_names[column], nulls, (), CHECKS))
    for check in (c for c in present if c.op != "not_null"):
        fails = _fails(check, pl.col(check.column)) & ok
        flags.append((check.column, check.name, fails, (check.column,), CHECKS))
    uniques = [u for u in spec.unique if all(c in header for c in u.columns)]
    declared_here = [c for c in spec.kinds if c in header]
    distinct = [] if as_text else uniques
    text = source.data_format != "parquet"
    last = header[-1] if text and header else None
    answer = _collect(frame, flags, None, distinct=distinct, declared=declared_here, last=last)
    if answer.get("last_empty"):
        # a row with fewer fields than the header reads as nulls here; the pandas reader
        # refuses it, naming its line, and tells it from an empty last field
        raise NeedsPandasReader(f"{source.display}: a row may be short")
    repeated = as_text or any(answer[f"u{n}"] < answer["rows"] for n in range(len(uniques)))
    failed = any(answer[f"n{n}"] for n in range(len(flags)))
    if uniques and repeated:
        flags += [
            (
                _unique_label(u),
                u.name,
                _duplicated(u, ok, all_parsed=not as_text),
                u.columns,
                UNIQUE,
            )
            for u in uniques
        ]
    if failed or (uniques and repeated):  # row numbers only now: they cost a column per pass
        numbered = frame.with_row_index(ROW)
        answer = _collect(numbered, flags, max_examples, distinct=[], declared=declared_here)
    if answer.get("failing") or answer["empty"]:  # lines are shown, or may be blank lines
        _require_one_line_per_row(source, int(answer["rows"]))
    failures = [_missing_column(c) for c in _required(spec) if c not in header]
    found = _counts(flags, answer, first_line_number(source), max_examples)
    _as_floats(found, [c for c, n in null_flags.items() if answer[f"n{n}"]])
    failures += found
    return TableChecks(
        rows=int(answer["rows"]),
        columns=len(header),
        failing_rows=int(answer.get("failing") or 0),
        failures=failures,
    )


def _collect(
    frame: Any,
    flags: list[Flag],
    max_examples: int | None,
    *,
    distinct: list[UniqueCheck],
    declared: list[str],
    last: str | None = None,
) -> dict[str, Any]:
    """Every flag's count, and (unless `max_examples` is None) the rows failing any and each
    flag's first rows and values; the distinct keys of `distinct`, the rows with nothing
    in `declared` (what a blank line reads as) and those with nothing in column `last`."""
    pl = _polars()
    outputs = [pl.len().alias("rows")]
    if last is not None:
        outputs.append(pl.col(last).is_null().sum().alias("last_empty"))
    nothing = [pl.col(c).is_null() for c in declared]
    empty = pl.all_horizontal(nothing) if nothing else pl.lit(False)
    outputs.append(empty.sum().alias("empty"))
    if flags and max_examples is not None:
        outputs.append(pl.any_horizontal([f[2] for f in flags]).sum().alias("failing"))
    for number, (_column, _name, flag, columns, _stage) in enumerate(flags):
        outputs.append(flag.sum().alias(f"n{number}"))
        if max_examples is None:
            continue
        outputs.append(pl.col(ROW).filter(flag).head(max_examples).implode().alias(f"r{number}"))
        for position, column in enumerate(columns):
            shown = pl.col(column).filter(flag).head(max_examples).implode()
            outputs.append(shown.alias(f"v{number}_{position}"))
    for number, unique in enumerate(distinct):
        keys = [pl.col(c) for c in unique.columns]
        key = keys[0] if len(keys) == 1 else pl.struct(keys)
        outputs.append(key.n_unique().alias(f"u{number}"))
    answer: dict[str, Any] = frame.select(outputs).collect(engine="streaming").row(0, named=True)
    return answer


def _counts(
    flags: list[Flag], answer: dict[str, Any], line_offset: int | None, max_examples: int
) -> list[CheckCount]:
    """Per (column, check), in the pandas engine's order: the stages in turn, checks by
    column name; a dtype failure found twice (a value that did not parse, a null in an int
    column) is one failure, as there."""
    found: dict[tuple[str | None, str], CheckCount] = {}
    ordered = sorted(
        range(len(flags)),
        key=lambda n: (
            (STAGES.index(flags[n][4]), str(flags[n][0]) if flags[n][4] == CHECKS else "")
        ),
    )
    for number in ordered:
        label, name, _flag, columns, _stage = flags[number]
        count = int(answer[f"n{number}"])
        if not count:
            continue
        values = [answer[f"v{number}_{p}"] for p in range(len(columns))]
        shown = columns or (str(label),)
        examples = [
            _example(
                int(row),
                _value(shown, [v[i] for v in values]) if values else None,
                line_offset,
            )
            for i, row in enumerate(answer[f"r{number}"])
        ]
        failure = found.setdefault((label, name), CheckCount(label, name, 0, []))
        failure.rows = (failure.rows or 0) + count
        failure.examples = (failure.examples + examples)[:max_examples]
    return list(found.values())


def _as_floats(found: list[CheckCount], columns: list[str]) -> None:
    """Values of an int column with nulls as the pandas engine shows them: floats."""
    for failure in found:
        if failure.column not in columns:
            continue
        for example in failure.examples:
            value = example.get("value")
            if isinstance(value, int) and not isinstance(value, bool):
                example["value"] = float(value)


def _require_one_line_per_row(source: Source, rows: int) -> None:
    """Row `n` is on line `n + 2` only when every row is one line: Polars reads a blank line
    as a row of nulls (pandas skips it) and cannot say where a record over several lines
    starts. Counting the line ends (a C loop over the bytes) tells; it is done only when a
    line is shown (a check failed) or a row is empty (perhaps a blank line)."""
    if source.data_format == "parquet":
        return
    if source.path.name.lower().endswith(".gz"):
        raise NeedsPandasReader(source.display)
    newlines = returns = 0
    tail = b""  # the end of the block before, for a blank line across two blocks
    with source.path.open("rb") as handle:
        while block := handle.read(1 << 22):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
            seam = tail + block
            if any(blank in seam for blank in BLANK_LINES):
                raise NeedsPandasReader(source.display)
            tail = block[-3:]
    ends = newlines or returns  # CR-only files end their lines with \r
    records = rows + (0 if source.data_format == "jsonl" else 1)  # the header is a line
    if ends != records - (0 if tail.endswith((b"\n", b"\r")) else 1):
        raise NeedsPandasReader(source.display)


def _raw(column: str) -> str:
    return f"__mlgate_text_{column}"


def _required(spec: TableSpec) -> list[str]:
    return list(spec.kinds)


def _missing_column(column: str) -> CheckCount:
    return CheckCount(column, "column_in_dataframe", None, [{"value": column}])


def _fails(check: RowCheck, value: Any) -> Any:
    """The expression that is true on each row that fails `check`; a null fails only not_null."""
    pl = _polars()
    if check.op == "not_null":
        return value.is_null()
    return (~_holds(check, value, pl)).fill_null(False)


def _holds(check: RowCheck, value: Any, pl: Any) -> Any:
    op, args = check.op, check.args
    simple = {
        "eq": lambda: value == args[0],
        "ne": lambda: value != args[0],
        "gt": lambda: value > args[0],
        "ge": lambda: value >= args[0],
        "lt": lambda: value < args[0],
        "le": lambda: value <= args[0],
        "isin": lambda: value.is_in(list(args[0])),
        "notin": lambda: ~value.is_in(list(args[0])),
        "str_matches": lambda: value.str.contains(f"^(?:{args[0]})"),
        "str_contains": lambda: value.str.contains(args[0]),
        "str_startswith": lambda: value.str.starts_with(args[0]),
        "str_endswith": lambda: value.str.ends_with(args[0]),
    }
    if op in simple:
        return simple[op]()
    if op == "in_range":
        low, high, include_low, include_high = args
        above = value >= low if include_low else value > low
        below = value <= high if include_high else value < high
        return above & below
    if op == "str_length":
        low, high = args
        length = value.str.len_chars()
        holds = pl.lit(True)
        if low is not None:
            holds = holds & (length >= low)
        if high is not None:
            holds = holds & (length <= high)
        return holds
    raise ValueError(f"no Polars expression for {op}")


def _duplicated(unique: UniqueCheck, ok: Any, all_parsed: bool) -> Any:
    """Rows whose values repeat among the rows that parsed; a row that did not parse takes no
    part (its own row number makes its key distinct). One column is its own key: hashing a
    struct of it costs several times more."""
    pl = _polars()
    columns = [pl.col(c) for c in unique.columns]
    if all_parsed:
        key = columns[0] if len(columns) == 1 else pl.struct(columns)
    else:
        key = pl.struct([*columns, pl.when(ok).then(-1).otherwise(pl.col(ROW))])
    if unique.keep == "first":
        repeated = ~key.is_first_distinct()
    elif unique.keep == "last":
        repeated = ~key.is_last_distinct()
    else:
        repeated = key.is_duplicated()
    return repeated if all_parsed else repeated & ok


def _unique_label(unique: UniqueCheck) -> str:
    return unique.columns[0] if len(unique.columns) == 1 else ", ".join(unique.columns)


def _value(columns: tuple[str, ...], values: list[Any]) -> Any:
    plain = [_plain(v) for v in values]
    return plain[0] if len(columns) == 1 else dict(zip(columns, plain, strict=True))


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _example(row: int, value: Any, line_offset: int | None) -> dict[str, Any]:
    example: dict[str, Any] = {"row": row}
    if line_offset is not None:
        example["line"] = row + line_offset
    example["value"] = value
    return example


# --- profile: the file's columns, chunk by chunk -----------------------------------------------

# pandas' default missing-value markers (pandas._libs.parsers.STR_NA_VALUES): nulls here too,
# so a column's nulls and kind are those the pandas reader finds. They are found in the text
# columns once read: told to the CSV reader, they double its time.
PANDAS_NA_VALUES = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
PROFILED_FORMATS = ("csv", "tsv", "parquet")
NUMBER_PROBE = 100


def column_chunks(source: Source, chunk_rows: int) -> Iterator[list[ColumnChunk]]:
    """The file's columns in chunks of `chunk_rows` rows (the last fewer), read by a lazy,
    streaming scan, so memory holds one chunk. NeedsPandasReader wherever the pandas reader
    could read the file otherwise: gzip and JSON Lines, a blank line or a short row (pandas
    refuses or skips what Polars fills with nulls), text that pandas would read as numbers
    (` 1.5`), a type the pandas reader shows another way (dates, decimals), or anything Polars
    cannot parse. The caller starts over with the pandas reader, whose answer is the reference."""
    unreadable = _unreadable_errors()
    if source.data_format not in PROFILED_FORMATS or source.path.name.lower().endswith(".gz"):
        raise NeedsPandasReader(source.display)
    header = _columns(source)  # refuses what the pandas reader refuses: a name twice, no header
    read = 0
    try:
        for batch in _chunks_of(_profile_scan(source), chunk_rows):
            read += batch.height
            yield _chunk_columns(batch, header, source)
    except unreadable as exc:
        raise NeedsPandasReader(f"{source.display}: {exc}") from exc
    if not read:  # the pandas reader names the columns of a file without rows, with their types
        raise NeedsPandasReader(f"{source.display}: no rows")


SCAN_BATCH_ROWS = 100_000  # the streaming engine buffers a few batches: small ones, less memory


def _chunks_of(scan: Any, rows: int) -> Iterator[Any]:
    """The scan's rows in frames of `rows` (the last fewer), joined from smaller batches
    without copying them: 5 GB of CSV read as 500,000-row batches peaks at 590 MiB, as
    100,000-row ones at 400."""
    pl = _polars()
    held: list[Any] = []
    count = 0
    for batch in scan.collect_batches(chunk_size=min(rows, SCAN_BATCH_ROWS)):
        held.append(batch)
        count += batch.height
        while count >= rows:
            joined = pl.concat(held, rechunk=False)
            yield joined.slice(0, rows)
            rest = joined.slice(rows)
            held, count = ([rest] if rest.height else []), rest.height
    if count:
        yield pl.concat(held, rechunk=False)


def _profile_scan(source: Source) -> Any:
    from mlgate.data import dataformats

    pl = _polars()
    if source.data_format == "parquet":
        return pl.scan_parquet(source.path)
    return pl.scan_csv(
        source.path, separator=dataformats.by_name(source.data_format).delimiter or ","
    )


def _chunk_columns(batch: Any, header: list[str], source: Source) -> list[ColumnChunk]:
    pl = _polars()
    if batch.width and source.data_format != "parquet":
        last = batch.get_column(header[-1])
        if last.null_count() or batch.select(pl.all_horizontal(pl.all().is_null()).any()).item():
            raise NeedsPandasReader(f"{source.display}: a row may be short or blank")
    return [_column_chunk(batch.get_column(name), source) for name in header]


def _column_chunk(series: Any, source: Source) -> ColumnChunk:
    pl = _polars()
    rows, name, dtype = series.len(), series.name, series.dtype
    numeric = dtype.is_numeric() and not dtype.is_decimal()
    text = source.data_format != "parquet"
    if text and dtype == pl.String:
        series = _without_markers(series)
    if series.null_count() == rows and (numeric or text):
        # pandas reads a text column with nothing in it as floats
        return ColumnChunk(name, "numeric", rows, rows, numbers=_no_numbers())
    if numeric:
        values = series.cast(pl.Float64).drop_nulls().drop_nans()
        return ColumnChunk(name, "numeric", rows, rows - values.len(), numbers=values.to_numpy())
    if dtype == pl.Boolean:
        series = _bool_text(series)
    elif dtype in (pl.Categorical, pl.Enum):
        series = series.cast(pl.String)
    elif dtype != pl.String:
        raise NeedsPandasReader(f"{source.display}: column {name!r} is {dtype}")
    elif text and _reads_as_numbers(series):
        raise NeedsPandasReader(f"{source.display}: column {name!r} reads as numbers")
    # in the order of first appearance, as pandas' value_counts(sort=False) gives them
    counts = series.drop_nulls().to_frame(KEY).group_by(KEY, maintain_order=True).len(COUNT)
    return ColumnChunk(name, "categorical", rows, series.null_count(), categories=counts)


KEY, COUNT, ORDER = "key", "count", "order"


class CategoryCounts:
    """The profile's category counts (drift/profile.py's CategorySketch) kept as a Polars
    frame: merging a chunk of a million ids is a grouped sum here, not a million dict updates.
    Each chunk's counts come in the order the categories first appear; the frame keeps that
    order, and pooling keeps the `tracked // 2` most frequent (ties: first seen first) in
    rank order, as Counter.most_common does: the same `finish()`, byte for byte."""

    def __init__(self, tracked: int, top: int) -> None:
        self._tracked, self._top = tracked, top
        self._frame: Any = None
        self._pooled = 0

    def add(self, counts: Any) -> None:
        pl = _polars()
        if self._frame is None:
            self._frame = counts.cast({COUNT: pl.Int64})
        else:
            both = pl.concat([self._frame, counts.cast({COUNT: pl.Int64})])
            self._frame = both.group_by(KEY, maintain_order=True).agg(pl.col(COUNT).sum())
        if self._frame.height > self._tracked:
            kept = self._ranked().head(self._tracked // 2)
            self._pooled += int(self._frame.get_column(COUNT).sum() - kept.get_column(COUNT).sum())
            self._frame = kept

    def _ranked(self) -> Any:
        ordered = self._frame.with_row_index(ORDER)
        return ordered.sort([COUNT, ORDER], descending=[True, False]).drop(ORDER)

    def finish(self) -> dict[str, Any]:
        if self._frame is None:
            return {"distinct": 0, "top": {}, "other": self._pooled}
        top = self._ranked().head(self._top)
        keys, counts = top.get_column(KEY).to_list(), top.get_column(COUNT).to_list()
        total = int(self._frame.get_column(COUNT).sum())
        return {
            "distinct": self._frame.height,
            "top": dict(zip(keys, counts, strict=True)),
            "other": self._pooled + total - sum(counts),
        }


def _bool_text(series: Any) -> Any:
    """Booleans as pandas writes them as text: True, False."""
    pl = _polars()
    flag = pl.col("b")
    text = pl.when(flag).then(pl.lit("True")).when(~flag).then(pl.lit("False"))
    return series.to_frame("b").select(text.alias(series.name)).to_series()


def _without_markers(text: Any) -> Any:
    """Text with pandas' missing-value markers (`NA`, `null`, ...) as nulls."""
    pl = _polars()
    missing = text.is_in(list(PANDAS_NA_VALUES))
    if not missing.any():
        return text
    return text.to_frame().select(pl.when(~missing).then(pl.col(text.name))).to_series()


def _reads_as_numbers(text: Any) -> bool:
    """Whether pandas would read this text column as numbers: every value is one, blanks
    around it aside. The first values settle it for most columns (an id, a name)."""
    pl = _polars()
    present = text.drop_nulls()
    for values in (present.head(NUMBER_PROBE), present):
        numbers = values.str.strip_chars().cast(pl.Float64, strict=False)
        if numbers.null_count():
            return False
    return True


def _no_numbers() -> Any:
    import numpy as np

    return np.empty(0, dtype="float64")
