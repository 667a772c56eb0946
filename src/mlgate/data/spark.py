"""The Spark engine: read what Spark reads, validate a parsed Pandera schema and profile a dataset
with Spark column expressions, giving the same records as the pandas path.

pandera's PySpark backend is not used: it imports `pyspark.pandas`, which fails with pandas 3,
and it says which checks failed, not how many rows. Here every check of a schema is a boolean
column; one aggregation (grouped by file and Spark partition, a few rows per partition) counts
every check's failing rows and gives the offsets that turn Spark's row ids into row numbers;
examples come from a bounded `orderBy(...).limit(n)` per failing check, never a full collect.

The schema is taken as Pandera builds it (columns with dtype, nullable, unique and checks with
their name and statistics) without importing pandera: `mlgate.validate` owns pandera and hands
its parsed schema over. pyspark is imported inside functions only.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.core import yamlio
from mlgate.core.errors import ExternalError, InputError, MissingExtra, MlgateError
from mlgate.core.outbound import redact
from mlgate.core.paths import repo_relative

ENGINE = "spark"
# Not files in the repo: passed to Spark as they are, never confined. Credentials for them come
# from Spark's own configuration (spark.hadoop.fs.s3a.*, ...), never from the URI.
REMOTE_PREFIXES = ("s3a://", "abfss://", "gs://", "hdfs://", "dbfs:/")
FORMATS = ("csv", "parquet")
# Pandera's names for the failures that are not a check's
NOT_NULLABLE = "not_nullable"
FIELD_UNIQUENESS = "field_uniqueness"
FIELDS_UNIQUENESS = "multiple_fields_uniqueness"
MISSING_COLUMN = "column_in_dataframe"
EXTRA_COLUMN = "column_in_schema"
# monotonically_increasing_id(): partition id in the upper 31 bits, position in the lower 33
POSITION_BITS = 33
CSV_HEADER_LINES = 1
# percentile_approx's accuracy: relative error of a quantile's rank is 1/accuracy
QUANTILE_ACCURACY = 10_000
# approx_count_distinct's relative error. Its HyperLogLog++ state is a column of the aggregation
# buffer per 10 registers: at 1% (16,384 registers) 14 numeric columns ran a 512 MiB executor
# out of heap before reading a row; at 5% (1,024) they take a sixteenth. The estimate only
# sorts columns into few values (<= 2 x 200, counted exactly after) and many.
DISTINCT_RSD = 0.05


@dataclass(frozen=True)
class SparkSource:
    """A dataset Spark reads: a local file or folder of part files, or a URI."""

    location: str  # what Spark is given
    display: str  # what mlgate prints: repo-relative, or the URI without its userinfo
    data_format: str  # csv | parquet
    local: Path | None = None


def require_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as exc:
        raise MissingExtra("pyspark", ENGINE) from exc
    return pyspark.sql


MASTER_ENVS = ("SPARK_REMOTE", "MLGATE_SPARK_MASTER")  # the job's environment knows the cluster


def session(master: str, conf: tuple[tuple[str, str], ...] = ()) -> Any:
    """A SparkSession on `master` (SPARK_REMOTE or MLGATE_SPARK_MASTER win): Spark Connect for
    `sc://...`, else a classic session (`local[*]`, yarn, k8s://...). Spark that cannot start
    (no Java, a cluster that does not answer) is no verdict (exit 3)."""
    import os

    sql = require_pyspark()
    where = next((os.environ[name] for name in MASTER_ENVS if os.environ.get(name)), master)
    if where.startswith("sc://"):
        _require_answering(where)
    builder = sql.SparkSession.builder.appName("mlgate")
    builder = builder.remote(where) if where.startswith("sc://") else builder.master(where)
    for name, value in (("spark.ui.showConsoleProgress", _progress_shown()), *conf):
        builder = builder.config(name, value)
    try:
        started = builder.getOrCreate()
    except Exception as exc:  # Py4J, a JVM that does not start, a Connect server not there
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ExternalError(redact(f"Spark did not start on {where}: {first_line}")) from exc
    if not where.startswith("sc://"):
        started.sparkContext.setLogLevel("ERROR")
    return started


def _progress_shown() -> str:
    """Spark's own stage progress bar (`[Stage 2:====>   (3 + 2) / 8]`), on stderr as
    validate's bar is: only on a terminal, never into a CI log."""
    import sys

    return "true" if sys.stderr.isatty() else "false"


CONNECT_PORT = 15002  # Spark Connect's default
CONNECT_PROBE_S = 10.0


def _require_answering(url: str) -> None:
    """A Spark Connect server that takes connections: its client retries a closed port for
    minutes before it says anything, so a gate would hang where it should say no verdict."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit("http://" + url.removeprefix("sc://").split(";", 1)[0])
        host, port = parts.hostname or "", parts.port or CONNECT_PORT
    except ValueError as exc:
        raise InputError(redact(f"Spark Connect URL {url}: {exc}")) from exc
    try:
        with socket.create_connection((host, port), timeout=CONNECT_PROBE_S):
            pass
    except OSError as exc:
        raise ExternalError(
            redact(f"Spark did not start on {url}: no Spark Connect server answers ({exc})")
        ) from exc


def is_remote(source: str) -> bool:
    return source.lower().startswith(REMOTE_PREFIXES)


def resolve_source(source: str, root: Path, data_format: str | None = None) -> SparkSource:
    """Where Spark reads `source`: a URI as it is, a local path only inside `root`."""
    if data_format is not None and data_format not in FORMATS:
        raise InputError(
            f"format {yamlio.excerpt(data_format)}: the spark engine reads csv, parquet"
        )
    if is_remote(source):
        display = redact(source)
        return SparkSource(source, display, data_format or _format_of(source, display))
    root = root.resolve()
    path = (root / source).resolve()
    display = repo_relative(path, root)
    if not path.is_relative_to(root):
        raise InputError(
            f"{yamlio.excerpt(source)}: data path resolves outside {root}; data must stay inside "
            "the folder that holds the config (a remote URI such as s3a:// is read as it is)"
        )
    if not path.exists():
        raise InputError(f"{display}: no such file or folder")
    if data_format is None:
        data_format = (
            _folder_format(path, display) if path.is_dir() else _format_of(path.name, display)
        )
    return SparkSource(str(path), display, data_format, path)


def _format_of(name: str, display: str) -> str:
    suffix = name.rstrip("/").rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("csv", "parquet"):
        return suffix
    if suffix == "pq":
        return "parquet"
    raise InputError(f"{display}: cannot tell the format; name it (csv or parquet)")


def _folder_format(path: Path, display: str) -> str:
    """The format of a folder of part files, from the parts' names (Spark's _SUCCESS and
    hidden files aside)."""
    kinds = {
        _format_of(part.name, display)
        for part in path.rglob("*")
        if part.is_file() and not part.name.startswith(("_", "."))
    }
    if len(kinds) != 1:
        found = ", ".join(sorted(kinds)) or "no data files"
        raise InputError(f"{display}: a folder of part files needs one format; found {found}")
    return kinds.pop()


def read(spark: Any, source: SparkSource, *, infer_types: bool) -> Any:
    """The dataset as a Spark DataFrame. CSV is read as text when `infer_types` is off, so a
    value a declared numeric column cannot hold is a failure of its row, as on pandas."""
    reader = spark.read
    try:
        if source.data_format == "csv":
            reader = reader.option("header", "true").option("inferSchema", str(infer_types).lower())
            frame = reader.csv(source.location)
        else:
            frame = reader.parquet(source.location)
        frame.schema  # noqa: B018 - resolving the schema is where a missing path or a bad file raises
    except Exception as exc:  # AnalysisException, Py4J or Spark Connect errors
        raise _read_error(source, exc) from exc
    return frame


def _read_error(source: SparkSource, exc: Exception) -> Exception:
    reason = redact(yamlio.excerpt_text(_first_cause(exc)))
    if source.local is None:  # a store that did not answer is no verdict, not the user's input
        return ExternalError(f"{source.display}: Spark cannot read it: {reason}")
    return InputError(f"{source.display}: Spark cannot read it: {reason}")


@contextlib.contextmanager
def job_errors(display: str) -> Iterator[None]:
    """A Spark job that runs out of memory is no verdict (exit 3) that says what to raise,
    not an internal error: the JVM's heap is spark.driver.memory (local) or
    spark.executor.memory, whatever the size of the data."""
    try:
        yield
    except MlgateError:
        raise
    except Exception as exc:
        if "OutOfMemoryError" not in str(exc):
            raise
        raise ExternalError(
            f"{redact(display)}: Spark ran out of memory; give it more in `spark.conf` "
            "(spark.driver.memory on local[*], spark.executor.memory on a cluster)"
        ) from exc


def _first_cause(exc: Exception) -> str:
    """What went wrong, in one line: for a Java error its innermost message (`Class
    org.apache.hadoop.fs.s3a.S3AFileSystem not found`), not Py4J's "An error occurred while
    calling o28.parquet"."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            return str(java.toString()).splitlines()[0].rsplit("Exception: ", 1)[-1]
        except Exception:  # the JVM gone: Py4J's own line below
            pass
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# --- validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Flag:
    """One (column, check): the boolean column that is true on a failing row."""

    column: str | None
    check: str
    expression: Any
    example: Any  # the column that shows a failing row's value


