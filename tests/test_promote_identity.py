"""Promote registers exactly what compare judged: the model bytes and the metrics."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo
from tests.helpers.mlflow_store import client

TRAIN = """\
import json, yaml
params = yaml.safe_load(open("params.yaml"))
open("model.pkl", "w").write(f"a model trained with {params}")
json.dump({"accuracy": params["accuracy"]}, open("metrics.json", "w"))
"""

CONFIG = """\
version: 1
mlflow:
  tracking_uri: sqlite:///mlflow.db
  model: wine
  model_path: model.pkl
metrics:
  candidate: dvc
gates:
  accuracy: {direction: higher, threshold: 0.5, max_regression: 0.02}
"""


def pipeline(repo: Path, accuracy: float) -> Path:
    """A git + DVC repo whose train stage writes a model (a cached DVC output) and metrics."""
    init_repo(repo)
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text(f"accuracy: {accuracy}\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n"
        "  train:\n"
        f"    cmd: {sys.executable} train.py\n"
        "    deps: [train.py]\n"
        "    params: [accuracy]\n"
        "    outs: [model.pkl]\n"
        "    metrics:\n"
        "      - metrics.json:\n"
        "          cache: false\n"
    )
    (repo / "mlgate.yaml").write_text(CONFIG)
    (repo / ".gitignore").write_text("mlflow.db\n.mlgate/\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "a trained model")
    return repo


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def versions(repo: Path) -> list[str]:
    uri = f"sqlite:///{repo / 'mlflow.db'}"
    return [v.version for v in client(uri).search_model_versions("name='wine'")]


def test_the_pipeline_rerun_after_compare_is_not_promoted(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = pipeline(tmp_path / "repo", accuracy=0.9)
    compared = mlgate("compare", cwd=repo)
    assert compared.code == 0, compared.err
    decision = json.loads((repo / ".mlgate" / "compare.json").read_text())
    identity = decision["details"]["candidate"]["identity"]
    assert identity["model"] == {"path": "model.pkl", "sha256": sha256(repo / "model.pkl")}
    assert identity["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert identity["dirty"] is False
    assert len(identity["metrics"]["sha256"]) == 64

    # Other params, the pipeline re-run: a different model in the workspace.
    (repo / "params.yaml").write_text("accuracy: 0.6\n")
    dvc(repo, "repro", "--quiet")
    refused = mlgate("promote", cwd=repo)
    assert refused.code == 1, refused.err
    assert "is not the one the decision judged" in refused.out
    assert "compare again" in refused.out
    assert versions(repo) == []  # nothing registered

    # Compared again, the new model is judged, and promoted with the dirty tree on record.
    assert mlgate("compare", cwd=repo).code == 0
    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 0, promoted.out + promoted.err
    uri = f"sqlite:///{repo / 'mlflow.db'}"
    version = client(uri).get_model_version("wine", "1")
    assert version.tags["mlgate.dirty"] == "true"  # params.yaml and dvc.lock not committed
    assert version.tags["mlgate.model_sha256"] == sha256(repo / "model.pkl")
    logged = client(uri).get_logged_model(version.source.removeprefix("models:/"))
    assert {m.key: m.value for m in logged.metrics} == {"accuracy": 0.6}


def test_a_metrics_change_alone_is_not_promoted(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = pipeline(tmp_path / "repo", accuracy=0.9)
    assert mlgate("compare", cwd=repo).code == 0
    (repo / "metrics.json").write_text(json.dumps({"accuracy": 0.99}))  # edited by hand
    refused = mlgate("promote", cwd=repo)
    assert refused.code == 1
    assert "the candidate's metrics (dvc) changed since the decision" in refused.out
    assert versions(repo) == []


def test_a_decision_without_the_model_is_not_promoted(tmp_path: Path, mlgate: RunMlgate) -> None:
    """The model appeared only after compare (or the decision is an older mlgate's)."""
    repo = pipeline(tmp_path / "repo", accuracy=0.9)
    model = (repo / "model.pkl").read_bytes()
    (repo / "model.pkl").unlink()
    assert mlgate("compare", cwd=repo).code == 0
    (repo / "model.pkl").write_bytes(model)
    refused = mlgate("promote", cwd=repo)
    assert refused.code == 1
    assert "does not record the model it judged" in refused.out
    assert versions(repo) == []


def test_a_forged_identity_is_an_input_error(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = pipeline(tmp_path / "repo", accuracy=0.9)
    assert mlgate("compare", cwd=repo).code == 0
    decision_path = repo / ".mlgate" / "compare.json"
    decision = json.loads(decision_path.read_text())
    decision["details"]["candidate"]["identity"]["model"]["sha256"] = "not a hash"
    decision_path.write_text(json.dumps(decision))
    refused = mlgate("promote", cwd=repo)
    assert refused.code == 2, refused.out + refused.err
    assert "identity" in refused.err
    assert versions(repo) == []
