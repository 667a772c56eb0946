"""Layer 1, data: the data formats (dataformats), metrics files (metrics: MetricValue,
flattening), DVC's own files read without DVC (dvcfiles: dvc.yaml, dvc.lock, params files),
the readers (read, lines: pandas chunks with the file's rows and lines) and the engine seam
(engine: the Engine protocol and its spec; polars: the Polars engine)."""

from __future__ import annotations

from mlgate.data.choose import engine_named, resolve
from mlgate.data.engine import (
    ENGINES,
    CheckCount,
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
from mlgate.data.read import Layout, Progress, first_line_number, read_chunks
from mlgate.data.source import Source

__all__ = [
    "ENGINES",
    "CheckCount",
    "DuplicateKey",
    "Engine",
    "Layout",
    "MetricValue",
    "NeedsPandasReader",
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
    "load_metrics_file",
    "numeric",
    "parse_metrics",
    "read_chunks",
    "require_single_value",
    "resolve",
    "unique_keys",
]
