"""A tracking URI that names no store: reading never creates one, a typo is no first model.

MLflow creates a store (and its folders) wherever a tracking URI points; a typo'd store is a
fresh empty registry in which every model is "not registered", and compare passed on bootstrap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, metrics_pipeline, set_params
from tests.helpers.mlflow_store import client, register_version

CONFIG = """\
version: 1
mlflow:
  tracking_uri: {uri}
  model: wine
metrics:
  candidate: file:candidate.json
gates:
  accuracy: {{direction: higher, threshold: 0.8}}
drift:
  reference: registry
"""

READERS = [
    ("compare",),
    ("gate", "--skip", "validate", "--skip", "repro"),
    ("drift", "--current", "candidate.json"),
    ("history",),
    ("rollback",),
    ("report",),
]


def files(folder: Path) -> dict[str, int]:
    """Every file and folder under `folder` (but mlgate's own results), with its size."""
    return {
        path.relative_to(folder).as_posix(): path.stat().st_size if path.is_file() else -1
        for path in folder.rglob("*")
        if ".mlgate" not in path.relative_to(folder).parts
    }


def make_repo(repo: Path, uri: str) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "mlgate.yaml").write_text(CONFIG.format(uri=uri))
    (repo / "candidate.json").write_text(json.dumps({"accuracy": 0.9}))
    return repo


@pytest.fixture
def store_db(tmp_path: Path) -> Path:
    """An existing store, `store.db`, holding a champion of another model."""
    path = tmp_path / "store.db"
    register_version(f"sqlite:///{path}", "iris", model_metrics={"accuracy": 0.9}, alias="champion")
    return path


@pytest.mark.parametrize("command", READERS, ids=lambda args: args[0])
@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("sqlite:///stroe.db", "did you mean 'store.db'"),
        ("sqlite:///{repo}/stroe.db", "did you mean 'store.db'"),
        ("sqlite:///typo/mlflow.db", "nor does its folder typo"),
        ("file:missing/mlruns", "nor does its folder missing"),
        ("missing/mlruns", "nor does its folder missing"),
        ("{repo}/missing/mlruns", "nor does its folder missing"),
    ],
)
def test_a_store_that_cannot_be_the_one_meant_is_an_input_error_and_is_not_created(
    tmp_path: Path, mlgate: RunMlgate, store_db: Path, uri: str, named: str, command: tuple[str]
) -> None:
    repo = make_repo(tmp_path, uri.format(repo=tmp_path))
    before = files(tmp_path)
    run = mlgate(*command, cwd=repo)
    if command[0] == "report":  # reads result files only: never opens the registry
        assert files(tmp_path) == before
        return
    assert run.code == 2, (run.out, run.err)
    assert named in run.err
    assert "mlgate.yaml: mlflow.tracking_uri" in run.err
    assert "Traceback" not in run.err
    assert files(tmp_path) == before


def test_the_environment_variable_is_named_when_it_set_the_typo(
    tmp_path: Path, mlgate: RunMlgate, store_db: Path
) -> None:
    repo = make_repo(tmp_path, "sqlite:///store.db")
    before = files(tmp_path)
    run = mlgate("compare", cwd=repo, env={"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/stroe.db"})
    assert run.code == 2, run.err
    assert "MLFLOW_TRACKING_URI: the MLflow store stroe.db does not exist; did you mean" in run.err
    assert files(tmp_path) == before


def test_a_backup_beside_a_store_not_yet_made_is_no_typo(tmp_path: Path, mlgate: RunMlgate) -> None:
    """`mlflow.db.bak` extends the name (no typo); `mlflow/` is a folder, not a sqlite file."""
    repo = make_repo(tmp_path, "sqlite:///mlflow.db")
    (repo / "mlflow.db.bak").write_text("old")
    (repo / "mlflow").mkdir()
    run = mlgate("compare", cwd=repo)
    assert run.code == 0, run.err
    assert not (repo / "mlflow.db").exists()


