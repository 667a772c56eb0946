"""MLflow artifacts go beside the local store mlgate was pointed at, never into the caller's
working directory (MLflow's default for a sqlite store is `./mlruns` of the current folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.registry import local_artifact_location
from tests.helpers.cli import run_subprocess

pytestmark = pytest.mark.slow


def test_the_demo_keeps_its_artifacts_beside_its_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mlflow.set_tracking_uri in an earlier test exports MLFLOW_TRACKING_URI, which would win
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = tmp_path / "demo"
    result = run_subprocess("demo", "--dir", str(target), cwd=elsewhere)
    assert result.code == 0, result.out + result.err
    assert list(elsewhere.iterdir()) == []  # no mlruns/ where the command ran
    stored = list((target / "mlartifacts").rglob("model.pkl"))
    assert stored, "the promoted model's files are beside mlflow.db"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sqlite:////srv/ml/mlflow.db", "file:///srv/ml/mlartifacts/wine_model"),
        ("sqlite:////srv/ml/mlflow.db?timeout=20", "file:///srv/ml/mlartifacts/wine_model"),
        ("sqlite://", None),
        ("http://127.0.0.1:5000", None),
        ("databricks", None),
    ],
)
def test_where_a_new_experiment_keeps_its_artifacts(uri: str, expected: str | None) -> None:
    assert local_artifact_location(uri, "wine model") == expected


def test_an_experiment_name_cannot_leave_the_artifacts_folder() -> None:
    location = local_artifact_location("sqlite:////srv/ml/mlflow.db", "../../etc")
    assert location is not None
    assert location.startswith("file:///srv/ml/mlartifacts/")
    assert "/" not in location.removeprefix("file:///srv/ml/mlartifacts/")
