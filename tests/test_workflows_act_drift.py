"""continuous-training.yml with `trigger: drift`, run by `act` through a caller against a real
MLflow sqlite registry: the first run has no champion profile and retrains; then unchanged data
does not retrain, and data that drifted does (see test_workflows_act.py for the set-up)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.fixtures.act_runner import action_copy, run_act
from tests.helpers.act_workflows import TOKEN, VENV, caller, champion, pipeline_repo
from tests.helpers.dvc_repos import commit
from tests.helpers.mlflow_store import client

CT_DRIFT_CALLER = caller(f"""\
on: workflow_dispatch
permissions: {{}}
jobs:
  retrain:
    permissions:
      contents: read
    uses: ./.github/workflows/continuous-training.yml
    with:
      requirements: ""
      trigger: drift
      max-age-days: 30
      mlgate-venv: {VENV}
    secrets:
      MLFLOW_TRACKING_URI: ${{{{ secrets.MLFLOW_TRACKING_URI }}}}
""")


def features(shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "size": rng.normal(10 + shift, 2, 400),
            "weight": rng.lognormal(1 + shift / 4, 0.3, 400),
            "colour": rng.choice(["red", "white"], 400),
        }
    )


@pytest.mark.slow
def test_drift_triggered_training_retrains_only_when_the_data_moved(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'registry' / 'mlflow.db'}"
    (tmp_path / "registry").mkdir()
    # Each act run's workspace is removed after it, like a CI runner's: the registry's artifacts
    # (the stored profile) live outside it, as in a tracking server's artifact store.
    client(uri).create_experiment("tiny", artifact_location=str(tmp_path / "artifacts"))
    config = (
        "version: 1\n"
        "data:\n  - path: data.csv\n    schema: schema.yaml\n"
        "mlflow: {model: tiny, alias: champion, model_path: model.pkl}\n"
        "metrics: {candidate: dvc, baseline: registry, on_missing_baseline: pass}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
        "drift:\n  reference: registry\n"
    )
    repo = pipeline_repo(tmp_path, config, CT_DRIFT_CALLER, "continuous-training.yml")
    (repo / "schema.yaml").write_text(  # a schema that checks nothing is refused
        "schema_type: dataframe\ncolumns:\n  size: {dtype: float64}\n", encoding="utf-8"
    )
    features(0, seed=1).to_csv(repo / "data.csv", index=False)
    commit(repo, "data")
    run = {
        "event_name": "workflow_dispatch",
        "workflow": ".github/workflows/caller.yml",
        "action_dir": action_copy(tmp_path / "mlgate-action"),
        "secrets": {"GITHUB_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": uri},
        "env": {"MLGATE_STAND_IN_PYTHON": sys.executable},
    }

    first = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert first.code == 0, first.output
    assert "Retraining: drift could not be checked" in first.output
    assert "won and was promoted" in first.output
    assert champion(uri) == "1"

    features(0, seed=2).to_csv(repo / "data.csv", index=False)  # fresh rows, same distribution
    commit(repo, "fresh data, unchanged")
    calm = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert calm.code == 0, calm.output
    assert "Not retraining: no drift, and the champion is recent" in calm.output
    assert "mlgate gate" not in calm.output
    assert len(client(uri).search_model_versions("name='tiny'")) == 1

    features(3, seed=3).to_csv(repo / "data.csv", index=False)
    commit(repo, "fresh data that moved")
    moved = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert moved.code == 0, moved.output
    assert "Retraining: the data drifted from the champion's training data" in moved.output
    assert "won and was promoted" in moved.output
    assert champion(uri) == "2"
    print(f"act continuous-training.yml trigger drift: {first.seconds:.1f} / "
          f"{calm.seconds:.1f} / {moved.seconds:.1f} s")  # fmt: skip