@pytest.mark.parametrize("uri", ["sqlite:///mlflow.db", "file:mlruns", "mlruns", "{repo}/mlruns"])
def test_a_first_model_reads_a_store_not_yet_made_without_making_it(
    tmp_path: Path, mlgate: RunMlgate, uri: str
) -> None:
    repo = make_repo(tmp_path, uri.format(repo=tmp_path))
    (repo / "empty.db").write_bytes(b"")  # an empty file is no store either; left as it is
    before = files(tmp_path)
    shown = "mlflow.db" if "sqlite" in uri else "mlruns"

    compared = mlgate("compare", cwd=repo)
    assert compared.code == 0, compared.err
    data = json.loads((repo / ".mlgate" / "compare.json").read_text())
    assert data["details"]["baseline"]["resolution"] == "bootstrap"
    assert data["summary"] == (
        "passed (bootstrap: no baseline yet): 1 check holds; the MLflow store "
        f"{shown} does not exist yet, so registered model 'wine' does not either"
    )
    history = mlgate("history", cwd=repo)
    assert history.code == 0, history.err
    assert history.out.strip() == (
        f"wine @ champion: no moves recorded by mlgate yet (the MLflow store {shown} does not "
        "exist yet)"
    )
    rollback = mlgate("rollback", cwd=repo)
    assert rollback.code == 1, rollback.err
    assert f"the MLflow store {shown} does not exist yet: nothing to roll back" in rollback.out
    drift = mlgate("drift", "--current", "candidate.json", cwd=repo)
    assert drift.code == 3, drift.err  # no champion's profile yet: no verdict, as before
    assert f"the MLflow store {shown} does not exist yet" in drift.err
    assert files(tmp_path) == before


def test_an_empty_file_as_store_is_not_written_by_a_reader(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """MLflow lays its schema into an empty sqlite file: a reader leaves it empty."""
    repo = make_repo(tmp_path, "sqlite:///mlflow.db")
    (repo / "mlflow.db").write_bytes(b"")
    assert mlgate("compare", cwd=repo).code == 0
    assert (repo / "mlflow.db").stat().st_size == 0


GATED_CONFIG = """\
version: 1
mlflow:
  tracking_uri: sqlite:///mlflow.db
  model: wine
  model_path: params.yaml
metrics:
  candidate: dvc
gates:
  accuracy: {direction: higher, max_regression: 0.02}
"""


@pytest.mark.slow
def test_the_first_model_flow_gate_then_promote_then_gate(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """README's first model on a real DVC repo: gate passes on bootstrap naming the store that
    does not exist yet, promote creates it (and says so), the next gate compares with it."""
    repo = metrics_pipeline(tmp_path / "repo", 0.9, 0.3)
    (repo / "mlgate.yaml").write_text(GATED_CONFIG)
    (repo / ".gitignore").write_text("/.mlgate/\n/mlflow.db\n/mlartifacts/\n")
    commit(repo, "pipeline")
    first = mlgate("gate", "--skip", "validate", cwd=repo)
    assert first.code == 0, (first.out, first.err)
    assert "the MLflow store mlflow.db does not exist yet" in first.out
    assert not (repo / "mlflow.db").exists()
    commit(repo, "first model")

    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 0, (promoted.out, promoted.err)
    assert "mlgate: creating the MLflow store mlflow.db" in promoted.err
    uri = f"sqlite:///{repo / 'mlflow.db'}"
    assert str(client(uri).get_model_version_by_alias("wine", "champion").version) == "1"

    set_params(repo, 0.8, 0.3)  # worse than the champion by more than 0.02
    commit(repo, "worse")
    second = mlgate("gate", "--skip", "validate", cwd=repo)
    assert second.code == 1, (second.out, second.err)
    compare = json.loads((repo / ".mlgate" / "compare.json").read_text())
    assert compare["details"]["baseline"]["resolution"] == "found"
    assert compare["details"]["baseline"]["metrics"] == {"accuracy": 0.9, "log_loss": 0.3}
