"""The `mlgate-validate` hook through pre-commit itself, in tmp repos.

pre-commit builds the hook's environment from a git checkout of this repo: a snapshot of the
working tree (committed or not) is committed into a tmp repo first, so the hook under test is
the code under test. `pre-commit try-repo` always builds the environment in a new temporary
store (it ignores PRE_COMMIT_HOME), about a minute each time; so one test uses try-repo, and
the others use `pre-commit run` with a config naming the same snapshot and a PRE_COMMIT_HOME
shared by the session (and its xdist workers), where the environment is built once.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dvc_helpers import DVC_ENV, commit, dvc, git, init_repo
from tests.fixtures.hook_snapshot import snapshot
from tests.test_validate import HEADER, SCHEMA, rows

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
CONFIG = "version: 1\ndata:\n  - path: data/*.csv\n    schema: schemas/s.yaml\n"


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(a committed snapshot of this repo, the shared PRE_COMMIT_HOME)."""
    shared = tmp_path_factory.getbasetemp().parent / "mlgate-hook"
    yield snapshot(shared), shared / "pre-commit-home"


def _env(home: Path) -> dict[str, str]:
    env = {**DVC_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return env


def try_repo(repo: Path, hook: tuple[Path, Path]) -> subprocess.CompletedProcess[str]:
    snapshot, home = hook
    return subprocess.run(
        [*PRE_COMMIT, "try-repo", str(snapshot), "mlgate-validate", "--all-files", "--verbose"],
        cwd=repo,
        env=_env(home),
        capture_output=True,
        text=True,
        check=False,
    )


def run_hook(repo: Path, hook: tuple[Path, Path]) -> subprocess.CompletedProcess[str]:
    """`pre-commit run` with the snapshot as the hook repo; the environment is cached."""
    snapshot, home = hook
    if not (repo / ".pre-commit-config.yaml").is_file():
        rev = git(snapshot, "rev-parse", "HEAD").strip()
        (repo / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n    hooks:\n"
            "      - id: mlgate-validate\n"
        )
        commit(repo, "pre-commit config")
    with (home.parent / "run.lock").open("w") as lock:  # one environment build at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        return subprocess.run(
            [*PRE_COMMIT, "run", "mlgate-validate", "--all-files", "--verbose"],
            cwd=repo,
            env=_env(home),
            capture_output=True,
            text=True,
            check=False,
        )


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
    assert_light_hook_env(hook_repo[1])

    (root / "data" / "bad.csv").write_text(HEADER + "1,1.5,a\n2,-7,a\n")
    commit(root, "bad data")
    bad = run_hook(root, hook_repo)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "x: in_range(0, 10) — 1 row — line 3: -7" in bad.stdout


def assert_light_hook_env(home: Path) -> None:
    """The hook's environment has the validate extra, and neither MLflow nor DVC."""
    pythons = sorted(home.glob("repo*/py_env-*/bin/python"))
    assert pythons, f"no hook environment under {home}"
    probe = "import importlib.util as u; print([bool(u.find_spec(m)) for m in %r])"
    names = ["pandera", "pandas", "pyarrow", "mlgate", "dvc", "mlflow"]
    for python in pythons:
        found = subprocess.run(
            [str(python), "-c", probe % names], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert found == str([True, True, True, True, False, False]), (python, found)


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
