"""A project that promotes to an MLflow registry: its config, a trained model and its metrics."""

from __future__ import annotations

import json
from pathlib import Path

CONFIG = """\
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


def make_repo(repo: Path, uri: str = "sqlite:///mlflow.db", model: str = "wine") -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "mlgate.yaml").write_text(CONFIG.format(uri=uri, model=model))
    (repo / "params.yaml").write_text("train:\n  n_estimators: 10\n")
    train(repo, 0.9)
    return repo


def train(repo: Path, accuracy: float) -> None:
    """What a pipeline leaves behind: a model file and its metrics."""
    (repo / "metrics.json").write_text(json.dumps({"accuracy": accuracy}))
    (repo / "model.pkl").write_bytes(f"model with accuracy {accuracy}".encode())
