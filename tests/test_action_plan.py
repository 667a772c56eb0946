"""The action's install plan (action.yml, step `plan`): which extras, which cache key.

Run with bash as the runner runs it (tests/fixtures/action_steps.py); the act tests in
test_action.py run the whole action.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.fixtures.action_steps import REPO_ROOT, run_step


def plan(tmp_path: Path, **env: str) -> dict[str, str]:
    base = {"MLGATE_ACTION_PATH": str(REPO_ROOT), "MLGATE_COMMAND": "gate",
            "MLGATE_WORKDIR": ".", "MLGATE_PYTHON": sys.executable}  # fmt: skip
    completed, outputs = run_step("plan", {**base, **env}, cwd=tmp_path, runner_temp=tmp_path)
    assert completed.returncode == 0, completed.stderr
    return outputs


@pytest.mark.parametrize(
    ("uri", "mlflow"),
    [
        ("https://mlflow.example.com", "mlflow"),
        ("http://127.0.0.1:5000", "mlflow"),
        ("databricks", "mlflow"),
        ("databricks://profile", "mlflow"),
        ("sqlite:///mlflow.db", "mlflow-local"),
        ("postgresql://u@db/mlflow", "mlflow-local"),
    ],
)
def test_the_light_client_for_a_server_the_full_package_for_a_local_store(
    tmp_path: Path, uri: str, mlflow: str
) -> None:
    assert plan(tmp_path, MLGATE_TRACKING_URI=uri)["extras"] == f"validate,dvc,{mlflow}"
    assert plan(tmp_path, MLFLOW_TRACKING_URI=uri, MLGATE_COMMAND="promote")["extras"] == mlflow


@pytest.mark.parametrize(
    ("written", "mlflow"),
    [
        ("mlflow:\n  tracking_uri: sqlite:///mlflow.db # CI sets a server\n", "mlflow-local"),
        ("mlflow: {tracking_uri: 'https://mlflow.example.com', model: wine}\n", "mlflow"),
        ('mlflow:\n  "tracking_uri": "sqlite:///m.db"\n', "mlflow-local"),
        ("mlflow:\n  # tracking_uri: sqlite:///old.db\n  model: wine\n", "mlflow"),
    ],
)
def test_without_a_uri_in_the_environment_mlgate_yaml_says(
    tmp_path: Path, written: str, mlflow: str
) -> None:
    (tmp_path / "mlgate.yaml").write_text(f"version: 1\n{written}")
    assert plan(tmp_path, MLFLOW_TRACKING_URI="")["extras"] == f"validate,dvc,{mlflow}"


@pytest.mark.parametrize(
    ("data", "parquet"),
    [
        ("data:\n  - path: data/train.csv\n    schema: s.yaml\n", False),
        ("data:\n  - path: [data/*.csv, data/*.parquet]\n    schema: s.yaml\n", True),
        ("data:\n  - {path: 'data/x.PQ', schema: s.yaml}\n", True),
        ("data:\n  - path: data/x.parquet.gz\n    schema: s.yaml\n", True),
        ("data:\n  - path: data/export\n    format: 'parquet'\n    schema: s.yaml\n", True),
        ("data:\n  - path: data/x.csv  # was data/x.parquet\n    schema: s.yaml\n", False),
        ("# data/x.parquet retired\ndata:\n  - path: data/x.csv\n    schema: s.yaml\n", False),
        ("data:\n  - path: data/x.pqr.csv\n    schema: s.yaml\n", False),
    ],
)
def test_pyarrow_only_for_a_config_that_names_parquet_data(
    tmp_path: Path, data: str, parquet: bool
) -> None:
    (tmp_path / "mlgate.yaml").write_text(f"version: 1\n{data}drift:\n  reference: registry\n")
    suffix = ",parquet" if parquet else ""
    env = {"MLFLOW_TRACKING_URI": "https://m"}
    assert plan(tmp_path, **env)["extras"] == f"validate,dvc,mlflow,drift{suffix}"
    assert plan(tmp_path, **env, MLGATE_COMMAND="validate")["extras"] == f"validate{suffix}"
    assert plan(tmp_path, **env, MLGATE_COMMAND="drift")["extras"] == f"drift,mlflow{suffix}"
    assert plan(tmp_path, **env, MLGATE_COMMAND="promote")["extras"] == f"mlflow,drift{suffix}"
    assert plan(tmp_path, **env, MLGATE_COMMAND="compare")["extras"] == "dvc,mlflow"


def test_drift_brings_its_extra_only_when_mlgate_yaml_asks_for_drift(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").write_text("version: 1\n# drift: not yet\ngates: {}\n")
    assert "drift" not in plan(tmp_path, MLFLOW_TRACKING_URI="https://m")["extras"]
    (tmp_path / "mlgate.yaml").write_text("version: 1\ndrift:\n  reference: registry\n")
    assert plan(tmp_path, MLFLOW_TRACKING_URI="https://m")["extras"] == "validate,dvc,mlflow,drift"
    promote = plan(tmp_path, MLFLOW_TRACKING_URI="https://m", MLGATE_COMMAND="promote")
    assert promote["extras"] == "mlflow,drift"


def test_the_input_and_the_environment_win_over_mlgate_yaml(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").write_text("mlflow: {tracking_uri: 'sqlite:///mlflow.db'}\n")
    assert plan(tmp_path, MLFLOW_TRACKING_URI="https://m.example.com")["extras"].endswith(",mlflow")


def test_the_cache_key_changes_with_what_is_installed(tmp_path: Path) -> None:
    key = plan(tmp_path, MLGATE_TRACKING_URI="https://m")["key"]
    assert key.startswith("mlgate-venv-")
    assert key.endswith("-validate,dvc,mlflow")
    assert f"-py{sys.version_info[0]}.{sys.version_info[1]}." in key
    assert plan(tmp_path, MLGATE_EXTRAS="dvc")["key"] != key
    assert plan(tmp_path, MLGATE_TRACKING_URI="https://m")["key"] == key


def test_explicit_extras_are_kept_and_checked(tmp_path: Path) -> None:
    assert plan(tmp_path, MLGATE_EXTRAS="dvc,mlflow-local")["extras"] == "dvc,mlflow-local"
    completed, _ = run_step(
        "plan",
        {"MLGATE_ACTION_PATH": str(REPO_ROOT), "MLGATE_COMMAND": "gate",
         "MLGATE_WORKDIR": ".", "MLGATE_EXTRAS": "dvc;touch pwned"},
        cwd=tmp_path,
        runner_temp=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "use comma-separated names" in completed.stdout
    assert not (tmp_path / "pwned").exists()
