"""What changed does not depend on the metrics: a first model (bootstrap) against `git:REF`, or
a baseline whose metrics are unreadable, still has the params at that revision (DVC reads
params without data), and compare records their diff. The report showed "no baseline to diff
against" whenever the baseline had no metrics, hiding the real hyper-parameter change."""

from __future__ import annotations

import json
from pathlib import Path

from mlgate.report import ReportContext, report_text
from tests.helpers.changes_project import DVC_YAML, GIT_CONFIG
from tests.helpers.cli import RunMlgate
from tests.helpers.comment_prose import comment, results_of
from tests.helpers.dvc_repos import commit, init_repo

DIFF_AT_REVISION = {
    "source": "git:main",
    "missing_reason": None,
    "changed": [{"name": "train.max_depth", "file": "params.yaml", "old": 8, "new": 3}],
    "unchanged": 4,
}


def test_a_params_diff_at_a_revision_shows_without_baseline_metrics() -> None:
    results = results_of("bootstrap")
    assert results["compare"]["details"]["baseline"]["metrics"] is None
    results["compare"]["details"]["changes"]["params"] = DIFF_AT_REVISION
    markdown = comment(results)
    assert "no baseline to diff against" not in markdown
    assert "train.max\\_depth" in markdown or "train.max_depth" in markdown
    text = report_text(results, ReportContext())
    assert "no baseline to diff against" not in text
    assert "train.max_depth" in text


def test_without_a_diff_the_bootstrap_says_there_is_no_baseline() -> None:
    assert "Params: no baseline to diff against." in comment(results_of("bootstrap"))


def test_a_first_model_against_a_revision_shows_the_params_it_changed(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """End to end: the base revision's pipeline declares no metrics yet (a first model), and
    the change lowers `max_depth`; compare bootstraps, and the report shows the change."""
    repo = init_repo(tmp_path / "repo")
    (repo / "params.yaml").write_text("train:\n  max_depth: 8\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python train.py\n    params: [train.max_depth]\n"
    )
    commit(repo, "a pipeline without metrics yet")
    (repo / "dvc.yaml").write_text(DVC_YAML.format(params_file="params.yaml"))
    (repo / "mlgate.yaml").write_text(GIT_CONFIG)
    (repo / "metrics.json").write_text(json.dumps({"accuracy": 0.9}))
    (repo / "params.yaml").write_text("train:\n  max_depth: 3\n")
    compared = mlgate("compare", cwd=repo)
    assert compared.code == 0, compared.out + compared.err
    written = json.loads((repo / ".mlgate" / "compare.json").read_text())
    assert written["details"]["baseline"]["metrics"] is None  # bootstrap
    reported = mlgate("report", cwd=repo)
    assert "no baseline to diff against" not in reported.out
    assert "max_depth" in reported.out and "8" in reported.out
