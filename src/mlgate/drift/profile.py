"""`mlgate profile`: a compact, versioned picture of a dataset, made in one pass over chunks.

Per column: its kind, rows and nulls; for numbers the exact values and their counts while there
are at most `MAX_EXACT_VALUES` distinct ones, and always bins with counts; for text the counts
of the most frequent categories, the rest pooled. Drift (`mlgate.drift`) is computed from two
profiles, never from the raw rows of the reference.

How numeric bins are made in one pass. The first chunk's quantiles fix a fine grid of up to
`FINE_BINS` bins; every later value inside the grid is counted in its bin (exact counts). Values
outside the grid wait in a buffer; when it fills, and at the end, the buffer's own quantiles
extend the grid below and above, so a file sorted by value or a later shift still gets fine bins.
At the end the fine bins are merged into `BINS` bins of about equal counts. So every count is
exact; only where the edges sit is approximate: a final edge is within one fine bin (about
1/`FINE_BINS` of the first chunk's rows) of the quantile it stands for, and KS, Wasserstein,
PSI and JS computed from the bins are within the binning of the values from the raw data
(KS within the largest bin's share of rows, 1/`BINS` for a continuous column).

pandas and numpy are imported inside functions: `mlgate --help` must not load them.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.config import SparkConfig
from mlgate.core.digests import sha256_of
from mlgate.core.errors import InputError, MissingExtra
from mlgate.core.outbound import redact
from mlgate.data import (
    CategoryTally,
    ColumnChunk,
    NeedsPandasReader,
    PolarsCategoryCounts,
    ProfileShape,
    polars_column_chunks,
    profile_with_spark,
    resolve,
    spark_job_errors,
    spark_session,
    spark_source,
)

PROFILE_FORMAT = 1
BINS = 100  # final bins per numeric column: a 20-column profile stays well under 100 KB
TAIL_EDGES = 20  # fine edges kept in each tail of the final bins
FINE_BINS = 2000  # the working grid's resolution
MAX_FINE_EDGES = 40_000  # beyond this the working grid halves its resolution (counts stay exact)
TAIL_BUFFER = 200_000  # values outside the grid held before the grid grows to take them
MAX_EXACT_VALUES = 200  # a numeric column with at most this many distinct values is kept exact
TOP_CATEGORIES = 2000  # categories stored by name; the rest are pooled as `other`
MAX_TRACKED_CATEGORIES = 100_000  # categories counted in memory before the rarest are pooled
CHUNK_ROWS = 500_000
MAX_COUNT = 2**53
NUMERIC = "numeric"
CATEGORICAL = "categorical"


def require_numeric_stack(engine: str = "pandas") -> None:
    """numpy, and pandas where it reads the data (the Polars engine reads without it)."""
    import importlib

    for module in ("numpy", "pandas") if engine == "pandas" else ("numpy",):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingExtra(exc.name or module, "drift") from exc


class NumericSketch:
    """One numeric column's bins, moments and (while few) exact values."""

    def __init__(self, grid: Any = None) -> None:
        self.edges: Any = grid  # numpy array of sorted edges; bins are [e_i, e_i+1)
        self.counts: Any = None if grid is None else _zeros(len(grid) - 1)
        self.fixed_grid = grid is not None  # the current side keeps the reference's grid
        self.tail: list[Any] = []
        self.tail_size = 0
        self.values: Counter[float] | None = Counter()
        self.n = 0
        self.total = 0.0
        self.total_sq = 0.0
        self.low = math.inf
        self.high = -math.inf

    def add(self, values: Any) -> None:
        import numpy as np

        # One sort per chunk serves everything below: numpy's vectorised sort is several times
        # faster than looking each value up among the edges.
        values = np.sort(values[np.isfinite(values)])
        if values.size == 0:
            return
        self.n += int(values.size)
        # Values near the float limit (1e308) overflow the sums: the moments then read as
        # unknown (None) in finish, the bins are unaffected.
        with np.errstate(over="ignore", invalid="ignore"):
            self.total += float(values.sum())
            self.total_sq += float(np.square(values).sum())
        self.low = min(self.low, float(values[0]))
        self.high = max(self.high, float(values[-1]))
        if self.values is not None:
            self._count_values(values)
        if self.edges is None:
            self.edges = _quantile_edges(values, FINE_BINS)
            self.counts = _zeros(len(self.edges) - 1)
        positions = np.searchsorted(values, self.edges, side="left")
        self.counts += np.diff(positions)
        for outside in (values[: positions[0]], values[positions[-1] :]):
            if outside.size:
                # a copy: a slice would keep the whole sorted chunk alive until the buffer
                # fills, 4 MB a column a chunk (2 GB over a 5 GB CSV)
                self.tail.append(outside.copy())
                self.tail_size += int(outside.size)
        if self.tail_size >= TAIL_BUFFER:
            self._take_tail()

    def _count_values(self, ordered: Any) -> None:
        import numpy as np

        starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
        if len(starts) > MAX_EXACT_VALUES:
            self.values = None
            return
        counts = np.diff(np.append(starts, len(ordered)))
        assert self.values is not None
        self.values.update(dict(zip(ordered[starts].tolist(), counts.tolist(), strict=True)))
        if len(self.values) > MAX_EXACT_VALUES:
            self.values = None

    def _take_tail(self) -> None:
        """Grow the grid below and above to hold the buffered values, each bin counted exactly."""
        import numpy as np

        if not self.tail:
            return
        values = np.concatenate(self.tail)
        self.tail, self.tail_size = [], 0
        below = values[values < self.edges[0]]
        above = values[values >= self.edges[-1]]
        fine = max(2, FINE_BINS * len(values) // max(self.n, 1))
        if below.size:
            new = _quantile_edges(below, fine)[:-1]  # every value of `below` is < edges[0]
            new_edges = np.concatenate([new, self.edges[:1]])
            counts, _ = np.histogram(below, new_edges)
            self.edges = np.concatenate([new, self.edges])
            self.counts = np.concatenate([counts, self.counts])
        if above.size:
            new = _quantile_edges(above, fine)
            new_edges = np.concatenate([self.edges[-1:], new])
            counts = np.bincount(
                np.searchsorted(new_edges, above, side="right") - 1, minlength=len(new)
            )
            self.edges = np.concatenate([self.edges, new])
            self.counts = np.concatenate([self.counts, counts])
        if not self.fixed_grid and len(self.edges) > MAX_FINE_EDGES:
            self._halve()

    def _halve(self) -> None:
        import numpy as np

        keep = np.arange(0, len(self.edges), 2)
        if keep[-1] != len(self.edges) - 1:
            keep = np.append(keep, len(self.edges) - 1)
        cumulative = np.concatenate([[0], np.cumsum(self.counts)])
        self.edges = self.edges[keep]
        self.counts = np.diff(cumulative[keep])

    def _moments(self) -> tuple[float | None, float | None]:
        """Mean and standard deviation; None for what overflowed a float."""
        if not self.n or not math.isfinite(self.total) or not math.isfinite(self.total_sq):
            return None, None
        mean = self.total / self.n
        try:
            variance = self.total_sq / self.n - mean**2
        except OverflowError:
            return mean, None
        return mean, math.sqrt(max(variance, 0.0)) if math.isfinite(variance) else None

    def finish(self, *, merge: bool) -> dict[str, Any]:
        self._take_tail()
        mean, std = self._moments()
        summary: dict[str, Any] = {
            "min": self.low if self.n else None,
            "max": self.high if self.n else None,
            "mean": mean,
            "std": std,
        }
        if self.edges is None:
            summary["bins"] = {"edges": [], "counts": []}
        else:
            edges, counts = (
                _merged(self.edges, self.counts, BINS) if merge else (self.edges, self.counts)
            )
            summary["bins"] = {"edges": edges.tolist(), "counts": counts.tolist()}
        summary["values"] = (
            [[value, count] for value, count in sorted(self.values.items())]
            if self.values is not None
            else None
        )
        return summary


def _zeros(size: int) -> Any:
    import numpy as np

    return np.zeros(size, dtype="int64")


def _quantile_edges(values: Any, bins: int) -> Any:
    """Edges at the quantiles of `values`; the last one just above the largest value, so every
    value falls in a half-open bin [e_i, e_i+1)."""
    import numpy as np

    levels = np.linspace(0, 1, bins + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        quantiles = np.quantile(values, levels)
    if not np.isfinite(quantiles).all():
        # Values spanning more than the float range (-1.7e308 .. 1.5e308) overflow the linear
        # interpolation; quantiles taken among the values themselves cannot.
        quantiles = np.quantile(values, levels, method="inverted_cdf")
    edges = np.unique(quantiles)
    top = np.nextafter(edges[-1], math.inf)
    return np.append(edges[:-1], top) if len(edges) > 1 else np.array([edges[0], top])


def _merged(edges: Any, counts: Any, bins: int) -> tuple[Any, Any]:
    """Adjacent fine bins merged into about `bins` bins of equal counts, empty ones dropped
    inside the range (their edges carry no information), counts exact. The lowest and highest
    share of 1/`bins` keep up to `TAIL_EDGES` fine edges each: a long tail in one wide bin
    would skew the Wasserstein distance, which weighs mass by how far it lies."""
    import numpy as np

    cumulative = np.concatenate([[0], np.cumsum(counts)])
    total = cumulative[-1]
    if total == 0:
        return edges[[0, -1]], np.array([0])
    targets = np.linspace(0, total, bins + 1)[1:-1]
    cuts = np.searchsorted(cumulative, targets, side="left")
    low = np.flatnonzero(cumulative <= total / bins)
    high = np.flatnonzero(cumulative >= total - total / bins)
    tails = [
        side[np.linspace(0, len(side) - 1, min(len(side), TAIL_EDGES)).astype(int)]
        for side in (low, high)
    ]
    keep = np.unique(np.concatenate([[0], cuts, *tails, [len(edges) - 1]]))
    merged = np.diff(cumulative[keep])
    nonempty = np.concatenate([[True], merged > 0])  # drop an edge that closes an empty bin
    nonempty[-1] = True
    keep = keep[nonempty]
    return edges[keep], np.diff(cumulative[keep])


def _as_text(values: Any) -> Any:
    """Categories as text. A Parquet binary column reads as bytes, which pandas decodes as
    UTF-8 (and raises on anything else): bytes that are not UTF-8 keep their escapes."""
    try:
        return values.astype(str)
    except UnicodeDecodeError:
        return values.map(_bytes_text).astype(str)


def _bytes_text(value: Any) -> Any:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


class CategorySketch:
    """Counts of one text column's categories; the rarest are pooled when there are too many.
    Categories come in the order they first appear in the data, from every engine, and ties
    rank in that order: the categories kept do not depend on which engine counted them."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.pooled = 0

    def add(self, counts: tuple[Sequence[str], Sequence[int]]) -> None:
        """`counts`: each category and its count in one chunk, as they first appear there."""
        chunk = dict(zip(*counts, strict=True))
        if self.counts:
            # Counter.update, at C speed where the keys are new (an id column): the counts of
            # the keys seen before are added first, then dict.update keeps each key's place
            # and appends the new ones in order, as Counter.update would
            for key in self.counts.keys() & chunk.keys():
                chunk[key] += self.counts[key]
            dict.update(self.counts, chunk)
        else:
            self.counts = Counter(chunk)
        if len(self.counts) > MAX_TRACKED_CATEGORIES:
            kept = dict(_most_common(self.counts, MAX_TRACKED_CATEGORIES // 2))
            self.pooled += sum(self.counts.values()) - sum(kept.values())
            self.counts = Counter(kept)

    def finish(self) -> dict[str, Any]:
        top = _most_common(self.counts, TOP_CATEGORIES)
        kept = sum(count for _, count in top)
        return {
            "distinct": len(self.counts),
            "top": dict(top),
            "other": self.pooled + sum(self.counts.values()) - kept,
        }


def _most_common(counts: Counter[str], size: int) -> list[tuple[str, int]]:
    """Counter.most_common (the same order: by count, ties as first seen), by one stable sort:
    its heap takes seconds on a million categories that all count one, the sort one pass."""
    from operator import itemgetter

    return sorted(counts.items(), key=itemgetter(1), reverse=True)[:size]


@dataclass
class ColumnSketch:
    name: str
    kind: str
    sketch: NumericSketch | CategoryTally
    rows: int = 0
    nulls: int = 0


@dataclass
class Profiler:
    """Feeds chunks of a dataset into one sketch per column; `grids` (a reference's bin edges)
    bins a current dataset on the same grid as its reference."""

    grids: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, ColumnSketch] = field(default_factory=dict)
    rows: int = 0
    tally: Callable[[], CategoryTally] = CategorySketch  # the reader's engine keeps the counts

    def add(self, chunk: list[ColumnChunk], where: str) -> None:
        """One chunk of rows, its columns as any engine reads them (`pandas_chunk`,
        `mlgate.data.polars.column_chunks`)."""
        from concurrent.futures import ThreadPoolExecutor

        self.rows += chunk[0].rows if chunk else 0
        sketches = [self._sketch_for(column, where) for column in chunk]
        numeric = [
            (sketch, column.numbers)
            for sketch, column in zip(sketches, chunk, strict=True)
            if isinstance(sketch, NumericSketch) and column.numbers is not None
            and len(column.numbers)
        ]  # fmt: skip
        # numpy lets go of the GIL while it sorts: the numeric columns take every core, while
        # this thread counts the categories
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            sorting = [pool.submit(sketch.add, numbers) for sketch, numbers in numeric]
            for sketch, column in zip(sketches, chunk, strict=True):
                if not isinstance(sketch, NumericSketch):
                    sketch.add(column.categories)
            for task in sorting:
                task.result()
        names = {column.name for column in chunk}
        for name in self.columns:
            if name not in names:
                raise InputError(f"{where}: no column {name!r}, which an earlier file has")

    def _sketch_for(self, chunk: ColumnChunk, where: str) -> NumericSketch | CategoryTally:
        """The column's sketch, its counts of rows and nulls taken."""
        name, kind = chunk.name, chunk.kind
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = ColumnSketch(name, kind, self._sketch(name, kind))
        present = chunk.rows - chunk.nulls
        if kind != column.kind and present and column.rows == column.nulls:
            # only nulls so far (read as float): the first values decide the kind
            column.kind = kind
            column.sketch = self._sketch(name, kind)
        if kind != column.kind and present:
            raise InputError(
                f"{where}: column {name!r} holds {kind} values here but {column.kind} values "
                "in the rows before; give it one type"
            )
        column.rows += chunk.rows
        column.nulls += chunk.nulls
        return column.sketch

    def _sketch(self, name: str, kind: str) -> NumericSketch | CategoryTally:
        return NumericSketch(self.grids.get(name)) if kind == NUMERIC else self.tally()

    def finish(self, files: list[dict[str, Any]], *, merge: bool = True) -> dict[str, Any]:
        columns: dict[str, Any] = {}
        for name, column in self.columns.items():
            body = (
                column.sketch.finish(merge=merge)
                if isinstance(column.sketch, NumericSketch)
                else column.sketch.finish()
            )
            columns[name] = {
                "kind": column.kind,
                "rows": column.rows,
                "nulls": column.nulls,
                **body,
            }
        return {
            "mlgate_profile": PROFILE_FORMAT,
            "rows": self.rows,
            "files": files,
            "columns": columns,
        }


def pandas_chunk(frame: Any) -> list[ColumnChunk]:
    """A pandas chunk's columns as the sketches take them."""
    return [_pandas_column(str(name), frame[name]) for name in frame.columns]


def _pandas_column(name: str, series: Any) -> ColumnChunk:
    import pandas as pd

    present = series.dropna()
    nulls = len(series) - len(present)
    if _is_numeric(series):
        numbers = pd.to_numeric(present, errors="coerce").to_numpy(dtype="float64")
        return ColumnChunk(name, NUMERIC, len(series), nulls, numbers=numbers)
    counts = _as_text(present).value_counts(sort=False)
    # built from two lists: Series.to_dict boxes each pair, 4x slower on an id column
    categories = (counts.index.tolist(), counts.tolist())
    return ColumnChunk(name, CATEGORICAL, len(series), nulls, categories=categories)


def _is_numeric(series: Any) -> bool:
    import pandas as pd

    dtype = series.dtype
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def profile_paths(
    paths: Sequence[Path | str],
    *,
    data_format: str | None = None,
    grids: dict[str, Any] | None = None,
    merge: bool = True,
    chunk_rows: int = CHUNK_ROWS,
    engine: str = "pandas",
    spark: SparkConfig | None = None,
) -> dict[str, Any]:
    """The profile of the data in `paths` together (one dataset split over files), read by
    `engine` (auto | pandas | polars | spark; `spark` says where Spark runs). The Polars
    reader hands a file it could read otherwise back (NeedsPandasReader): the profile is then
    made again by the pandas reader, the reference."""
    from mlgate.results import distinct_inputs
    from mlgate.validate import Target, display_path
    from mlgate.validate import data_format as format_of

    if not paths:
        raise InputError("no data files to profile")
    engine = resolve(engine, expressible=True)
    if engine == "spark":
        return _spark_profile(paths, spark or SparkConfig(), grids, data_format)
    uris = [str(path) for path in paths if isinstance(path, str)]
    if uris:
        raise InputError(
            f"{redact(uris[0])}: a data lake URI, which only the spark engine reads (engine: spark)"
        )
    require_numeric_stack(engine)
    targets = []
    for path in distinct_inputs([Path(path) for path in paths]):
        display = display_path(path)
        if not path.is_file():
            raise InputError(f"{display}: no such file")
        targets.append(
            Target(path.resolve(), display, "", path.parent, format_of(path, data_format))
        )
    if engine == "polars":
        try:
            return _profile(targets, _polars_reader(chunk_rows), grids, merge, _polars_tally)
        except NeedsPandasReader:
            pass
    return _profile(targets, _pandas_reader(chunk_rows), grids, merge, CategorySketch)


def _spark_profile(
    paths: Sequence[Path | str],
    settings: SparkConfig,
    grids: dict[str, Any] | None,
    data_format: str | None,
) -> dict[str, Any]:
    """The profile Spark makes (`mlgate.data.spark.profile_source`): two jobs, whatever the
    size. Spark reads one dataset as one source: a file, or a folder of part files."""
    if len(paths) != 1:
        shown = ", ".join(redact(str(path)) for path in paths[:3])
        raise InputError(
            f"{shown}{', ...' if len(paths) > 3 else ''}: the spark engine profiles one file "
            "or one folder of part files; put the files in one folder and name it"
        )
    path = paths[0]
    source = (
        spark_source(path, Path.cwd(), data_format)
        if isinstance(path, str)
        else spark_source(path.name, path.parent, data_format)
    )
    shape = ProfileShape(
        BINS, TAIL_EDGES, MAX_EXACT_VALUES, TOP_CATEGORIES, PROFILE_FORMAT, MAX_TRACKED_CATEGORIES
    )
    spark = spark_session(settings.master, settings.conf)
    try:
        with spark_job_errors(source.display):
            return profile_with_spark(spark, source, shape, grids=grids)
    finally:
        spark.stop()


ChunkReader = Callable[[Any], Iterator[list[ColumnChunk]]]


def _pandas_reader(chunk_rows: int) -> ChunkReader:
    def chunks(target: Any) -> Iterator[list[ColumnChunk]]:
        from mlgate.validate import read_chunks

        for frame in read_chunks(target, chunk_rows):
            yield pandas_chunk(frame)

    return chunks


def _polars_reader(chunk_rows: int) -> ChunkReader:
    return lambda target: polars_column_chunks(target, chunk_rows)


def _polars_tally() -> CategoryTally:
    return PolarsCategoryCounts(MAX_TRACKED_CATEGORIES, TOP_CATEGORIES)


def _profile(
    targets: list[Any],
    chunks: ChunkReader,
    grids: dict[str, Any] | None,
    merge: bool,
    tally: Callable[[], CategoryTally],
) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    profiler = Profiler(grids=dict(grids or {}), tally=tally)
    rows = []
    # the digests are taken beside the reading (hashlib lets go of the GIL on large reads)
    with ThreadPoolExecutor(max_workers=1) as hasher:
        digests = [hasher.submit(sha256_of, target.path) for target in targets]
        for target in targets:
            before = profiler.rows
            for chunk in chunks(target):
                profiler.add(chunk, target.display)
            rows.append(profiler.rows - before)
        files = [
            {"path": target.display, "sha256": digest.result(), "rows": count}
            for target, digest, count in zip(targets, digests, rows, strict=True)
        ]
    return profiler.finish(files, merge=merge)


def write_profile(profile: dict[str, Any], target: Path) -> None:
    from mlgate.results import write_atomic

    write_atomic(target, json.dumps(profile, separators=(",", ":"), allow_nan=False) + "\n")


def is_profile(path: Path) -> bool:
    return path.name.lower().endswith(".json")


def read_profile(path: Path, where: str | None = None) -> dict[str, Any]:
    """A profile file, its shape checked (exit 2 naming the file and the field)."""
    place = where or str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(f"{place}: not a readable profile: {exc}") from exc
    return check_profile(data, place)


def check_profile(data: Any, where: str) -> dict[str, Any]:
    """A profile's shape and arithmetic (counts that add up), so every statistic computed from
    it is defined: a forged or damaged profile is exit 2 naming the file and the field."""
    if not isinstance(data, dict) or data.get("mlgate_profile") != PROFILE_FORMAT:
        raise InputError(f"{where}: not an mlgate profile (format {PROFILE_FORMAT})")
    if not _is_count(data.get("rows")):
        raise InputError(f"{where}: rows: expected a count")
    files = data.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
        raise InputError(f"{where}: files: expected a list of objects")
    columns = data.get("columns")
    if not isinstance(columns, dict):
        raise InputError(f"{where}: `columns` is not an object")
    for name, column in columns.items():
        _check_column(column, f"{where}: columns.{name}")
    return data


def _check_column(column: Any, where: str) -> None:
    if not isinstance(column, dict) or column.get("kind") not in (NUMERIC, CATEGORICAL):
        raise InputError(f"{where}: expected an object with kind numeric or categorical")
    for count in ("rows", "nulls"):
        if not _is_count(column.get(count)):
            raise InputError(f"{where}.{count}: expected a count")
    present = column["rows"] - column["nulls"]
    if present < 0:
        raise InputError(f"{where}.nulls: more nulls than rows")
    if column["kind"] == CATEGORICAL:
        _check_categorical(column, where, present)
    else:
        _check_numeric(column, where, present)


def _check_categorical(column: dict[str, Any], where: str, present: int) -> None:
    top = column.get("top")
    if not isinstance(top, dict) or not all(_is_count(v) for v in top.values()):
        raise InputError(f"{where}.top: expected category counts")
    if not _is_count(column.get("other")):
        raise InputError(f"{where}.other: expected a count")
    _require_total(sum(top.values()) + column["other"], present, f"{where}.top")
    if column.get("distinct") is not None and not _is_count(column["distinct"]):
        raise InputError(f"{where}.distinct: expected a count")


def _check_numeric(column: dict[str, Any], where: str, present: int) -> None:
    bins = column.get("bins")
    if not isinstance(bins, dict):
        raise InputError(f"{where}.bins: expected an object")
    edges, counts = bins.get("edges"), bins.get("counts")
    if not (isinstance(edges, list) and isinstance(counts, list)) or (
        edges and len(edges) != len(counts) + 1
    ):
        raise InputError(f"{where}.bins: expected edges and one count fewer")
    if present and len(edges) < 2:
        raise InputError(f"{where}.bins.edges: expected at least two edges for {present} values")
    if not _increasing(edges):
        raise InputError(f"{where}.bins.edges: expected increasing finite numbers")
    if not all(_is_count(c) for c in counts):
        raise InputError(f"{where}.bins.counts: expected counts")
    _require_total(sum(counts), present, f"{where}.bins.counts")
    values = column.get("values")
    if values is not None:
        if not (
            isinstance(values, list)
            and all(
                isinstance(v, list) and len(v) == 2 and _is_number(v[0]) and _is_count(v[1])
                for v in values
            )
            and _increasing([value for value, _ in values])
        ):
            raise InputError(f"{where}.values: expected [value, count] pairs in increasing order")
        _require_total(sum(count for _, count in values), present, f"{where}.values")
    for stat in ("mean", "std", "min", "max"):
        if (present or column.get(stat) is not None) and not _is_number(column.get(stat)):
            raise InputError(f"{where}.{stat}: expected a number")
    if present and (column["min"] > column["max"] or column["std"] < 0):
        raise InputError(f"{where}: expected min <= max and std >= 0")


def _require_total(total: int, present: int, where: str) -> None:
    if total != present:
        raise InputError(f"{where}: the counts add up to {total}, not the {present} non-null rows")


def _increasing(numbers: list[Any]) -> bool:
    return all(_is_number(n) for n in numbers) and all(
        b > a for a, b in itertools.pairwise(numbers)
    )


def _is_count(value: Any) -> bool:
    # A count past 2**53 is no longer exact as a float (numpy computes in floats); no real
    # file has that many rows.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):  # compared exactly: math.isfinite would overflow on a huge int
        return abs(value) <= sys.float_info.max
    return math.isfinite(value)
