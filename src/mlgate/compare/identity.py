"""What exactly was judged: the candidate's identity, recorded by compare, checked by promote.

`mlgate promote` registers the model file(s) in the workspace with the metrics of a passing
decision. Between the two commands the workspace can change (`dvc repro` with other params, a
hand-edited file); the identity binds the decision to the bytes that were judged:
- `model`: the sha256 of `mlflow.model_path` as it is in the workspace (a directory: of its
  files' relative paths and hashes). The bytes, not `dvc.lock`'s record of them: the lock says
  what the last `dvc repro` or `dvc commit` wrote, and promote uploads what is there now.
- `metrics`: the sha256 of the candidate's metrics as read, and of each metrics file named.
- `per_example`: the path and sha256 of the per-example records (`metrics.per_example`), which
  promote stores with the version; None when the config names none or the file is not there.
- `commit` and `dirty` (tracked files changed since it), for the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mlgate.core.digests import sha256_of
from mlgate.data import MetricValue


def candidate_identity(
    root: Path,
    model_path: str | None,
    metrics: dict[str, MetricValue],
    metrics_files: list[Path],
    *,
    per_example: Path | None = None,
) -> dict[str, Any]:
    from mlgate.core.scm import current_commit, tracked_changes

    return {
        "model": model_identity(root, model_path),
        "metrics": {
            "sha256": metrics_digest(metrics),
            "files": {_shown(root, path): sha256_of(path) for path in metrics_files},
        },
        "per_example": (
            {"path": _shown(root, per_example), "sha256": sha256_of(per_example)}
            if per_example is not None and per_example.is_file()
            else None
        ),
        "commit": current_commit(root),
        "dirty": tracked_changes(root),
    }


def model_identity(root: Path, model_path: str | None) -> dict[str, str] | None:
    """The model's path and hash; None when no model path is configured or nothing is there."""
    if not model_path:
        return None
    path = root / model_path
    if not path.exists():
        return None
    return {"path": model_path, "sha256": sha256_of(path)}


def metrics_digest(metrics: dict[str, MetricValue]) -> str:
    canonical = json.dumps(metrics, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _shown(root: Path, path: Path) -> str:
    from mlgate.core.paths import repo_relative

    return repo_relative(path, root)
