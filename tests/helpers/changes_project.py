"""A project whose params and registry the changes section reads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.dvc_repos import commit, init_repo


def git_project(repo: Path, params_file: str, params: str) -> Path:
    """A DVC project whose base commit holds `params_file` and the metrics, in git."""
    init_repo(repo)
    (repo / "dvc.yaml").write_text(DVC_YAML.format(params_file=params_file))
    (repo / "mlgate.yaml").write_text(GIT_CONFIG)
    (repo / "metrics.json").write_text(json.dumps({"accuracy": 0.9}))
    (repo / params_file).write_text(params)
    commit(repo, "base")
    return repo


# Compares against `model`@champion in the registry at `uri`.
REGISTRY_CONFIG = """\
version: 1
mlflow:
  tracking_uri: {uri}
  model: {model}
  model_path: model.pkl
metrics:
  candidate: file:metrics.json
gates:
  accuracy: {{direction: higher, max_regression: 0.02}}
"""


GIT_CONFIG = """\
version: 1
metrics:
  candidate: file:metrics.json
  baseline: git:HEAD
gates:
  accuracy: {direction: higher, max_regression: 0.02}
"""


# The metrics kept in git (cache: false): git:HEAD reads them from git objects, nothing to run.
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    params:
      - {params_file}:
    metrics:
      - metrics.json:
          cache: false
"""
