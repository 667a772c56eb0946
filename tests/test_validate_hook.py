"""The `mlgate-validate` hook through pre-commit itself, in tmp repos.

pre-commit builds the hook's environment from a git checkout of this repo: a snapshot of the
working tree (committed or not) is committed into a tmp repo first, so the hook under test is
the code under test. `pre-commit try-repo` always builds the environment in a new temporary
store (it ignores PRE_COMMIT_HOME), about a minute each time; so one test uses try-repo, and
the others use `pre-commit run` with a config naming the same snapshot and the PRE_COMMIT_HOME
shared by the test run (and its xdist workers), where the environment is built once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.hook_snapshot import (
    has_modules,
    hook_config,
    hook_env,
    pre_commit,
    shared_hooks,
)
from tests.helpers.dvc_repos import commit, dvc, git, init_repo
from tests.helpers.validate_project import HEADER, SCHEMA, rows

CONFIG = "version: 1\ndata:\n  - path: data/*.csv\n    schema: schemas/s.yaml\n"
HOOK_DEPENDENCIES = [".[validate,parquet]"]  # the manifest's


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a committed snapshot of this repo, the run's shared PRE_COMMIT_HOME)."""
    return shared_hooks(tmp_path_factory)


def try_repo(repo: Path, hook: tuple[Path, Path]) -> subprocess.CompletedProcess[str]:
    snapshot, home = hook
    args = ["try-repo", str(snapshot), "mlgate-validate", "--all-files", "--verbose"]
    return pre_commit(repo, home, *args)


def run_hook(repo: Path, hook: tuple[Path, Path]) -> subprocess.CompletedProcess[str]:
    """`pre-commit run` with the snapshot as the hook repo; the environment is cached."""
    snapshot, home = hook
    if not (repo / ".pre-commit-config.yaml").is_file():
        (repo / ".pre-commit-config.yaml").write_text(hook_config(snapshot, "mlgate-validate"))
        commit(repo, "pre-commit config")
    return pre_commit(repo, home, "run", "mlgate-validate", "--all-files", "--verbose")


def consumer(root: Path, *, with_dvc: bool) -> Path:
    if with_dvc:
        init_repo(root)
    else:
        root.mkdir(parents=True)
        git(root, "init", "--quiet", "--initial-branch=main")
        git(root, "config", "user.name", "test")
        git(root, "config", "user.email", "test@example.invalid")
    (root / "schemas").mkdir()
    (root / "schemas" / "s.yaml").write_text(SCHEMA)
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / ".gitignore").write_text(".mlgate/\n")
    (root / "data").mkdir()
    return root


@pytest.mark.slow
def test_hook_through_try_repo(tmp_path: Path, hook_repo: tuple[Path, Path]) -> None:
    root = consumer(tmp_path / "repo", with_dvc=False)
    (root / "data" / "good.csv").write_text(HEADER + rows(10))
    (root / "data" / "bad.csv").write_text(HEADER + "1,1.5,a\n2,-7,a\n")
    (root / "notes.txt").write_text("not data")
    commit(root, "good and bad data")
    result = try_repo(root, hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "mlgate validate (data against Pandera schemas)" in result.stdout
    assert "- exit code: 1" in result.stdout
    assert "data/good.csv: ok — 10 rows" in result.stdout
    assert "data/bad.csv: FAIL" in result.stdout
    assert "x: in_range(0, 10) — 1 row — line 3: -7" in result.stdout


@pytest.mark.slow
def test_hook_on_data_in_git(tmp_path: Path, hook_repo: tuple[Path, Path]) -> None:
    root = consumer(tmp_path / "repo", with_dvc=False)
    (root / "data" / "good.csv").write_text(HEADER + rows(10))
    commit(root, "good data")
    good = run_hook(root, hook_repo)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    assert_light_hook_env(hook_repo)

    (root / "data" / "bad.csv").write_text(HEADER + "1,1.5,a\n2,-7,a\n")
    commit(root, "bad data")
    bad = run_hook(root, hook_repo)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "x: in_range(0, 10) — 1 row — line 3: -7" in bad.stdout


def assert_light_hook_env(hook: tuple[Path, Path]) -> None:
    """The hook's environment has the validate extra, and neither MLflow nor DVC."""
    env = hook_env(hook[1], hook[0], HOOK_DEPENDENCIES)
    names = ["pandera", "pandas", "pyarrow", "mlgate", "dvc", "mlflow"]
    found = has_modules(env, names)
    assert found == dict.fromkeys(names[:4], True) | dict.fromkeys(names[4:], False), found


@pytest.mark.slow
def test_hook_on_data_tracked_by_dvc(tmp_path: Path, hook_repo: tuple[Path, Path]) -> None:
    root = consumer(tmp_path / "repo", with_dvc=True)
    (root / "data" / "train.csv").write_text(HEADER + rows(10))
    dvc(root, "add", "data/train.csv")
    commit(root, "good data")
    good = run_hook(root, hook_repo)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "data/train.csv: ok" in good.stdout

    (root / "data" / "train.csv").write_text(HEADER + rows(3) + "3,1.5,zz\n")
    dvc(root, "add", "data/train.csv")
    commit(root, "bad data")
    bad = run_hook(root, hook_repo)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "label: isin(['a', 'b', 'c']) — 1 row — line 5: \"zz\"" in bad.stdout

    (root / "data" / "train.csv").unlink()  # a fresh clone: pointer only
    missing = run_hook(root, hook_repo)
    assert missing.returncode == 1, missing.stdout + missing.stderr  # pre-commit's own code
    assert "- exit code: 2" in missing.stdout
    assert "run `dvc pull`" in missing.stdout


PREPARE = """\
import sys
with open("data/train.csv", "w") as out:
    out.write("id,x,label\\n" + "".join(f"{i},{sys.argv[1]},a\\n" for i in range(5)))
"""


@pytest.mark.slow
def test_hook_on_a_pipeline_output_in_dvc_lock(
    tmp_path: Path, hook_repo: tuple[Path, Path]
) -> None:
    root = consumer(tmp_path / "repo", with_dvc=True)
    (root / "prepare.py").write_text(PREPARE)
    (root / "params.yaml").write_text("x: 1.5\n")
    (root / "dvc.yaml").write_text(
        f"stages:\n  prepare:\n    cmd: {sys.executable} prepare.py ${{x}}\n"
        "    deps: [prepare.py]\n    params: [x]\n    outs: [data/train.csv]\n"
    )
    dvc(root, "repro")
    commit(root, "pipeline")
    good = run_hook(root, hook_repo)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "data/train.csv: ok — 5 rows" in good.stdout

    (root / "params.yaml").write_text("x: 12.5\n")
    dvc(root, "repro")
    commit(root, "out of range")
    bad = run_hook(root, hook_repo)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "x: in_range(0, 10) — 5 rows" in bad.stdout