@dataclass
class _Plan:
    flags: list[_Flag]
    whole: list[dict[str, Any]]  # failures not about rows: missing columns, dtypes
    # failures not about rows that hold when any row meets a condition (counted with the rest)
    whole_if: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)


def validate_source(
    spark: Any, source: SparkSource, schema: Any, *, max_examples: int
) -> dict[str, Any]:
    """The file entry `mlgate validate` records: rows, columns, failing rows and per
    (column, check) the failing count and the first examples with their row (and CSV line)."""
    from pyspark.sql import functions as F

    frame = read(spark, source, infer_types=False)
    columns = list(frame.columns)
    frame = frame.select(
        "*",
        F.col("_metadata.file_path").alias("_mlgate_file"),
        F.monotonically_increasing_id().alias("_mlgate_id"),
    )
    typed, plan = _plan(frame, schema, source.data_format == "csv")
    flags = plan.flags
    typed = typed.withColumn("_mlgate_fails", _any([f.expression for f in flags]).cast("int"))
    part = F.shiftright("_mlgate_id", POSITION_BITS)
    per_part = (
        typed.groupBy(F.col("_mlgate_file"), part.alias("_mlgate_part"))
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.min("_mlgate_id").alias("first"),
            F.sum("_mlgate_fails").alias("failing"),
            *[F.sum(f.expression.cast("int")).alias(f"f{i}") for i, f in enumerate(flags)],
            *[F.max(c.cast("int")).alias(f"w{i}") for i, (c, _) in enumerate(plan.whole_if)],
        )
        .collect()
    )
    offsets = _offsets(per_part)
    rows = sum(int(r["rows"]) for r in per_part)
    failures = list(plan.whole)
    failures += [
        whole for i, (_, whole) in enumerate(plan.whole_if) if any(r[f"w{i}"] for r in per_part)
    ]
    counts = {i: sum(int(r[f"f{i}"] or 0) for r in per_part) for i in range(len(flags))}
    failing = [i for i, count in counts.items() if count]
    examples = _examples(typed, flags, failing, max_examples) if failing else {}
    for i in failing:
        shown = [_example(record, offsets, source) for record in examples.get(i, [])]
        failures.append(
            {
                "column": flags[i].column,
                "check": flags[i].check,
                "rows": counts[i],
                "examples": shown,
            }
        )
    return {
        "path": source.display,
        "format": source.data_format,
        "engine": ENGINE,
        "status": "fail" if failures else "pass",
        "rows": rows,
        "columns": len(columns),
        "failing_rows": sum(int(r["failing"] or 0) for r in per_part),
        "failures": failures,
    }


