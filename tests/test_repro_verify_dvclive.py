"""`mlgate repro --verify` on a pipeline that logs with DVCLive, as three of four public DVC
example repositories do. The rerun happens in a throwaway copy of HEAD that is a git repository
of its own; DVCLive reads that repository's HEAD and failed on a copy with no commit
(`SCMError: Empty git repo`, exit 3). The copy now holds one commit of the exported tree."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, init_repo

TRAIN = """\
from dvclive import Live

with Live(save_dvc_exp=False) as live:
    live.log_metric("accuracy", 0.75)
"""


def dvclive_pipeline(repo: Path) -> Path:
    init_repo(repo)
    (repo / "train.py").write_text(TRAIN)
    (repo / "dvc.yaml").write_text(
        "stages:\n"
        "  train:\n"
        f"    cmd: {sys.executable} train.py\n"
        "    deps: [train.py]\n"
        "    outs:\n      - dvclive/metrics.json:\n          cache: false\n"
    )
    (repo / ".gitignore").write_text(".mlgate/\n")
    commit(repo, "the pipeline")  # DVCLive needs a commit in the user's repository too
    dvc(repo, "repro", "--quiet")
    commit(repo, "a stage that logs with DVCLive")
    return repo


def test_verify_reruns_a_dvclive_stage(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = dvclive_pipeline(tmp_path / "repo")
    result = mlgate("repro", "--verify", cwd=repo)
    assert "Empty git repo" not in result.out + result.err
    assert result.code == 0, result.out + result.err
    assert str(tmp_path) not in result.out + result.err
