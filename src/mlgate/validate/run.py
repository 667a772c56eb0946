"""`mlgate validate`: data files against Pandera schemas, every failure of every file at once.

The only modules that import pandas, pandera and pyarrow are those of `mlgate.validate`,
and only inside functions: a hook whose staged files match no configured glob finishes
without loading them.

Files are streamed in chunks of `chunk_rows` rows. Pandera checks each chunk lazily;
uniqueness is taken out of the per-chunk schema and checked here across chunks (64-bit
hashes of the values, one array for the whole file), and any other check that needs every
row at once is refused when a file spans more than one chunk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate import yamlio
from mlgate.config import Config
from mlgate.errors import InputError
from mlgate.results import Clock, Result
from mlgate.validate.read import Layout, Progress, first_line_number, read_chunks
from mlgate.validate.schema import ChunkPlan, UniqueSet, chunk_plan, load_schema
from mlgate.validate.targets import (
    Plan,
    Target,
    display_path,
    is_import_path,
    plan_ad_hoc,
    plan_from_config,
)
from mlgate.wording import counted

DEFAULT_MAX_EXAMPLES = 5
DEFAULT_CHUNK_ROWS = 1_000_000
SKIPPED_SHOWN = 20
# Pandera's names for failures that are about a column, not a row.
COLUMN_NAME_CHECKS = ("column_in_dataframe", "column_in_schema")

# progress(file display name, done, total)
FileProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ValidateRequest:
    config: Config | None
    paths: tuple[Path, ...] = ()
    schema: str | None = None  # ad hoc: every path against this schema
    data_format: str | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    progress: FileProgress | None = None


@dataclass
class _Failure:
    column: str | None
    check: str
    rows: int | None = 0  # failing rows; None for a failure that is not about rows
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "check": self.check,
            "rows": self.rows,
            "examples": self.examples,
        }


def plan(request: ValidateRequest) -> Plan:
    if request.schema is not None:
        return plan_ad_hoc(request.schema, request.paths, request.data_format)
    if request.config is None:
        raise InputError("no mlgate.yaml; pass --config PATH, or --schema SCHEMA PATH...")
    return plan_from_config(request.config, request.paths)


def run_validate(request: ValidateRequest) -> Result:
    clock = Clock()
    chosen = plan(request)
    schemas: dict[tuple[str, Path], ChunkPlan] = {}
    for target in chosen.targets:
        key = (target.schema, target.schema_root)
        if key not in schemas:
            schemas[key] = chunk_plan(load_schema(target.schema, target.schema_root))
    files = [
        {"path": u.path, "schema": u.schema, "format": None, "status": "error", "error": u.error}
        for u in chosen.unavailable
    ]
    for target in chosen.targets:
        chunks = schemas[(target.schema, target.schema_root)]
        try:
            files.append(validate_file(target, chunks, request))
        except InputError as exc:
            files.append(_file_entry(target, status="error") | {"error": str(exc)})
    return _result(files, chosen, request, clock)


def validate_file(target: Target, schema: ChunkPlan, request: ValidateRequest) -> dict[str, Any]:
    from pandera.errors import SchemaErrors

    failures: dict[tuple[Any, ...], _Failure] = {}
    bad_rows: list[Any] = []  # arrays of failing row numbers, for the count of distinct rows
    # per unique set: the first chunk's values, then (from the second chunk) one hash per row
    hashes: list[list[Any]] = [[] for _ in schema.unique]
    dropped: list[Any] = []  # row numbers with a value the column's dtype cannot hold
    line_offset = first_line_number(target)
    layout = Layout()
    rows = chunks = 0
    columns: list[str] = []
    last = None
    for raw in read_chunks(
        target,
        request.chunk_rows,
        read_dtypes=schema.read_dtypes,
        text_columns=schema.text_columns,
        progress=_progress(target, request),
        layout=layout,
    ):
        chunks += 1
        chunk = raw
        if target.data_format != "parquet":
            chunk, unparsed = _parse_declared(raw, schema.dtypes)
            _collect_unparsed(
                unparsed,
                raw,
                failures,
                max_examples=request.max_examples,
                line_offset=line_offset,
                dtypes=schema.dtypes,
            )
            bad_rows.extend(unparsed.values())
            if len(chunk) < len(raw):
                dropped.append(raw.index.difference(chunk.index).to_numpy(dtype="int64"))
            chunk = _as_declared(chunk, schema.dtypes)
        if chunks == 2 and schema.row_spanning:
            raise InputError(
                f"{target.display}: has more than {request.chunk_rows} rows, and "
                f"{'; '.join(schema.row_spanning)} needs every row at once, which mlgate "
                "does not check chunk by chunk; raise --chunk-rows above the file's row count"
            )
        rows += len(raw)
        columns = [str(c) for c in chunk.columns]
        for unique, store in zip(schema.unique, hashes, strict=True):
            _remember_rows(store, chunk, unique, raw.index)
        try:
            schema.per_chunk.validate(chunk, lazy=True, inplace=True)
        except SchemaErrors as exc:
            _refuse_crashed_checks(target, exc)
            cases = exc.failure_cases
            bad_rows.append(cases["index"].dropna().to_numpy(dtype="int64"))
            _collect(cases, chunk, failures, request.max_examples, line_offset)
        # Pandera lets what a check raises outside its net through; sys.exit(0) is no pass.
        except (Exception, SystemExit) as exc:
            raise InputError(
                f"{target.display}: validating against {_schema_label(target)} did not finish: "
                f"{_raised(exc)}"
            ) from exc
        last = chunk
    for unique, store in zip(schema.unique, hashes, strict=True):
        only = last if chunks == 1 else None
        bad_rows.append(
            _check_unique(
                target,
                unique,
                store=store,
                chunk=only,
                failures=failures,
                request=request,
                line_offset=line_offset,
                dropped=_concatenated(dropped),
            )
        )
    if layout.lines is not None:  # records that span lines: `row + 2` is not the line
        for failure in failures.values():
            for example in failure.examples:
                if "row" in example:
                    example["line"] = layout.lines.line(example["row"])
    entry = _file_entry(target, status="fail" if failures else "pass")
    entry.update(
        rows=rows,
        columns=len(columns),
        chunks=chunks,
        failing_rows=_distinct(bad_rows),
        failures=[f.to_dict() for f in failures.values()],
    )
    return entry


def _refuse_crashed_checks(target: Target, errors: Any) -> None:
    """A check that raised checked nothing. Where the data already failed (a wrong dtype
    makes a text check raise) the failure stands; anywhere else the check itself is broken,
    which is the schema's fault, not the data's: an input error, not a blocked change."""
    from pandera.errors import SchemaErrorReason

    crashed = SchemaErrorReason.CHECK_ERROR
    failed = [e for e in errors.schema_errors if e.reason_code != crashed]
    for error in errors.schema_errors:
        check = getattr(error, "check", None)
        if error.reason_code != crashed or check is None:
            continue
        if check.is_builtin_check(str(getattr(check, "name", None) or "")):
            continue  # a built-in check raises on a value of the wrong type: the data's fault
        frame_wide = hasattr(error.schema, "columns")
        where_it_ran = failed if frame_wide else [e for e in failed if e.schema is error.schema]
        if where_it_ran:
            continue
        name = yamlio.excerpt(str(getattr(check, "name", None) or check))
        column = yamlio.excerpt(str(getattr(error.schema, "name", None)))
        where = "the dataframe" if frame_wide else f"column {column}"
        raised = yamlio.excerpt_text(str(error.failure_cases))
        raise InputError(
            f"{target.display}: the check {name} on {where} raised {raised} instead of "
            f"checking; fix the check in {_schema_label(target)} (it must return booleans)"
        )


def _schema_label(target: Target) -> str:
    return target.schema if is_import_path(target.schema) else display_path(Path(target.schema))


def _raised(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"a check called sys.exit({exc.code!r})"
    return f"{type(exc).__name__}: {exc}"


def _parse_declared(chunk: Any, dtypes: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
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
        numbers = pd.to_numeric(column, errors="coerce")
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


def _is_numeric(dtype: Any) -> bool:
    import numpy as np

    try:
        return np.dtype(dtype).kind in "iuf"
    except TypeError:
        return False


def _collect_unparsed(
    unparsed: dict[str, Any],
    raw: Any,
    failures: dict[tuple[Any, ...], _Failure],
    *,
    max_examples: int,
    line_offset: int | None,
    dtypes: dict[str, Any],
) -> None:
    """Values a column's dtype cannot hold, as failures of Pandera's dtype check."""
    import numpy as np

    for name, rows in unparsed.items():
        check = f"dtype('{np.dtype(dtypes[name])}')"
        failure = failures.setdefault((name, check), _Failure(name, check))
        failure.rows = (failure.rows or 0) + len(rows)
        room = max_examples - len(failure.examples)
        for row in rows[: max(room, 0)]:
            value = _plain(raw.at[row, name])
            failure.examples.append(_example(int(row), value, line_offset))


def _as_declared(chunk: Any, dtypes: dict[str, Any]) -> Any:
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


def _progress(target: Target, request: ValidateRequest) -> Progress | None:
    report = request.progress
    if report is None:
        return None
    return lambda done, total: report(target.display, done, total)


def _file_entry(target: Target, *, status: str) -> dict[str, Any]:
    return {
        "path": target.display,
        "schema": _schema_label(target),
        "format": target.data_format,
        "status": status,
    }


def _collect(
    cases: Any,
    chunk: Any,
    failures: dict[tuple[Any, ...], _Failure],
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
        failure = failures.setdefault((column_name, check), _Failure(column_name, check))
        indices = pd.unique(group["index"].to_numpy())
        if failure.rows is None:
            failure.rows = 0
        failure.rows += len(indices)
        room = max_examples - len(failure.examples)
        for row in sorted(int(i) for i in indices)[: max(room, 0)] if room > 0 else []:
            if column_name is None:
                value: Any = {str(k): _plain(v) for k, v in chunk.loc[row].items()}
            elif column_name in chunk.columns:
                value = _plain(chunk.at[row, column_name])  # as read, not as Pandera upcast it
            else:
                value = _plain(group.loc[group["index"] == row, "failure_case"].iloc[0])
            failure.examples.append(_example(row, value, line_offset))


def _collect_whole_column(
    cases: Any, failures: dict[tuple[Any, ...], _Failure], max_examples: int
) -> None:
    """Failures not about rows (a missing column, a dtype, a check that could not run)."""
    for record in cases.to_dict("records"):
        check = str(record["check"])
        value = _plain(record["failure_case"])
        column = str(value) if check in COLUMN_NAME_CHECKS else _column(record)
        failure = failures.setdefault((column, check), _Failure(column, check, rows=None))
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


def _example(row: int, value: Any, line_offset: int | None) -> dict[str, Any]:
    example: dict[str, Any] = {"row": row}
    if line_offset is not None:
        example["line"] = row + line_offset
    example["value"] = value
    return example


def _plain(value: Any) -> Any:
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


def _remember_rows(store: list[Any], chunk: Any, unique: UniqueSet, rows: Any) -> None:
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
    `_check_unique` leaves them out by number."""
    import pandas as pd

    hashes = pd.util.hash_pandas_object(chunk, index=False)
    if len(chunk) == len(rows):
        return hashes.to_numpy()
    return hashes.reindex(rows, fill_value=0).to_numpy(dtype="uint64")


