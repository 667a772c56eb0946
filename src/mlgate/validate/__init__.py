"""`mlgate validate`: data files against Pandera schemas; the package's one public face.

Callers outside the package import from here; its modules are private to it:
`targets` (which files, which schema; no pandas), `read` and `lines` (chunks, rows, lines),
`schema` (Pandera schemas and the per-chunk plan), `run` (the validation, with `parse`,
`unique` and `failures`), `report` (pure renderers). None imports pandas, pandera or
pyarrow at module level: a hook whose staged files match no configured glob finishes
without loading them.
"""

from __future__ import annotations

from mlgate.data import read_chunks
from mlgate.validate.engines import require_expressible
from mlgate.validate.run import ValidateRequest, infer_schema, run_validate
from mlgate.validate.targets import (
    Target,
    data_format,
    display_path,
    glob_regex,
    plan_from_config,
    require_data_inside,
    require_schemas_exist,
)

__all__ = [
    "Target",
    "ValidateRequest",
    "data_format",
    "display_path",
    "glob_regex",
    "infer_schema",
    "plan_from_config",
    "read_chunks",
    "require_data_inside",
    "require_expressible",
    "require_schemas_exist",
    "run_validate",
]
