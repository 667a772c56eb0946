from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, hung_http_remote, metrics_pipeline, set_params

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


def test_unknown_ref_is_an_input_error(pipeline: Path, mlgate: RunMlgate) -> None:
    result = mlgate("compare", "--baseline", "git:no-such-branch", cwd=pipeline)
    assert result.code == 2, result.err
    assert "baseline git:no-such-branch is unreadable" in result.err
    assert "unknown Git revision 'no-such-branch'" in result.err


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
    assert result.code == 2, result.err
    assert "fetch-depth: 0" in result.err


def test_workspace_without_metrics_says_run_the_pipeline(pipeline: Path, mlgate: RunMlgate) -> None:
    (pipeline / "metrics.json").unlink()
    result = mlgate("compare", cwd=pipeline)
    assert result.code == 2
    assert "run the pipeline first" in result.err


# --- a base revision that cannot be read is never "no baseline yet" ---------------------------

# What DVC 1.x wrote: the stages at the top level, no `schema: '2.0'` (DVC 2 added it).
DVC1_LOCK = """\
evaluate:
  cmd: python evaluate.py
  deps:
  - path: evaluate.py
    md5: 0f1e4ab3a7c8a2f46c1d6a0c1b3e8f2a
  params:
    params.yaml:
      accuracy: 0.9
      log_loss: 0.3
  outs:
  - path: metrics.json
    md5: 6d1c4f0a2b3e4f5a6b7c8d9e0f1a2b3c
"""


def base_branch(repo: Path, name: str, edit: Callable[[Path], None]) -> None:
    """Commit `edit` on a new branch `name` made from main, and come back to `change`."""
    git(repo, "checkout", "--quiet", "-b", name, "main")
    edit(repo)
    commit(repo, name)
    git(repo, "checkout", "--quiet", "change")


def test_a_dvc1_lock_at_the_base_revision_names_the_revision_and_dvcs_message(
    pipeline: Path, mlgate: RunMlgate
) -> None:
    base_branch(pipeline, "old-layout", lambda repo: (repo / "dvc.lock").write_text(DVC1_LOCK))
    change(pipeline, accuracy=0.5, log_loss=0.9)  # far worse: must not pass
    result = mlgate("compare", "--baseline", "git:old-layout", cwd=pipeline)
    assert result.code == 2, result.out + result.err
    assert "baseline git:old-layout is unreadable" in result.err
    assert "dvc.lock' validation failed in revision" in result.err  # DVC's own words
    assert "DVC 1.x" in result.err
    data = json.loads((pipeline / ".mlgate" / "compare.json").read_text())
    assert data["status"] == "error"


def test_a_broken_dvc_yaml_at_the_base_revision_is_an_input_error(
    pipeline: Path, mlgate: RunMlgate
) -> None:
    base_branch(pipeline, "broken", lambda repo: (repo / "dvc.yaml").write_text("stages: [\n"))
    result = mlgate("compare", "--baseline", "git:broken", cwd=pipeline)
    assert result.code == 2, result.out + result.err
    assert "baseline git:broken is unreadable" in result.err
    assert "dvc.yaml" in result.err


def test_declared_metrics_that_git_does_not_hold_at_the_base_are_an_input_error(
    pipeline: Path, mlgate: RunMlgate
) -> None:
    def forget_metrics(repo: Path) -> None:
        git(repo, "rm", "--quiet", "--cached", "metrics.json")
        (repo / ".gitignore").write_text("/metrics.json\n")

    base_branch(pipeline, "ignored", forget_metrics)
    change(pipeline, accuracy=0.5, log_loss=0.9)
    result = mlgate("compare", "--baseline", "git:ignored", cwd=pipeline)
    assert result.code == 2, result.out + result.err
    assert "metrics file metrics.json is declared at ignored but git does not hold it" in result.err


def test_a_workspace_lock_dvc_cannot_read_is_not_no_metrics(
    pipeline: Path, mlgate: RunMlgate
) -> None:
    (pipeline / "dvc.lock").write_text(DVC1_LOCK)
    result = mlgate("compare", cwd=pipeline)
    assert result.code == 2, result.out + result.err
    assert "declares no metrics" not in result.err
    assert "validation failed" in result.err


