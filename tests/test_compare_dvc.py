from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunMlgate
from tests.dvc_helpers import commit, dvc, git, metrics_pipeline, set_params

pytestmark = pytest.mark.slow

CONFIG = """\
version: 1
metrics:
  candidate: dvc
  baseline: git:main
gates:
  accuracy: {direction: higher, max_regression: 0.01}
  log_loss: {direction: lower, max_regression_pct: 5}
"""


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(CONFIG)
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline model")
    git(repo, "checkout", "--quiet", "-b", "change")
    return repo


def change(repo: Path, accuracy: float, log_loss: float) -> None:
    set_params(repo, accuracy, log_loss)
    dvc(repo, "repro", "--quiet")


def test_base_branch_baseline_blocks_a_worse_change(pipeline: Path, mlgate: RunMlgate) -> None:
    change(pipeline, accuracy=0.85, log_loss=0.3)
    result = mlgate("compare", cwd=pipeline)
    assert result.code == 1, result.err
    data = json.loads((pipeline / ".mlgate" / "compare.json").read_text())
    assert data["details"]["baseline"]["metrics"] == {"accuracy": 0.9, "log_loss": 0.3}
    assert data["details"]["candidate"]["metrics"] == {"accuracy": 0.85, "log_loss": 0.3}
    # The base branch was read from git objects: the workspace still holds the change.
    assert json.loads((pipeline / "metrics.json").read_text())["accuracy"] == 0.85


def test_base_branch_baseline_passes_a_better_change(pipeline: Path, mlgate: RunMlgate) -> None:
    change(pipeline, accuracy=0.95, log_loss=0.25)
    assert mlgate("compare", cwd=pipeline).code == 0


def test_unknown_ref_is_no_verdict(pipeline: Path, mlgate: RunMlgate) -> None:
    result = mlgate("compare", "--baseline", "git:no-such-branch", cwd=pipeline)
    assert result.code == 3
    assert "no-such-branch" in result.err


def test_ref_without_metrics_is_no_baseline_yet(pipeline: Path, mlgate: RunMlgate) -> None:
    git(pipeline, "checkout", "--quiet", "--orphan", "empty")
    git(pipeline, "rm", "-rq", "--cached", ".")
    (pipeline / "README").write_text("nothing yet")
    git(pipeline, "add", "README")
    git(pipeline, "commit", "--quiet", "-m", "empty")
    git(pipeline, "checkout", "--quiet", "-f", "change")
    result = mlgate("compare", "--baseline", "git:empty", cwd=pipeline)
    assert result.code == 0, result.err
    assert "the pipeline has no metrics at empty" in result.out


def test_shallow_clone_names_the_fix(pipeline: Path, tmp_path: Path, mlgate: RunMlgate) -> None:
    change(pipeline, accuracy=0.95, log_loss=0.25)
    commit(pipeline, "better")
    shallow = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        "change",
        f"file://{pipeline}",
        str(shallow),
    )
    result = mlgate("compare", "--baseline", "git:HEAD~1", cwd=shallow)
    assert result.code == 3
    assert "fetch-depth: 0" in result.err


def test_workspace_without_metrics_says_run_the_pipeline(pipeline: Path, mlgate: RunMlgate) -> None:
    (pipeline / "metrics.json").unlink()
    result = mlgate("compare", cwd=pipeline)
    assert result.code == 2
    assert "run the pipeline first" in result.err
