"""`repro --check` and the pre-commit shortcut on a fresh `git clone` of a real pipeline: what
DVC keeps out of git (the cache, `cache: false` outputs that are gitignored) is absent there,
and absent is not changed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.repro import touches_pipeline
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo

PY = sys.executable

PREPARE = """\
import pathlib
out = pathlib.Path("features")
out.mkdir(exist_ok=True)
(out / "a.txt").write_text("1\\n2\\n")
(out / "b.txt").write_text("3\\n")
"""

TRAIN = """\
import json, pathlib
values = pathlib.Path("features/a.txt").read_text().split()
pathlib.Path("models").mkdir(exist_ok=True)
pathlib.Path("models/model.txt").write_text(str(len(values)))
json.dump({"n": len(values)}, open("metrics.json", "w"))
"""

# As in iterative/example-dvc-experiments: the model is not cached by DVC and gitignored, so
# a fresh clone has neither it nor a cached copy; `train` depends on one file inside the
# directory that `prepare` outputs.
DVC_YAML = f"""\
stages:
  prepare:
    cmd: {PY} prepare.py
    deps: [prepare.py]
    outs: [features]
  train:
    cmd: {PY} train.py
    deps: [train.py, features/a.txt]
    outs:
      - models:
          cache: false
    metrics:
      - metrics.json:
          cache: false