def _check_unique(
    target: Target,
    unique: UniqueSet,
    *,
    store: list[Any],
    chunk: Any,
    failures: dict[tuple[Any, ...], _Failure],
    request: ValidateRequest,
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
    failure = failures.setdefault((column, unique.check), _Failure(column, unique.check))
    failure.rows = len(rows)
    shown = [int(r) for r in rows[: request.max_examples]]
    values = _values_at(target, unique.columns, shown, chunk, request.chunk_rows)
    for row in shown:
        failure.examples.append(_example(row, values.get(row), line_offset))
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
            values = [_plain(frame.at[row, c]) for c in columns]
            found[row] = values[0] if len(values) == 1 else dict(zip(columns, values, strict=True))
        if len(found) == len(wanted):
            break
    return found


def _concatenated(arrays: list[Any]) -> Any:
    import numpy as np

    return np.concatenate(arrays) if arrays else np.zeros(0, dtype="int64")


def _distinct(arrays: list[Any]) -> int:
    import numpy as np

    arrays = [a for a in arrays if len(a)]
    return len(np.unique(np.concatenate(arrays))) if arrays else 0


def _result(
    files: list[dict[str, Any]], chosen: Plan, request: ValidateRequest, clock: Clock
) -> Result:
    errors = [f for f in files if f["status"] == "error"]
    failed = [f for f in files if f["status"] == "fail"]
    details: dict[str, Any] = {
        "files": files,
        "skipped": len(chosen.skipped),
        "skipped_paths": list(chosen.skipped[:SKIPPED_SHOWN]),
        "max_examples": request.max_examples,
        "chunk_rows": request.chunk_rows,
    }
    rows = sum(f.get("rows", 0) for f in files)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return Result(
            command="validate",
            status="error",
            summary=f"{errors[0]['error']}{more}",
            started_at=clock.started_at,
            duration_s=clock.elapsed(),
            details=details,
            exit_code=2,
        )
    if failed:
        names = ", ".join(
            f"{f['path']} ({counted(len(f['failures']), 'check')}, "
            f"{counted(f['failing_rows'], 'failing row')})"
            for f in failed
        )
        summary = f"{len(failed)} of {len(files)} data files failed validation: {names}"
        summary += _no_rows(files)
    elif files:
        summary = f"{len(files)} data file{'s' if len(files) != 1 else ''} valid ({rows:,} rows)"
        summary += _no_rows(files)
    else:
        summary = (
            f"no configured data among the {len(chosen.skipped)} paths given; nothing to validate"
        )
    return Result(
        command="validate",
        status="fail" if failed else "pass",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
    )


def _no_rows(files: list[dict[str, Any]]) -> str:
    """A file with a header and no rows passes every row check: say so, it is rarely meant."""
    empty = [f["path"] for f in files if f.get("rows") == 0]
    if not empty:
        return ""
    shown = ", ".join(empty[:SKIPPED_SHOWN]) + (", ..." if len(empty) > SKIPPED_SHOWN else "")
    has = "has" if len(empty) == 1 else "have"
    return f"; {counted(len(empty), 'file')} {has} no rows: {shown}"


def infer_schema(data: Path, data_format: str | None, sample_rows: int) -> str:
    """`mlgate schema infer`: a Pandera YAML schema inferred from the first rows of `data`."""
    from mlgate.validate.schema import import_pandera, infer_schema_yaml
    from mlgate.validate.targets import data_format as format_of
    from mlgate.validate.targets import require_present

    import_pandera()
    path = data.resolve()
    if not path.is_file():
        require_present(path, data)
    target = Target(path, display_path(path), "", path.parent, format_of(path, data_format))
    chunks = read_chunks(target, sample_rows)
    frame = next(chunks)
    complete = next(chunks, None) is None
    return infer_schema_yaml(target.display, frame, len(frame), complete=complete)
