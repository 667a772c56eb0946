"""`mlgate validate`: data files against Pandera schemas, every failure of every file at once.

The only modules that import pandas, pandera and pyarrow are those of `mlgate.validate`,
and only inside functions: a hook whose staged files match no configured glob finishes
without loading them.

Files are streamed in chunks of `chunk_rows` rows. Pandera checks each chunk lazily;
uniqueness is taken out of the per-chunk schema and checked across chunks (`unique`), a
text value a numeric column cannot hold is a dtype failure of its row (`parse`), and any
other check that needs every row at once is refused when a file spans more than one chunk.
Failures are counted per (column, check) over the whole file (`failures`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.config import Config, SparkConfig, is_import_path
from mlgate.core import yamlio
from mlgate.core.errors import ExitStatus, InputError
from mlgate.core.wording import counted
from mlgate.data import (
    Layout,
    NeedsPandasReader,
    Progress,
    TableSpec,
    Unexpressible,
    engine_named,
    first_line_number,
    read_chunks,
    resolve,
)
from mlgate.results import Clock, Result
from mlgate.validate.failures import Failures, collect_failure_cases
from mlgate.validate.parse import as_declared, collect_unparsed, parse_declared
from mlgate.validate.schema import ChunkPlan, chunk_plan, load_schema
from mlgate.validate.targets import (
    Plan,
    Target,
    display_path,
    plan_ad_hoc,
    plan_from_config,
)
from mlgate.validate.unique import check_unique, remember_rows

DEFAULT_MAX_EXAMPLES = 5
DEFAULT_CHUNK_ROWS = 1_000_000
SKIPPED_SHOWN = 20

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
    engine: str = "pandas"  # auto | pandas | polars | spark (mlgate.data.ENGINES)


def plan(request: ValidateRequest) -> Plan:
    if request.schema is not None:
        return plan_ad_hoc(request.schema, request.paths, request.data_format)
    if request.config is None:
        raise InputError("no mlgate.yaml; pass --config PATH, or --schema SCHEMA PATH...")
    # Spark reads a folder of part files as one dataset; the other engines read files
    return plan_from_config(request.config, request.paths, folders=request.engine == "spark")


def run_validate(request: ValidateRequest) -> Result:
    clock = Clock()
    chosen = plan(request)
    if request.engine == "spark":
        return _result(_validate_with_spark(chosen, request), chosen, request, clock)
    schemas: dict[tuple[str, Path], ChunkPlan] = {}
    plain: dict[tuple[str, Path], TableSpec] = {}  # schemas Polars takes without Pandera
    files = _unavailable(chosen)
    files += [_spark_only(target) for target in chosen.targets if target.uri]
    local = [target for target in chosen.targets if not target.uri]
    for target in local:
        key = (target.schema, target.schema_root)
        if key in schemas or key in plain:
            continue
        spec = _plain_spec(target, request.engine)
        if spec is not None:
            plain[key] = spec
        else:
            schemas[key] = chunk_plan(load_schema(target.schema, target.schema_root))
    for target in local:
        key = (target.schema, target.schema_root)
        try:
            try:
                spec = plain.get(key) or _engine_for(target, schemas[key], request.engine)
                if spec is None:
                    files.append(validate_file(target, schemas[key], request))
                else:
                    files.append(_validate_with(spec, target, request))
            except NeedsPandasReader:  # rows and lines part ways: the pandas reader maps them
                if key not in schemas:
                    schemas[key] = chunk_plan(load_schema(target.schema, target.schema_root))
                files.append(validate_file(target, schemas[key], request))
        except InputError as exc:
            files.append(_file_entry(target, status="error") | {"error": str(exc)})
    return _result(files, chosen, request, clock)


def _spark_only(target: Target) -> dict[str, Any]:
    error = f"{target.display}: a data lake URI, which only the spark engine reads (engine: spark)"
    return _file_entry(target, status="error") | {"error": error}


def _unavailable(chosen: Plan) -> list[dict[str, Any]]:
    return [
        {"path": u.path, "schema": u.schema, "format": None, "status": "error", "error": u.error}
        for u in chosen.unavailable
    ]


def _validate_with_spark(chosen: Plan, request: ValidateRequest) -> list[dict[str, Any]]:
    """Every target checked by Spark (`data/spark.py`), one session for the run: the same
    records as pandas, counted in one aggregation per file. Spark reads CSV and Parquet; a
    check it cannot evaluate is an input error naming it, never a check skipped."""
    from dataclasses import replace

    from mlgate.data import SPARK_FORMATS, spark_job_errors, spark_session, validate_with_spark

    files = _unavailable(chosen)
    if not chosen.targets:
        return files
    settings = request.config.spark if request.config is not None else SparkConfig()
    spark = spark_session(settings.master, settings.conf)
    schemas: dict[tuple[str, Path], Any] = {}
    try:
        for given in chosen.targets:
            key = (given.schema, given.schema_root)
            target = given
            try:
                if target.data_format and target.data_format not in SPARK_FORMATS:
                    raise InputError(
                        f"{target.display}: the spark engine reads {', '.join(SPARK_FORMATS)}, not "
                        f"{target.data_format}; use engine: pandas for this file"
                    )
                if key not in schemas:
                    schemas[key] = load_schema(target.schema, target.schema_root)
                source = _spark_source_of(given)
                target = replace(given, data_format=source.data_format)
                with spark_job_errors(source.display):
                    checked = validate_with_spark(
                        spark, source, schemas[key], max_examples=request.max_examples
                    )
            except InputError as exc:
                files.append(_file_entry(target, status="error") | {"error": str(exc)})
                continue
            fields = ("rows", "columns", "failing_rows", "failures", "engine")
            files.append(
                _file_entry(target, status=checked["status"]) | {k: checked[k] for k in fields}
            )
    finally:
        spark.stop()
    return files


def _spark_source_of(target: Target) -> Any:
    """Where Spark reads a target: its URI as it is, a file or a folder of part files by its
    path inside the repo."""
    from mlgate.data import spark_source

    if target.uri:
        return spark_source(target.uri, target.path, target.data_format or None)
    return spark_source(target.path.name, target.path.parent, target.data_format or None)


def _plain_spec(target: Target, choice: str) -> TableSpec | None:
    """The spec of a plain YAML schema when Polars will check it, read without Pandera."""
    from mlgate.validate.engines import plain_spec

    if choice not in ("auto", "polars") or resolve(choice, expressible=True) != "polars":
        return None
    return plain_spec(target.schema)


def _engine_for(target: Target, schema: ChunkPlan, choice: str) -> TableSpec | None:
    """The spec to check `target` with when an engine other than pandas takes it, else None.

    A check the chosen engine cannot express is an input error naming it; `auto` takes
    pandas then, whose Pandera checks every schema."""
    from mlgate.validate.engines import table_spec

    if choice == "pandas":
        return None
    where = _schema_label(target)
    try:
        spec = table_spec(schema, "polars" if choice == "auto" else choice, where)
    except Unexpressible:
        if choice == "auto":
            return None
        raise
    return spec if resolve(choice, expressible=True) != "pandas" else None


def _validate_with(spec: TableSpec, target: Target, request: ValidateRequest) -> dict[str, Any]:
    engine = engine_named(resolve(request.engine, expressible=True))
    checked = engine.check_table(target, spec, request.max_examples)
    entry = _file_entry(target, status="fail" if checked.failures else "pass")
    entry.update(
        rows=checked.rows,
        columns=checked.columns,
        chunks=1,
        failing_rows=checked.failing_rows,
        failures=[f.to_dict() for f in checked.failures],
        engine=engine.name,
    )
    return entry


def validate_file(target: Target, schema: ChunkPlan, request: ValidateRequest) -> dict[str, Any]:
    from pandera.errors import SchemaErrors

    failures: Failures = {}
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
            chunk, unparsed = parse_declared(raw, schema.dtypes)
            collect_unparsed(
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
            chunk = as_declared(chunk, schema.dtypes)
        if chunks == 2 and schema.row_spanning:
            raise InputError(
                f"{target.display}: has more than {request.chunk_rows} rows, and "
                f"{'; '.join(schema.row_spanning)} needs every row at once, which mlgate "
                "does not check chunk by chunk; raise --chunk-rows above the file's row count"
            )
        rows += len(raw)
        columns = [str(c) for c in chunk.columns]
        for unique, store in zip(schema.unique, hashes, strict=True):
            remember_rows(store, chunk, unique, raw.index)
        try:
            schema.per_chunk.validate(chunk, lazy=True, inplace=True)
        except SchemaErrors as exc:
            _refuse_crashed_checks(target, exc)
            cases = exc.failure_cases
            bad_rows.append(cases["index"].dropna().to_numpy(dtype="int64"))
            collect_failure_cases(cases, chunk, failures, request.max_examples, line_offset)
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
            check_unique(
                target,
                unique,
                store=store,
                chunk=only,
                failures=failures,
                max_examples=request.max_examples,
                chunk_rows=request.chunk_rows,
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
            exit_code=ExitStatus.INPUT,
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
    """`mlgate schema infer`: a Pandera YAML schema inferred from the first rows of `data`,
    its bounds, categories, nullability and dtypes widened to every row (one chunked pass)."""
    import warnings
    from itertools import chain

    from pandas.errors import DtypeWarning

    from mlgate.validate.infer import widen
    from mlgate.validate.schema import import_pandera, infer_schema_yaml
    from mlgate.validate.targets import data_format as format_of
    from mlgate.validate.targets import require_present

    import_pandera()
    path = data.resolve()
    if not path.is_file():
        require_present(path, data)
    target = Target(path, display_path(path), "", path.parent, format_of(path, data_format))
    with warnings.catch_warnings():
        # A column of numbers and text reads as text (pandas warns of the mix); that is what
        # the schema then says of it.
        warnings.simplefilter("ignore", DtypeWarning)
        chunks = read_chunks(target, max(sample_rows, DEFAULT_CHUNK_ROWS))
        first = next(chunks)
        sample = first.head(sample_rows)
        return infer_schema_yaml(
            target.display, sample, lambda columns: widen(columns, chain([first], chunks))
        )