# --- metrics kept in the DVC cache, on a clone that has no cache ------------------------------


def clone_without_cache(tmp_path: Path, *, remote: Path | None) -> Path:
    """A repo whose metrics.json lives in the DVC cache (pushed to `remote`, if any), and a
    `git clone` of it (no DVC cache) on a branch with a far worse model."""
    repo = metrics_pipeline(tmp_path / "origin", accuracy=0.9, log_loss=0.3, cached=True)
    (repo / "mlgate.yaml").write_text(CONFIG)
    dvc(repo, "repro", "--quiet")
    if remote is not None:
        dvc(repo, "remote", "add", "-d", "storage", str(remote))
        dvc(repo, "push", "--quiet")
    commit(repo, "baseline model")
    assert "metrics.json" not in git(repo, "ls-files")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(repo), str(clone))
    git(clone, "config", "user.name", "test")
    git(clone, "config", "user.email", "test@example.invalid")
    git(clone, "checkout", "--quiet", "-b", "change")
    assert not (clone / ".dvc" / "cache").exists()
    change(clone, accuracy=0.5, log_loss=0.9)
    return clone


def test_cached_base_metrics_come_from_the_dvc_remote(tmp_path: Path, mlgate: RunMlgate) -> None:
    clone = clone_without_cache(tmp_path, remote=tmp_path / "remote")
    result = mlgate("compare", cwd=clone)
    assert result.code == 1, result.out + result.err  # judged against main's 0.9: blocked
    data = json.loads((clone / ".mlgate" / "compare.json").read_text())
    assert data["details"]["baseline"]["metrics"] == {"accuracy": 0.9, "log_loss": 0.3}


def test_cached_base_metrics_without_the_remote_are_no_verdict_naming_the_fetch(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    remote = tmp_path / "remote"
    clone = clone_without_cache(tmp_path, remote=remote)
    remote.rename(remote.with_name("remote-gone"))
    result = mlgate("compare", cwd=clone)
    assert result.code == 3, result.out + result.err
    assert "baseline git:main is unreadable: metrics file metrics.json" in result.err
    assert "the DVC remote 'storage'" in result.err
    assert "dvc fetch" in result.err


def test_cached_base_metrics_without_any_remote_say_how_to_add_one(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    clone = clone_without_cache(tmp_path, remote=None)
    result = mlgate("compare", cwd=clone)
    assert result.code == 3, result.out + result.err
    assert "dvc remote add -d" in result.err


def test_cached_base_metrics_from_a_hung_remote_are_no_verdict_in_bounded_time(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    with hung_http_remote() as url:
        repo = metrics_pipeline(tmp_path / "origin", accuracy=0.9, log_loss=0.3, cached=True)
        (repo / "mlgate.yaml").write_text(CONFIG)
        dvc(repo, "repro", "--quiet")
        dvc(repo, "remote", "add", "-d", "hung", url)
        commit(repo, "baseline model, its metrics only in this cache")
        clone = tmp_path / "clone"
        git(tmp_path, "clone", "--quiet", str(repo), str(clone))
        (clone / "candidate.json").write_text('{"accuracy": 0.5, "log_loss": 0.9}')
        result = mlgate(
            "compare",
            "--candidate",
            "file:candidate.json",
            cwd=clone,
            env={"MLGATE_DVC_TIMEOUT": "3"},
        )
        workspace = mlgate("compare", cwd=clone, env={"MLGATE_DVC_TIMEOUT": "3"})
    assert result.code == 3, result.out + result.err
    assert "baseline git:main is unreadable" in result.err
    assert "did not finish within 3 s" in result.err
    assert "the DVC remote 'hung'" in result.err
    # The workspace's own cached metrics file (not pulled) is read the same way.
    assert workspace.code == 3, workspace.out + workspace.err
    assert "reading the workspace's metrics did not finish within 3 s" in workspace.err
