"""DVC: the one package that runs it, and its one public face.

Callers outside the package import from here; its modules are private to it: `runner` (the
`dvc` process and `dvc.repo.Repo`, with DVC's errors made mlgate's), `metrics` (metrics and
params, in the workspace and at a git revision), `check` (`repro
--check`), `run` (`mlgate repro`), `verify` (`repro --verify`), `report` (pure renderers).
Reading DVC's files without DVC is `mlgate.data.dvcfiles`. None imports DVC at module level.
"""

from __future__ import annotations

from mlgate.repro.check import check_lock, touches_pipeline
from mlgate.repro.metrics import (
    file_at_revision,
    metrics_at_revision,
    params_at_revision,
    tracked_files_at_revision,
    workspace_metrics,
    workspace_params,
)
from mlgate.repro.run import run_pipeline
from mlgate.repro.runner import dvc, in_dvc_repository, init
from mlgate.repro.verify import verify_pipeline

__all__ = [
    "check_lock",
    "dvc",
    "file_at_revision",
    "in_dvc_repository",
    "init",
    "metrics_at_revision",
    "params_at_revision",
    "run_pipeline",
    "touches_pipeline",
    "tracked_files_at_revision",
    "verify_pipeline",
    "workspace_metrics",
    "workspace_params",
]
