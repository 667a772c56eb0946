"""`mlgate compare` in a DVC repository with no mlgate.yaml: a view of every metric's change
and the params that changed (as `dvc metrics diff` / `dvc params diff`), never a verdict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, metrics_pipeline, set_params
from tests.helpers.promote_project import make_repo

pytestmark = pytest.mark.slow


@pytest.fixture
def changed_repo(tmp_path: Path) -> Path:
    """main: accuracy 0.9, log_loss 0.3; the workspace on a branch: 0.8 and 0.3, no config."""
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline model")
    git(repo, "checkout", "--quiet", "-b", "change")
    set_params(repo, accuracy=0.8, log_loss=0.3)
    dvc(repo, "repro", "--quiet")
    return repo


def test_no_config_shows_every_metric_and_param_and_is_no_verdict(
    changed_repo: Path, mlgate: RunMlgate
) -> None:
    run = mlgate("compare", "--baseline", "git:main", "--format", "json", cwd=changed_repo)
    assert run.code == 0, run.err
    result = json.loads(run.out)
    assert result["status"] == "not-gated"
    rows = {row["metric"]: row for row in result["details"]["metrics"]}
    assert set(rows) == {"accuracy", "log_loss"}  # a worse metric is shown, not judged
    assert rows["accuracy"]["baseline"] == 0.9
    assert rows["accuracy"]["candidate"] == 0.8
    assert rows["accuracy"]["delta"] == pytest.approx(-0.1)
    assert rows["accuracy"]["delta_pct"] == pytest.approx(-11.111, abs=1e-3)
    assert rows["log_loss"]["delta"] == 0
    changed = result["details"]["changes"]["params"]["changed"]
    assert [(c["name"], c["baseline"], c["candidate"]) for c in changed] == [("accuracy", 0.9, 0.8)]
    written = json.loads((changed_repo / ".mlgate" / "compare.json").read_text())
    assert written["status"] == "not-gated"


def test_no_config_text_and_markdown_say_it_is_a_view(
    changed_repo: Path, mlgate: RunMlgate
) -> None:
    text = mlgate("compare", "--baseline", "git:main", cwd=changed_repo)
    assert text.code == 0, text.err
    assert "NOT GATED" in text.out and "not a verdict" in text.out
    assert "accuracy" in text.out and "-0.100" in text.out
    assert "accuracy 0.9 -> 0.8" in text.out
    markdown = mlgate("compare", "--baseline", "git:main", "--format", "markdown", cwd=changed_repo)
    assert markdown.code == 0, markdown.err
    assert "not a verdict" in markdown.out
    assert "| `accuracy` | 0.900 | 0.800 |" in markdown.out


def test_a_view_from_a_subfolder_reads_the_repository(
    changed_repo: Path, mlgate: RunMlgate
) -> None:
    (changed_repo / "src").mkdir()
    run = mlgate("compare", "--baseline", "git:main", "--format", "json", cwd=changed_repo / "src")
    assert run.code == 0, run.err
    assert {row["metric"] for row in json.loads(run.out)["details"]["metrics"]} == {
        "accuracy",
        "log_loss",
    }


def test_a_view_is_no_pass_for_report_or_gate(changed_repo: Path, mlgate: RunMlgate) -> None:
    assert mlgate("compare", "--baseline", "git:main", cwd=changed_repo).code == 0
    report = mlgate("report", cwd=changed_repo)
    assert report.code != 0, report.out  # nothing was judged: no verdict to report as a pass
    gate = mlgate("gate", cwd=changed_repo)
    assert gate.code == 2
    assert "mlgate.yaml" in gate.err


def test_no_config_without_a_baseline_says_how(changed_repo: Path, mlgate: RunMlgate) -> None:
    run = mlgate("compare", cwd=changed_repo)
    assert run.code == 2
    assert "--baseline git:main" in run.err and "mlgate init" in run.err


def test_registry_view_needs_a_model(changed_repo: Path, mlgate: RunMlgate) -> None:
    run = mlgate("compare", "--baseline", "registry", cwd=changed_repo)
    assert run.code == 2
    assert "--model NAME" in run.err


def test_promote_refuses_a_view(tmp_path: Path, mlgate: RunMlgate) -> None:
    view = tmp_path / "view"
    view.mkdir()
    (view / "a.json").write_text('{"accuracy": 0.8}')
    (view / "b.json").write_text('{"accuracy": 0.9}')
    shown = mlgate("compare", "--candidate", "file:b.json", "--baseline", "file:a.json", cwd=view)
    assert shown.code == 0, shown.err
    repo = make_repo(tmp_path / "repo")
    (repo / ".mlgate").mkdir()
    shutil.copy(view / ".mlgate" / "compare.json", repo / ".mlgate" / "compare.json")
    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 1
    assert "did not pass" in promoted.out and "not gated" in promoted.out
