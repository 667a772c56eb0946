"""Layer 1, data: the data formats (dataformats), metrics files (metrics: MetricValue,
flattening), DVC's own files read without DVC (dvcfiles: dvc.yaml, dvc.lock, params files),
the readers (read, lines: pandas chunks with the file's rows and lines) and the engine seam
(engine: the Engine protocol and its spec; polars: the Polars engine; spark: the Spark
engine, which checks Pandera's parsed schema itself). No engine's library is imported here."""

from __future__ import annotations

from mlgate.data.choose import engine_named, resolve
from mlgate.data.engine import (
    ENGINES,
    CategoryTally,
    CheckCount,
    ColumnChunk,
    Engine,
    NeedsPandasReader,
    RowCheck,
    TableChecks,
    TableSpec,
    Unexpressible,
    UniqueCheck,
)
from mlgate.data.metrics import (
    DuplicateKey,
    MetricValue,
    flatten,
    load_metrics_file,
    numeric,
    parse_metrics,
    require_single_value,
    unique_keys,
)
from mlgate.data.polars import CategoryCounts as PolarsCategoryCounts
from mlgate.data.polars import column_chunks as polars_column_chunks
from mlgate.data.read import Layout, Progress, first_line_number, read_chunks
from mlgate.data.source import Source
from mlgate.data.spark import FORMATS as SPARK_FORMATS
from mlgate.data.spark import ProfileShape
from mlgate.data.spark import is_remote as is_data_lake_uri
from mlgate.data.spark import job_errors as spark_job_errors
from mlgate.data.spark import profile_source as profile_with_spark
from mlgate.data.spark import resolve_source as spark_source
from mlgate.data.spark import session as spark_session
from mlgate.data.spark import validate_source as validate_with_spark

__all__ = [
    "ENGINES",
    "SPARK_FORMATS",
    "CategoryTally",
    "CheckCount",
    "ColumnChunk",
    "DuplicateKey",
    "Engine",
    "Layout",
    "MetricValue",
    "NeedsPandasReader",
    "PolarsCategoryCounts",
    "ProfileShape",
    "Progress",
    "RowCheck",
    "Source",
    "TableChecks",
    "TableSpec",
    "Unexpressible",
    "UniqueCheck",
    "engine_named",
    "first_line_number",
    "flatten",
    "is_data_lake_uri",
    "load_metrics_file",
    "numeric",
    "parse_metrics",
    "polars_column_chunks",
    "profile_with_spark",
    "read_chunks",
    "require_single_value",
    "resolve",
    "spark_job_errors",
    "spark_session",
    "spark_source",
    "unique_keys",
    "validate_with_spark",
]