"""


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = init_repo(tmp_path_factory.mktemp("upstream") / "repo")
    (repo / "prepare.py").write_text(PREPARE)
    (repo / "train.py").write_text(TRAIN)
    (repo / "dvc.yaml").write_text(DVC_YAML)
    (repo / ".gitignore").write_text("/models\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline")
    return repo


@pytest.fixture
def clone(upstream: Path, tmp_path: Path) -> Path:
    target = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(upstream), str(target))
    assert not (target / ".dvc" / "cache").exists()
    assert not (target / "models").exists()
    return target


def dvc_dry_run(repo: Path) -> str:
    """What DVC itself would run on this checkout. DVC 3.50 fails here instead ("No such
    file" for the dependency inside the missing directory), which runs nothing either."""
    return subprocess.run(
        [PY, "-m", "dvc", "repro", "--dry", "--allow-missing"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def test_a_fresh_clone_is_not_stale(clone: Path, tmp_path: Path, mlgate: RunMlgate) -> None:
    results = tmp_path / "results"
    # What DVC itself says on this checkout: nothing would run.
    assert "Running stage" not in dvc_dry_run(clone)
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=clone)
    assert result.code == 0, result.out + result.err
    assert "not cached (`cache: false`)" in result.out
    stages = {
        s["name"]: s for s in json.loads((results / "repro.json").read_text())["details"]["stages"]
    }
    assert stages["train"]["reasons"] == []
    assert {"path": "models", "kind": "out", "in_cache": False, "not_cached": True} in stages[
        "train"
    ]["absent"]
    assert {"path": "features/a.txt", "kind": "dep", "in_cache": False} in stages["train"]["absent"]


def test_an_edit_inside_the_producing_directory_is_still_stale(
    upstream: Path, tmp_path: Path, mlgate: RunMlgate
) -> None:
    """With the cache at hand, the file a stage depends on inside another stage's directory
    output is compared with the directory's listing: a rerun of `prepare` that changed a.txt
    without rerunning `train` is stale."""
    repo = tmp_path / "repo"
    git(tmp_path, "clone", "--quiet", str(upstream), str(repo))
    dvc(repo, "remote", "add", "-d", "origin", str(upstream / ".dvc" / "cache"))
    (repo / "prepare.py").write_text(PREPARE.replace("2", "5"))
    dvc(repo, "repro", "--quiet", "--single-item", "prepare")
    for path in (repo / "features").iterdir():
        path.unlink()
    (repo / "features").rmdir()
    result = mlgate("repro", "--check", cwd=repo)
    assert result.code == 1, result.out + result.err
    assert "features/a.txt modified (prepare produced another version" in result.out


@pytest.mark.parametrize(
    ("paths", "touched"),
    [
        (["src/train.py"], True),
        (["train.py"], False),
        (["src/params.yaml"], True),
        (["README.md"], False),
    ],
)
def test_the_shortcut_follows_wdir(tmp_path: Path, paths: list[str], touched: bool) -> None:
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  train:\n    wdir: src\n    cmd: python train.py\n    deps: [train.py]\n"
        "    params: [seed]\n    outs: [../model.txt]\n"
    )
    assert touches_pipeline(tmp_path, paths) is touched


@pytest.mark.parametrize(
    "dvc_yaml",
    [
        "vars:\n  - config.yaml\nstages:\n  train:\n    cmd: python train.py\n"
        "    deps: [train.py]\n",
        "stages:\n  train:\n    cmd: python ${script}\n    deps: [train.py]\n",
    ],
)
def test_the_shortcut_concerns_any_file_when_templating_could_name_it(
    tmp_path: Path, dvc_yaml: str
) -> None:
    (tmp_path / "dvc.yaml").write_text(dvc_yaml)
    assert touches_pipeline(tmp_path, ["config.yaml"]) is True


def test_the_hook_checks_an_edit_below_a_wdir_stage(tmp_path: Path, mlgate: RunMlgate) -> None:
    """End to end: the dependency of a `wdir: src` stage edited and staged, the lock not
    updated: the pre-commit check runs and blocks, as `repro --check` does."""
    repo = init_repo(tmp_path / "repo")
    (repo / "src").mkdir()
    (repo / "src" / "train.py").write_text("open('../model.txt', 'w').write('1')\n")
    (repo / "dvc.yaml").write_text(
        f"stages:\n  train:\n    wdir: src\n    cmd: {PY} train.py\n    deps: [train.py]\n"
        "    outs: [../model.txt]\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline")
    (repo / "src" / "train.py").write_text("open('../model.txt', 'w').write('2')\n")
    result = mlgate("repro", "--check", "--", "src/train.py", cwd=repo)
    assert result.code == 1, result.out + result.err
    assert "nothing to check" not in result.out


# As in iterative/example-dvc-experiments: `train` depends on the folder `data`, which holds a
# `dvc add`-ed file (data/images.txt, with its .dvc pointer and .gitignore beside it). A fresh
# clone has the pointer and the .gitignore but not the file: the folder is not what dvc.lock
# recorded, only because of what is not pulled. DVC itself calls the stage changed here
# (`dvc status`: "modified: data"; `repro --dry --allow-missing` would run it).
FOLDER_DEP_YAML = f"""\
stages:
  train:
    cmd: {PY} train_on_folder.py
    deps: [train_on_folder.py, data]
    metrics:
      - metrics.json:
          cache: false
"""
TRAIN_ON_FOLDER = """\
import json, pathlib
words = pathlib.Path("data/images.txt").read_text().split()
json.dump({"n": len(words)}, open("metrics.json", "w"))
"""


@pytest.fixture(scope="module")
def folder_upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = init_repo(tmp_path_factory.mktemp("folder-upstream") / "repo")
    (repo / "data").mkdir()
    (repo / "data" / "images.txt").write_text("a\nb\nc\n")
    dvc(repo, "add", "--quiet", "data/images.txt")
    (repo / "train_on_folder.py").write_text(TRAIN_ON_FOLDER)
    (repo / "dvc.yaml").write_text(FOLDER_DEP_YAML)
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline on a folder holding tracked data")
    return repo


def stage_entries(results: Path) -> dict[str, dict[str, object]]:
    stages = json.loads((results / "repro.json").read_text())["details"]["stages"]
    return {stage["name"]: stage for stage in stages}


def test_a_folder_dep_whose_tracked_file_is_not_pulled_is_not_stale(
    folder_upstream: Path, tmp_path: Path, mlgate: RunMlgate
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(folder_upstream), str(clone))
    assert not (clone / "data" / "images.txt").exists()
    results = tmp_path / "results"
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=clone)
    assert result.code == 0, result.out + result.err
    train = stage_entries(results)["train"]
    assert train["reasons"] == []
    assert {"path": "data", "kind": "dep", "in_cache": False, "files_absent": 1} in train["absent"]

    # Anything else that differs in the folder is still a change.
    (clone / "data" / "new.txt").write_text("d\n")
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=clone)
    assert result.code == 1, result.out + result.err
    assert "deps data modified" in result.out