def _any(flags: list[Any]) -> Any:
    """True where any flag is (a null flag counts as false)."""
    from pyspark.sql import functions as F

    found = F.lit(False)
    for flag in flags:
        found = found | F.coalesce(flag, F.lit(False))
    return found


def _offsets(per_part: list[Any]) -> dict[tuple[str, int], tuple[int, int]]:
    """(file, partition) -> (the row number of its first row, its first row id). A file's
    splits land in partitions in the order of their offsets; files follow in name order."""
    offsets: dict[tuple[str, int], tuple[int, int]] = {}
    done = 0
    for record in sorted(per_part, key=lambda r: (r["_mlgate_file"], r["_mlgate_part"])):
        offsets[(record["_mlgate_file"], record["_mlgate_part"])] = (done, int(record["first"]))
        done += int(record["rows"])
    return offsets


def _examples(
    frame: Any, flags: list[_Flag], failing: list[int], max_examples: int
) -> dict[int, list[Any]]:
    """The first failing rows of every failing check, in one job: the failing rows, one entry
    per (row, check) it fails, numbered per check in row order on the executors; only
    `max_examples` per check reach the driver. A value travels as JSON, since the checks'
    columns differ in type."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if max_examples <= 0:
        return {}
    entries = [
        F.when(
            F.coalesce(flags[i].expression, F.lit(False)),
            F.struct(
                F.lit(i).alias("check"),
                F.to_json(F.struct(flags[i].example.alias("v"))).alias("json"),
            ),
        )
        for i in failing
    ]
    per_check = Window.partitionBy("check").orderBy("_mlgate_file", "_mlgate_id")
    picked = (
        frame.where(F.col("_mlgate_fails") == 1)
        .select(
            "_mlgate_file",
            "_mlgate_id",
            F.explode(F.filter(F.array(*entries), lambda e: e.isNotNull())).alias("e"),
        )
        .select("_mlgate_file", "_mlgate_id", "e.check", "e.json")
        .withColumn("_mlgate_n", F.row_number().over(per_check))
        .where(F.col("_mlgate_n") <= max_examples)
        .collect()
    )
    found: dict[int, list[Any]] = {}
    for record in sorted(picked, key=lambda r: (r["_mlgate_file"], r["_mlgate_id"])):
        found.setdefault(int(record["check"]), []).append(record)
    return found


def _example(
    record: Any, offsets: dict[tuple[str, int], tuple[int, int]], source: SparkSource
) -> dict[str, Any]:
    part = int(record["_mlgate_id"]) >> POSITION_BITS
    first_row, first_id = offsets[(record["_mlgate_file"], part)]
    row = first_row + int(record["_mlgate_id"]) - first_id
    example: dict[str, Any] = {"row": row}
    if source.data_format == "csv":
        example["line"] = row + 1 + CSV_HEADER_LINES
    example["value"] = _plain(json.loads(record["json"]).get("v"))
    return example


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _plan(frame: Any, schema: Any, text: bool) -> tuple[Any, _Plan]:
    """The frame with each declared column typed, and the flags of every check."""
    from pyspark.sql import functions as F

    _refuse_frame_checks(schema)
    plan = _Plan([], [])
    parsed, unparsed = _parse_columns(frame, schema, text, plan)
    if getattr(schema, "strict", False) is True:
        declared = {str(n) for n in schema.columns}
        plan.whole.extend(
            _whole(extra, EXTRA_COLUMN, extra) for extra in frame.columns if extra not in declared
        )
    # A row with a value that does not parse is left out of every other check, as on pandas.
    clean = ~_any(unparsed) if unparsed else None
    typed = frame.select(
        "*", *[value.alias(f"_mlgate_v{i}") for i, value in enumerate(parsed.values())]
    )
    values = {name: F.col(f"_mlgate_v{i}") for i, name in enumerate(parsed)}
    for key, column in schema.columns.items():
        if str(key) in values:
            typed = _column_flags(
                typed, str(key), column, values[str(key)], clean=clean, text=text, plan=plan
            )
    typed = _frame_unique(typed, schema, values, clean, plan)
    return typed, plan


def _parse_columns(
    frame: Any, schema: Any, text: bool, plan: _Plan
) -> tuple[dict[str, Any], list[Any]]:
    """Each present column typed as declared, and the flags of values that do not parse."""
    from pyspark.sql import functions as F

    parsed: dict[str, Any] = {}
    unparsed: list[Any] = []
    for key, column in schema.columns.items():
        name = str(key)
        if getattr(column, "regex", False):
            raise _unsupported(f"column {yamlio.excerpt(name)}", "regex column names")
        if name not in frame.columns:
            if getattr(column, "required", True):
                plan.whole.append(_whole(name, MISSING_COLUMN, name))
            continue
        declared = _declared(column)
        raw = F.col(f"`{name}`")
        spark_type = frame.schema[name].dataType
        value, bad = _typed(raw, declared, text)
        if bad is not None:
            # an empty cell in an integer column is a dtype failure of its row on pandas
            # (it reads as NaN, which int64 cannot hold); the row still takes the other checks
            empty = raw.isNull() if str(declared).startswith(("int", "uint")) else F.lit(False)
            plan.flags.append(_Flag(name, f"dtype('{declared}')", bad | empty, raw))
            unparsed.append(bad)
        elif declared is not None and not text and not _spark_type_fits(declared, spark_type):
            plan.whole.append(_whole(name, f"dtype('{declared}')", spark_type.simpleString()))
        parsed[name] = value
    return parsed, unparsed


def _column_flags(
    typed: Any, name: str, column: Any, value: Any, *, clean: Any, text: bool, plan: _Plan
) -> Any:
    """Nullability, the column's checks and its uniqueness, as flags on `plan`."""
    from pyspark.sql import functions as F

    declared = _declared(column) or ""
    if declared.startswith("int") and text:
        # pandas reads an integer column with a fraction as float64, which the declared
        # integer dtype refuses as a whole
        raw_number = F.col(f"`{name}`").try_cast("double")
        plan.whole_if.append(_integer_column_holds_floats(name, raw_number, declared, clean))
    if not getattr(column, "nullable", False):
        missing = value.isNull()
        if declared.startswith("float"):
            missing = missing | F.isnan(value)
        plan.flags.append(_Flag(name, NOT_NULLABLE, _only(missing, clean), value))
    for check in column.checks:
        failing = _check_failing(check, value, name)
        plan.flags.append(_Flag(name, _check_name(check), _only(failing, clean), value))
    if getattr(column, "unique", False):
        keep = _keep(getattr(column, "report_duplicates", "all"))
        typed, flag = _duplicates(
            typed, [name], [value], keep=keep, clean=clean, check=FIELD_UNIQUENESS
        )
        plan.flags.append(flag)
    return typed


