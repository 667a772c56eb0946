"""The pipeline's metrics files as `mlgate compare --candidate dvc` reads them, on real repos:
names that two files share, metrics inside a directory that is not pulled, a broken dvc.lock."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo

pytestmark = pytest.mark.slow

PY = sys.executable

EVALUATE = """\
import json, pathlib
pathlib.Path("eval").mkdir(exist_ok=True)
json.dump({"accuracy": 0.9, "loss": 0.2}, open("eval/a.json", "w"))
json.dump({"accuracy": 0.7, "f1": 0.6}, open("eval/b.json", "w"))
"""

TWO_FILES = f"""\
stages:
  evaluate:
    cmd: {PY} evaluate.py
    deps: [evaluate.py]
    metrics:
      - eval/a.json:
          cache: false
      - eval/b.json:
          cache: false
"""

GATE_EACH = """\
version: 1
metrics: {candidate: dvc, baseline: none}
gates:
  "eval/a.json:accuracy": {direction: higher, threshold: 0.85}
  "eval/b.json:accuracy": {direction: higher, threshold: 0.65}
"""


def test_a_name_in_two_files_is_kept_apart_by_file(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "evaluate.py").write_text(EVALUATE)
    (repo / "dvc.yaml").write_text(TWO_FILES)
    (repo / "mlgate.yaml").write_text(GATE_EACH)
    dvc(repo, "repro", "--quiet")
    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.out + result.err
    data = json.loads((repo / ".mlgate" / "compare.json").read_text())
    assert data["details"]["candidate"]["metrics"] == {
        "eval/a.json:accuracy": 0.9,
        "eval/b.json:accuracy": 0.7,
        "loss": 0.2,
        "f1": 0.6,
    }
    (repo / "mlgate.yaml").write_text(GATE_EACH.replace("0.65", "0.75"))
    assert mlgate("compare", cwd=repo).code == 1


DIR_METRICS = f"""\
stages:
  evaluate:
    cmd: {PY} evaluate.py
    deps: [evaluate.py]
    outs: [eval]
metrics: [eval/a.json]
"""


@pytest.fixture
def unpulled_eval(tmp_path: Path) -> Path:
    upstream = init_repo(tmp_path / "upstream")
    (upstream / "evaluate.py").write_text(EVALUATE)
    (upstream / "dvc.yaml").write_text(DIR_METRICS)
    (upstream / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: none}\n"
        "gates:\n  accuracy: {direction: higher, threshold: 0.5}\n"
    )
    dvc(upstream, "repro", "--quiet")
    commit(upstream, "pipeline")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(upstream), str(clone))
    return clone


def test_metrics_in_a_directory_not_pulled_say_pull_it(
    unpulled_eval: Path, mlgate: RunMlgate
) -> None:
    result = mlgate("compare", cwd=unpulled_eval)
    assert result.code in {2, 3}, result.out + result.err
    assert "not pulled" in result.err
    assert "`dvc pull eval`" in result.err
    assert "failed to load directory" not in result.err


def test_a_dvc_lock_dvc_cannot_parse_is_not_no_metrics(
    unpulled_eval: Path, mlgate: RunMlgate
) -> None:
    (unpulled_eval / "dvc.lock").write_text("schema: '2.0'\nstages: [not, a, mapping\n")
    result = mlgate("compare", cwd=unpulled_eval)
    assert result.code == 2, result.out + result.err
    assert "declares no metrics" not in result.err
    assert "dvc.lock" in result.err
