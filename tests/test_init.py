"""`mlgate init`: a working, commented mlgate.yaml from what the repository holds, then
`mlgate gate` reaches a verdict (0 or 1, never 2) with no hand-written config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlgate import __version__
from mlgate.gate.init import SCHEMA_LINE, direction_of
from tests.helpers.cli import EXAMPLE, RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo, set_params

DVC_YAML = f"""\
stages:
  evaluate:
    cmd: {sys.executable} evaluate.py
    deps: [evaluate.py, data/train.csv]
    params: [accuracy, log_loss]
    metrics:
      - metrics.json:
          cache: false
"""
EVALUATE = """\
import json, yaml
from mlgate import __version__
params = yaml.safe_load(open("params.yaml"))
json.dump({"accuracy": params["accuracy"], "log_loss": params["log_loss"], "n_trees": 8},
          open("metrics.json", "w"))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git+DVC project with a data dependency and three metrics, reproduced and committed."""
    repo = init_repo(tmp_path / "project")
    (repo / "data").mkdir()
    rows = "\n".join(f"{i},{i % 3},{i * 0.5}" for i in range(200))
    (repo / "data" / "train.csv").write_text(f"id,label,x\n{rows}\n")
    (repo / "evaluate.py").write_text(EVALUATE)
    (repo / "dvc.yaml").write_text(DVC_YAML)
    set_params(repo, accuracy=0.9, log_loss=0.3)
    dvc(repo, "repro", "--quiet")
    commit(repo, "the pipeline")
    return repo


def test_direction_comes_from_the_name() -> None:
    assert direction_of("accuracy") == "higher"
    assert direction_of("test/roc_auc") == "higher"
    assert direction_of("val.f1_macro") == "higher"
    assert direction_of("log_loss") == "lower"
    assert direction_of("rmse") == "lower"
    assert direction_of("mean_absolute_error") == "lower"
    assert direction_of("n_trees") is None


@pytest.mark.slow
def test_init_then_gate_reaches_a_verdict(project: Path, mlgate: RunMlgate) -> None:
    run = mlgate("init", cwd=project)
    assert run.code == 0, run.err
    assert "mlgate.yaml" in run.out and "mlgate gate" in run.out  # what it wrote, what next
    text = (project / "mlgate.yaml").read_text()
    assert text.splitlines()[0] == SCHEMA_LINE
    config = yaml.safe_load(text)
    assert config["metrics"]["baseline"] == "git:main"
    assert config["gates"] == {
        "accuracy": {"direction": "higher", "max_regression_pct": 1},
        "log_loss": {"direction": "lower", "max_regression_pct": 1},
    }
    assert "# n_trees:" in text  # no direction in its name: listed, commented out
    assert config["data"] == [{"path": "data/train.csv", "schema": "schemas/train.yaml"}]
    assert (project / "schemas" / "train.yaml").is_file()
    workflow = (project / ".github" / "workflows" / "mlgate.yml").read_text()
    assert f"uses: mlgate/mlgate@v{__version__}" in workflow
    assert f"rev: v{__version__}" in (project / ".pre-commit-config.yaml").read_text()
    assert mlgate("config", "check", cwd=project).code == 0
    assert mlgate("gate", "--skip", "report", cwd=project).code == 0
    set_params(project, accuracy=0.8, log_loss=0.3)  # 11% worse than main's: blocked
    dvc(project, "repro", "--quiet")
    assert mlgate("gate", "--skip", "report", cwd=project).code == 1


def test_init_replaces_nothing_unless_forced(project: Path, mlgate: RunMlgate) -> None:
    (project / "mlgate.yaml").write_text("version: 1\n")
    run = mlgate("init", cwd=project)
    assert run.code == 2
    assert "mlgate.yaml: already exists" in run.err and "--force" in run.err
    assert (project / "mlgate.yaml").read_text() == "version: 1\n"
    assert not (project / "schemas").exists()  # nothing written when one file is in the way
    assert mlgate("init", "--force", cwd=project).code == 0
    assert "gates:" in (project / "mlgate.yaml").read_text()


def test_dry_run_writes_nothing(project: Path, mlgate: RunMlgate) -> None:
    run = mlgate("init", "--dry-run", cwd=project)
    assert run.code == 0, run.err
    assert "--- mlgate.yaml ---" in run.out and SCHEMA_LINE in run.out
    assert not (project / "mlgate.yaml").exists()
    assert not (project / "schemas").exists()


def test_existing_pre_commit_config_is_left_alone(project: Path, mlgate: RunMlgate) -> None:
    (project / ".pre-commit-config.yaml").write_text("repos: []\n")
    run = mlgate("init", cwd=project)
    assert run.code == 0, run.err
    assert (project / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert f"rev: v{__version__}" in run.out  # the entry to add, printed


def test_gitlab_component_include(project: Path, mlgate: RunMlgate) -> None:
    (project / ".gitlab-ci.yml").write_text("stages: [test]\n")
    run = mlgate("init", cwd=project)
    assert run.code == 0, run.err
    include = (project / ".gitlab" / "mlgate.yml").read_text()
    assert f"component: $CI_SERVER_FQDN/<group>/mlgate/gate@{__version__}" in include
    assert (project / ".gitlab-ci.yml").read_text() == "stages: [test]\n"
    assert not (project / ".github").exists()
    fresh = project.parent / "fresh"
    init_repo(fresh)
    assert mlgate("init", "--forge", "gitlab", cwd=fresh).code == 0
    assert f"mlgate/gate@{__version__}" in (fresh / ".gitlab-ci.yml").read_text()


def test_a_local_mlflow_store_is_the_baseline(project: Path, mlgate: RunMlgate) -> None:
    (project / "mlflow.db").write_bytes(b"")
    assert mlgate("init", cwd=project).code == 0
    config = yaml.safe_load((project / "mlgate.yaml").read_text())
    assert config["metrics"]["baseline"] == "registry"
    assert config["mlflow"]["tracking_uri"] == "sqlite:///mlflow.db"
    assert config["mlflow"]["model"] == "project"


def test_without_dvc_a_file_metrics_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    git(repo, "init", "--quiet")
    run = mlgate("init", cwd=repo)
    assert run.code == 0, run.err
    config = yaml.safe_load((repo / "mlgate.yaml").read_text())
    assert config["metrics"]["candidate"] == "file:metrics.json"
    assert "fill in" in run.out
    assert mlgate("config", "check", cwd=repo).code == 0


@pytest.mark.slow
def test_init_then_gate_on_the_wine_example(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = tmp_path / "wine"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("mlgate.yaml", ".github"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    init_repo(repo)
    subprocess.run([sys.executable, "-m", "dvc", "repro", "--quiet"], cwd=repo, env=env, check=True)
    commit(repo, "the wine example, reproduced")
    run = mlgate("init", cwd=repo, env={"PATH": env["PATH"]})
    assert run.code == 2 and "schemas/train.yaml" in run.err  # the example's own schema
    assert mlgate("init", "--force", cwd=repo).code == 0
    assert {"accuracy", "log_loss"} <= set(
        yaml.safe_load((repo / "mlgate.yaml").read_text())["gates"]
    )
    assert mlgate("gate", "--skip", "report", cwd=repo).code in (0, 1)


@pytest.mark.slow
def test_dvc_3_top_level_metrics_in_an_output_dvc_caches(tmp_path: Path, mlgate: RunMlgate) -> None:
    """As DVC's own example project writes it: the metrics file is inside an output DVC caches
    (`outs: [eval]`) and named by the top-level `metrics:` (DVCLive's layout), so neither the
    workspace after a clone nor git holds it; init reads it from DVC's cache at HEAD, and the
    next steps add what init wrote."""
    repo = init_repo(tmp_path / "project")
    (repo / "evaluate.py").write_text(
        "import json, os\nos.makedirs('eval', exist_ok=True)\n"
        "json.dump({'roc_auc': 0.9, 'avg_prec': 0.8}, open('eval/metrics.json', 'w'))\n"
    )
    (repo / "dvc.yaml").write_text(
        f"stages:\n  evaluate:\n    cmd: {sys.executable} evaluate.py\n"
        "    deps: [evaluate.py]\n    outs: [eval]\nmetrics:\n- eval/metrics.json\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "the pipeline")
    shutil.rmtree(repo / "eval")  # a fresh clone: the output is in DVC's cache only
    run = mlgate("init", "--forge", "github", cwd=repo)
    assert run.code == 0, run.err
    gates = yaml.safe_load((repo / "mlgate.yaml").read_text())["gates"]
    assert gates["roc_auc"] == {"direction": "higher", "max_regression_pct": 1}
    assert "git add mlgate.yaml .github .pre-commit-config.yaml && git commit" in run.out

    # A clone without the cache (its remote out of reach): a note on what to run, never a crash
    # on DVC's "failed to load directory".
    shutil.rmtree(repo / ".dvc" / "cache")
    again = mlgate("init", "--forge", "github", "--force", cwd=repo)
    assert again.code == 0, again.err
    assert "eval/metrics.json: not in the workspace, the last commit, DVC's cache" in again.out