def _frame_unique(typed: Any, schema: Any, values: dict[str, Any], clean: Any, plan: _Plan) -> Any:
    unique = getattr(schema, "unique", None)
    if not unique:
        return typed
    names = [unique] if isinstance(unique, str) else [str(n) for n in unique]
    if not all(n in values for n in names):
        return typed  # the missing column is already a failure
    keep = _keep(getattr(schema, "report_duplicates", "all"))
    typed, flag = _duplicates(
        typed, names, [values[n] for n in names], keep=keep, clean=clean, check=FIELDS_UNIQUENESS
    )
    plan.flags.append(flag)
    return typed


def _duplicates(
    typed: Any, names: list[str], keys: list[Any], *, keep: str | bool, clean: Any, check: str
) -> tuple[Any, _Flag]:
    """Rows whose values repeat, as pandas' `duplicated(keep=...)`: a window per key, so the
    shuffle is by key and no key set is gathered on the driver."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    label = f"_mlgate_dup{len(typed.columns)}"
    by_key = Window.partitionBy(*keys)
    if keep is False:
        repeated = F.count(F.lit(1)).over(by_key) > 1
    else:
        order = F.col("_mlgate_file"), F.col("_mlgate_id")
        ordered = by_key.orderBy(*(o.desc() for o in order) if keep == "last" else order)
        repeated = F.row_number().over(ordered) > 1
    # rows with a value that did not parse take no part (pandas drops them before)
    eligible = clean if clean is not None else F.lit(True)
    typed = typed.withColumn(label, F.when(eligible, repeated).otherwise(F.lit(False)))
    if len(names) == 1:
        column: str | None = names[0]
        example = keys[0]
    else:
        column = ", ".join(names)
        example = F.struct(*[k.alias(n) for k, n in zip(keys, names, strict=True)])
    return typed, _Flag(column, check, F.col(label), example)


def _keep(report_duplicates: Any) -> str | bool:
    return {"exclude_first": "first", "exclude_last": "last"}.get(str(report_duplicates), False)


def _integer_column_holds_floats(
    name: str, number: Any, declared: str, clean: Any
) -> tuple[Any, dict[str, Any]]:
    """pandas reads an integer column with a fraction as float64, which the declared integer
    dtype refuses as a whole: the condition, and that failure."""
    from pyspark.sql import functions as F

    fraction = number.isNotNull() & (number != F.floor(number))
    condition = _only(fraction, clean)
    return condition, _whole(name, f"dtype('{declared}')", "float64")


def _only(failing: Any, clean: Any) -> Any:
    from pyspark.sql import functions as F

    failing = F.coalesce(failing, F.lit(False))
    return failing if clean is None else failing & clean


def _whole(column: str, check: str, value: Any) -> dict[str, Any]:
    return {"column": column, "check": check, "rows": None, "examples": [{"value": value}]}


def _declared(column: Any) -> str | None:
    dtype = getattr(column, "dtype", None)
    return None if dtype is None else str(dtype)


def _typed(raw: Any, declared: str | None, text: bool) -> tuple[Any, Any]:
    """(the column's value typed as declared, a flag for values that do not parse or None)."""
    from pyspark.sql import functions as F

    if declared is None or not text:
        return raw, None
    kind = re.sub(r"\d+$", "", declared)
    if kind in ("int", "uint", "float"):
        number = raw.try_cast("double")
        bad = raw.isNotNull() & number.isNull() & ~F.lower(F.trim(raw)).isin(_NAN_TEXTS)
        return (number if kind == "float" else raw.try_cast("long")), bad
    if _is_text(declared):
        return raw, None
    if declared == "bool":
        return raw.try_cast("boolean"), raw.isNotNull() & raw.try_cast("boolean").isNull()
    raise _unsupported(f"dtype {yamlio.excerpt(declared)}", "this dtype")


# what pandas reads as a missing value in a CSV (its default na_values)
_NAN_TEXTS = ["nan", "na", "n/a", "null", "none", "-nan", "#n/a", "<na>", "-1.#ind", "1.#ind"]


def _is_text(declared: str) -> bool:
    return declared in ("str", "object") or declared.startswith("string")


def _spark_type_fits(declared: str, spark_type: Any) -> bool:
    name = spark_type.simpleString()
    if _is_text(declared):
        return bool(name == "string")
    wanted = {
        "int64": "bigint", "int32": "int", "int16": "smallint", "int8": "tinyint",
        "float64": "double", "float32": "float", "bool": "boolean",
        "str": "string", "string": "string", "object": "string",
    }.get(declared)  # fmt: skip
    return wanted is None or wanted == name


def _refuse_frame_checks(schema: Any) -> None:
    for check in getattr(schema, "checks", None) or []:
        raise _unsupported(f"dataframe check {yamlio.excerpt(_check_name(check))}", "it")
    index = getattr(schema, "index", None)
    if index is not None and (getattr(index, "checks", None) or getattr(index, "unique", False)):
        raise _unsupported("index checks", "them (a Spark DataFrame has no index)")


def _unsupported(what: str, it: str) -> InputError:
    return InputError(f"{what}: the {ENGINE} engine cannot check {it}; use engine: pandas")


def _check_name(check: Any) -> str:
    """The name pandas' path records for a check: Pandera's own string of it."""
    return str(getattr(check, "error", None) or getattr(check, "name", None) or check)


def _check_failing(check: Any, value: Any, column: str) -> Any:
    """The failing rows of one built-in check, as a boolean column (null where the value is
    null: Pandera ignores missing values in checks)."""
    name = str(getattr(check, "name", None) or "")
    stats = dict(getattr(check, "statistics", None) or {})
    failing = _FAILING.get(name)
    if getattr(check, "groupby", None) is not None or failing is None:
        raise _unsupported(
            f"column {yamlio.excerpt(column)}: check {yamlio.excerpt(name or str(check))}",
            "it: only built-in row checks run on Spark (no custom, groupby or hypothesis checks)",
        )
    return failing(value, stats)


def _in_range(value: Any, stats: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    low, high = F.lit(stats["min_value"]), F.lit(stats["max_value"])
    above = value >= low if stats.get("include_min", True) else value > low
    below = value <= high if stats.get("include_max", True) else value < high
    return ~(above & below)


def _str_length(value: Any, stats: dict[str, Any]) -> Any:
    from pyspark.sql import functions as F

    length = F.char_length(value)
    low, high = stats.get("min_value"), stats.get("max_value")
    too_short = length < F.lit(low) if low is not None else F.lit(False)
    too_long = length > F.lit(high) if high is not None else F.lit(False)
    return too_short | too_long


def _lit(value: Any) -> Any:
    from pyspark.sql import functions as F

    return F.lit(value)


# Pandera's built-in row checks, each as "this row fails" on a Spark column
_FAILING: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "equal_to": lambda v, s: v != _lit(s["value"]),
    "not_equal_to": lambda v, s: v == _lit(s["value"]),
    "greater_than": lambda v, s: ~(v > _lit(s["min_value"])),
    "greater_than_or_equal_to": lambda v, s: ~(v >= _lit(s["min_value"])),
    "less_than": lambda v, s: ~(v < _lit(s["max_value"])),
    "less_than_or_equal_to": lambda v, s: ~(v <= _lit(s["max_value"])),
    "in_range": _in_range,
    "isin": lambda v, s: ~v.isin(list(s["allowed_values"])),
    "notin": lambda v, s: v.isin(list(s["forbidden_values"])),
    # Pandera's str_matches is re.match (anchored at the start), str_contains re.search
    "str_matches": lambda v, s: ~v.rlike(f"^(?:{_pattern(s['pattern'])})"),
    "str_contains": lambda v, s: ~v.rlike(_pattern(s["pattern"])),
    "str_startswith": lambda v, s: ~v.startswith(s["string"]),
    "str_endswith": lambda v, s: ~v.endswith(s["string"]),
    "str_length": _str_length,
}


def _pattern(pattern: Any) -> str:
    return str(getattr(pattern, "pattern", pattern))


# --- profile --------------------------------------------------------------------------------


# The profile's sizes (drift/profile.py owns them; passed in so data/ imports no feature)
@dataclass(frozen=True)
class ProfileShape:
    bins: int
    tail_edges: int
    max_exact_values: int
    top_categories: int
    profile_format: int
    max_tracked_categories: int


def profile_source(
    spark: Any,
    source: SparkSource,
    shape: ProfileShape,
    *,
    grids: dict[str, Any] | None = None,
    accuracy: int = QUANTILE_ACCURACY,
) -> dict[str, Any]:
    """The profile `mlgate profile` writes, in two Spark jobs whatever the column count: one
    aggregation (counts, nulls, moments, approximate quantiles, distinct estimates), then one
    grouped count of (column, bin or category) with the top categories kept per column.
    Bin counts are exact; where the edges sit is approximate (rank error 1/`accuracy`)."""
    from pyspark.sql import functions as F

    frame = read(spark, source, infer_types=True)
    kinds = {field.name: _kind(field.dataType) for field in frame.schema.fields}
    first = frame.agg(F.count(F.lit(1)).alias("_rows"), *_summaries(kinds, shape, accuracy))
    summary = first.collect()[0].asDict()
    rows = int(summary["_rows"])
    edges = {
        name: _edges(summary, i, name, (grids or {}).get(name))
        for i, (name, kind) in enumerate(kinds.items())
        if kind == "numeric" and summary[f"n{i}"]
    }
    exact = {
        name
        for i, (name, kind) in enumerate(kinds.items())
        if kind == "numeric" and (summary[f"d{i}"] or 0) <= 2 * shape.max_exact_values
    }
    wide = {  # column -> its estimated number of categories
        name: int(summary[f"d{i}"])
        for i, (name, kind) in enumerate(kinds.items())
        if kind == "categorical" and (summary[f"d{i}"] or 0) > shape.max_tracked_categories
    }
    narrow = {name: kind for name, kind in kinds.items() if name not in wide}
    counted = _counts(frame, narrow, edges, exact, shape.top_categories)
    for name, distinct in wide.items():
        counted.update(_top_of_wide(frame, name, shape.top_categories, distinct))
    columns = {
        name: _column(
            name,
            i,
            kind,
            summary=summary,
            rows=rows,
            edges=edges.get(name),
            counted=counted,
            exact=exact,
            shape=shape,
        )
        for i, (name, kind) in enumerate(kinds.items())
    }
    profile: dict[str, Any] = {
        "mlgate_profile": shape.profile_format,
        "rows": rows,
        "files": [{"path": source.display, "rows": rows}],
        "columns": columns,
        "engine": {"name": ENGINE, "quantile_accuracy": accuracy},
    }
    return profile


def _kind(spark_type: Any) -> str:
    name = spark_type.typeName()
    numeric = name in ("byte", "short", "integer", "long", "float", "double") or name.startswith(
        "decimal"
    )
    return "numeric" if numeric else "categorical"


def _finite(name: str) -> Any:
    """A numeric column's finite values (pandas counts NaN as missing and bins finite values)."""
    from pyspark.sql import functions as F

    value = F.col(f"`{name}`").cast("double")
    return F.when(~F.isnan(value) & (F.abs(value) != F.lit(math.inf)), value)


def _present(name: str, kind: str) -> Any:
    from pyspark.sql import functions as F

    if kind == "numeric":
        value = F.col(f"`{name}`").cast("double")
        return F.when(~F.isnan(value), value)
    return F.col(f"`{name}`")


def _summaries(kinds: dict[str, str], shape: ProfileShape, accuracy: int) -> list[Any]:
    from pyspark.sql import functions as F

    levels = _levels(shape)
    out = []
    for i, (name, kind) in enumerate(kinds.items()):
        out.append(F.count(_present(name, kind)).alias(f"p{i}"))
        if kind != "numeric":
            # how many categories: an id column's millions are ranked apart (_top_of_wide)
            out.append(F.approx_count_distinct(F.col(f"`{name}`"), DISTINCT_RSD).alias(f"d{i}"))
            continue
        value = _finite(name)
        out += [
            F.count(value).alias(f"n{i}"),
            F.min(value).alias(f"lo{i}"),
            F.max(value).alias(f"hi{i}"),
            F.sum(value).alias(f"s{i}"),
            F.sum(value * value).alias(f"ss{i}"),
            F.percentile_approx(value, levels, accuracy).alias(f"q{i}"),
            F.approx_count_distinct(value, DISTINCT_RSD).alias(f"d{i}"),
        ]
    return out


def _levels(shape: ProfileShape) -> list[float]:
    """Equal-count levels, and finer ones in each tail (as pandas keeps fine tail edges)."""
    even = [k / shape.bins for k in range(shape.bins + 1)]
    step = 1 / shape.bins / shape.tail_edges
    tails = [k * step for k in range(shape.tail_edges)] + [
        1 - k * step for k in range(shape.tail_edges)
    ]
    return sorted(set(even + tails))


def _edges(summary: dict[str, Any], i: int, name: str, grid: Any) -> list[float]:
    """Increasing edges from the smallest value to just above the largest, so every value
    falls in one half-open bin [e_i, e_i+1). On a reference's grid (drift's current side) the
    grid is kept and widened to hold values outside it."""
    low, high = float(summary[f"lo{i}"]), float(summary[f"hi{i}"])
    top = math.nextafter(high, math.inf)
    if grid is not None:
        edges = [float(e) for e in grid]
        if low < edges[0]:
            edges.insert(0, low)
        if top > edges[-1]:
            edges.append(top)
        return edges
    inner = sorted({float(q) for q in summary[f"q{i}"] if low < float(q) < top})
    return [low, *inner, top]


def _counts(
    frame: Any, kinds: dict[str, str], edges: dict[str, list[float]], exact: set[str], top: int
) -> dict[tuple[str, str], list[tuple[Any, int]]]:
    """(column, "bin" | "value" | "category") -> [(key, count)], all columns in one grouped
    count; categories ranked by count (ties by name) and cut at `top` on the executors, with
    each column's number of distinct keys kept beside them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = []
    for name, kind in kinds.items():
        if kind == "numeric" and name in edges:
            value = _finite(name)
            bin_of = sum(
                (F.when(value >= F.lit(e), 1).otherwise(0) for e in edges[name][1:-1]),
                F.lit(0),
            )
            keys.append(_key(name, "bin", F.when(value.isNotNull(), bin_of.cast("string"))))
            if name in exact:
                keys.append(_key(name, "value", value.cast("string")))
        elif kind == "categorical":
            keys.append(_key(name, "category", _as_text(frame, name)))
    if not keys:
        return {}
    stacked = frame.select(F.explode(F.array(*keys)).alias("k")).select("k.*")
    stacked = stacked.where(F.col("key").isNotNull())
    grouped = stacked.groupBy("column", "kind", "key").count()
    per_column = Window.partitionBy("column", "kind")
    ranked = grouped.select(
        "*",
        F.count(F.lit(1)).over(per_column).alias("distinct"),
        F.sum("count").over(per_column).alias("total"),
        F.row_number().over(per_column.orderBy(F.desc("count"), "key")).alias("rank"),
    )
    kept = ranked.where((F.col("kind") != "category") | (F.col("rank") <= top)).collect()
    out: dict[tuple[str, str], list[tuple[Any, int]]] = {}
    for record in kept:
        out.setdefault((record["column"], record["kind"]), []).append(
            (record["key"], int(record["count"]))
        )
        out.setdefault((record["column"], "distinct:" + record["kind"]), [(None, 0)])
        out[(record["column"], "distinct:" + record["kind"])] = [
            (int(record["distinct"]), int(record["total"]))
        ]
    return out


def _top_of_wide(
    frame: Any, name: str, top: int, distinct: int
) -> dict[tuple[str, str], list[tuple[Any, int]]]:
    """The most frequent categories of a column with more than the profile tracks (an id):
    one grouped count whose top rows Spark takes per partition (`orderBy(...).limit`), not a
    window over millions of keys in one task, which ran a 1 GiB driver out of memory on 41M
    ids. Its count of distinct categories is Spark's estimate (5% relative error)."""
    from pyspark.sql import functions as F

    text = _as_text(frame, name).alias("key")
    counts = frame.select(text).where(F.col("key").isNotNull()).groupBy("key").count()
    rows = counts.orderBy(F.desc("count"), "key").limit(top).collect()
    return {
        (name, "category"): [(row["key"], int(row["count"])) for row in rows],
        (name, "distinct:category"): [(distinct, 0)],
    }


def _key(name: str, kind: str, key: Any) -> Any:
    from pyspark.sql import functions as F

    return F.struct(F.lit(name).alias("column"), F.lit(kind).alias("kind"), key.alias("key"))


def _as_text(frame: Any, name: str) -> Any:
    """Categories as pandas writes them as text (booleans as True/False)."""
    from pyspark.sql import functions as F

    value = F.col(f"`{name}`")
    if frame.schema[name].dataType.typeName() == "boolean":
        return F.when(value, F.lit("True")).when(~value, F.lit("False"))
    return value.cast("string")


def _column(
    name: str,
    i: int,
    kind: str,
    *,
    summary: dict[str, Any],
    rows: int,
    edges: list[float] | None,
    counted: dict[tuple[str, str], list[tuple[Any, int]]],
    exact: set[str],
    shape: ProfileShape,
) -> dict[str, Any]:
    present = int(summary[f"p{i}"])
    column: dict[str, Any] = {"kind": kind, "rows": rows, "nulls": rows - present}
    if kind == "categorical":
        found = sorted(counted.get((name, "category"), []), key=lambda kc: (-kc[1], kc[0]))
        kept = sum(count for _, count in found)
        distinct = counted.get((name, "distinct:category"), [(0, 0)])[0][0]
        column.update(distinct=distinct, top=dict(found), other=present - kept)
        return column
    n = int(summary[f"n{i}"] or 0)
    mean = std = None
    if n and summary[f"s{i}"] is not None and math.isfinite(summary[f"s{i}"]):
        mean = summary[f"s{i}"] / n
        squares = summary[f"ss{i}"]
        if squares is not None and math.isfinite(squares):
            std = math.sqrt(max(squares / n - mean**2, 0.0))
    column.update(
        min=float(summary[f"lo{i}"]) if n else None,
        max=float(summary[f"hi{i}"]) if n else None,
        mean=mean,
        std=std,
    )
    if edges is None:
        column["bins"] = {"edges": [], "counts": []}
    else:
        counts = [0] * (len(edges) - 1)
        for key, count in counted.get((name, "bin"), []):
            counts[int(key)] += count
        column["bins"] = _without_empty(edges, counts)
    values = counted.get((name, "value"))
    distinct = counted.get((name, "distinct:value"), [(None, 0)])[0][0]
    if name in exact and values is not None and distinct <= shape.max_exact_values:
        column["values"] = sorted([float(k), c] for k, c in values)
    else:
        column["values"] = None
    return column


def _without_empty(edges: list[float], counts: list[int]) -> dict[str, Any]:
    """Empty inner bins dropped (their edges say nothing), as pandas' merged bins are."""
    kept_edges, kept_counts = [edges[0]], list[int]()
    for edge, count in zip(edges[1:], counts, strict=True):
        if count == 0 and kept_counts and edge != edges[-1]:
            continue
        kept_edges.append(edge)
        kept_counts.append(count)
    return {"edges": kept_edges, "counts": kept_counts}
