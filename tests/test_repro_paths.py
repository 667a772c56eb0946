"""`mlgate repro` names the repository's own paths, never the folder the job ran in: a CI
runner's `/home/runner/work/<repo>/<repo>` or a tmp dir says nothing to a reviewer and leaks the
machine's layout into a PR comment. Each message and repro.json's `details.root` is checked
against the tmp folder the repository lives in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, metrics_pipeline


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = metrics_pipeline(tmp_path / "work" / "repo", 0.9, 0.3)
    (repo / ".gitignore").write_text(".mlgate/\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline")
    return repo


def absolute_paths(text: str, repo: Path) -> list[str]:
    """The absolute spellings of `repo`'s folders that `text` holds (symlinked tmp or not)."""
    folders = {str(repo.parent), str(repo.parent.resolve())}
    return [folder for folder in folders if folder in text]


def result_details(repo: Path) -> dict[str, object]:
    found: dict[str, object] = json.loads((repo / ".mlgate" / "repro.json").read_text())
    return found


@pytest.mark.parametrize("args", [(), ("--check",)])
def test_the_result_names_the_root_as_the_repository_does(
    args: tuple[str, ...], repo: Path, mlgate: RunMlgate
) -> None:
    result = mlgate("repro", *args, cwd=repo)
    assert result.code == 0, result.out + result.err
    written = (repo / ".mlgate" / "repro.json").read_text()
    assert absolute_paths(result.out + result.err + written, repo) == []
    assert result_details(repo)["details"]["root"] == "."  # type: ignore[index]


def test_a_pipeline_in_a_subfolder_is_named_by_its_folder(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    top = tmp_path / "mono"
    top.mkdir()
    git(top, "init", "--quiet")
    repo = metrics_pipeline(top / "ml", 0.9, 0.3)
    shutil.rmtree(repo / ".git")  # a DVC project in a folder of the monorepo's git
    result = mlgate("repro", "--check", cwd=repo)
    written = (repo / ".mlgate" / "repro.json").read_text()
    assert absolute_paths(result.out + result.err + written, top) == []
    assert result_details(repo)["details"]["root"] == "ml"  # type: ignore[index]


def test_a_failing_stage_names_no_absolute_folder(repo: Path, mlgate: RunMlgate) -> None:
    (repo / "evaluate.py").write_text("raise SystemExit('diverged')\n")
    result = mlgate("repro", cwd=repo)
    assert result.code == 3, result.out + result.err
    assert absolute_paths(result.out + result.err, repo) == []


def test_no_dvc_yaml_names_no_absolute_folder(repo: Path, mlgate: RunMlgate) -> None:
    (repo / "dvc.yaml").unlink()
    result = mlgate("repro", "--check", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "no dvc.yaml" in result.err
    assert absolute_paths(result.err, repo) == []


def test_verify_with_uncommitted_pipeline_edits_names_no_absolute_folder(
    repo: Path, mlgate: RunMlgate
) -> None:
    (repo / "evaluate.py").write_text((repo / "evaluate.py").read_text() + "# edited\n")
    result = mlgate("repro", "--verify", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "uncommitted changes" in result.err
    assert absolute_paths(result.err, repo) == []


def test_an_unknown_git_revision_names_no_absolute_folder(repo: Path, mlgate: RunMlgate) -> None:
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: 'git:no-such-branch'}\n"
        "gates:\n  accuracy: {direction: higher}\n"
    )
    (repo / "metrics.json").write_text('{"accuracy": 0.9, "log_loss": 0.3}')
    result = mlgate("compare", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "no-such-branch" in result.err
    assert absolute_paths(result.out + result.err, repo) == []


def test_a_git_failure_names_no_absolute_folder(repo: Path, mlgate: RunMlgate) -> None:
    """`git` itself failing (here: the repository's objects unreadable) is reported by
    core/scm.py in the repository's terms."""
    from mlgate.core import scm

    with pytest.raises(Exception) as failed:
        scm.git(repo, "cat-file", "-p", "0" * 40)
    assert "cat-file" in str(failed.value)
    assert absolute_paths(str(failed.value), repo) == []
