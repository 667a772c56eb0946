"""Plain git hooks (hooks/, `mlgate hooks install`) driven by real `git commit` and `git push`
in tmp repos, with a tiny DVC pipeline whose metrics are whatever params.yaml says.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.gate import BLOCK_ENV, MARKER, SCRIPTS
from tests.helpers.cli import REPO_ROOT, RunMlgate
from tests.helpers.dvc_repos import DVC_ENV, commit, dvc, git, metrics_pipeline, set_params

CONFIG = """\
version: 1
metrics: {candidate: dvc, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""
TYPO = CONFIG.replace("max_regression", "max_regresion")


def hook_env() -> dict[str, str]:
    """What a developer's shell has: mlgate on PATH (this venv's)."""
    env = {**DVC_ENV, "NO_COLOR": "1"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for key in ("GITHUB_ACTIONS", "MLGATE_RESULTS_DIR", BLOCK_ENV):
        env.pop(key, None)
    return env


def run_git(repo: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**hook_env(), **extra},
        capture_output=True,
        text=True,
        check=False,
    )


def commit_with_hooks(repo: Path, message: str) -> None:
    run_git(repo, "add", "--all")
    committed = run_git(repo, "commit", "--quiet", "-m", message)
    assert committed.returncode == 0, committed.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "baseline.json").write_text(json.dumps({"accuracy": 0.9, "log_loss": 0.3}))
    (root / ".gitignore").write_text(".mlgate/\n")
    dvc(root, "repro", "--quiet")
    commit(root, "pipeline")
    return root


def test_the_repo_hooks_folder_is_what_install_writes() -> None:
    for name, text in SCRIPTS.items():
        path = REPO_ROOT / "hooks" / name
        assert path.read_text(encoding="utf-8") == text
        assert os.access(path, os.X_OK)


def test_install_then_git_commit_runs_the_checks(repo: Path, mlgate: RunMlgate) -> None:
    installed = mlgate("hooks", "install", cwd=repo)
    assert installed.code == 0, installed.err
    for name in ("pre-commit", "pre-push"):
        script = repo / ".git" / "hooks" / name
        assert MARKER in script.read_text() and os.access(script, os.X_OK)

    (repo / "mlgate.yaml").write_text(TYPO)
    run_git(repo, "add", "mlgate.yaml")
    refused = run_git(repo, "commit", "-m", "typo")
    assert refused.returncode != 0
    assert "did you mean 'max_regression'" in refused.stderr
    assert "mlgate hook: config mlgate.yaml: exit 2" in refused.stderr
    assert "validate" not in refused.stderr  # nothing else runs on a broken config

    (repo / "mlgate.yaml").write_text(CONFIG.replace("0.01", "0.02"))
    run_git(repo, "add", "mlgate.yaml")
    accepted = run_git(repo, "commit", "-m", "looser gate")
    assert accepted.returncode == 0, accepted.stderr


def test_a_stale_dvc_lock_blocks_the_commit(repo: Path, mlgate: RunMlgate) -> None:
    assert mlgate("hooks", "install", cwd=repo).code == 0
    set_params(repo, accuracy=0.95, log_loss=0.3)  # params changed, `dvc repro` not run
    run_git(repo, "add", "params.yaml")
    stale = run_git(repo, "commit", "-m", "stale")
    assert stale.returncode != 0
    assert "mlgate hook: dvc.lock: exit 1" in stale.stderr
    dvc(repo, "repro", "--quiet")
    run_git(repo, "add", "--all")
    fresh = run_git(repo, "commit", "-m", "reproduced")
    assert fresh.returncode == 0, fresh.stderr


def test_a_staged_file_named_like_an_option_does_not_switch_the_hook_off(
    repo: Path, mlgate: RunMlgate
) -> None:
    assert mlgate("hooks", "install", cwd=repo).code == 0
    set_params(repo, accuracy=0.95, log_loss=0.3)  # params changed, `dvc repro` not run
    (repo / "--help").write_text("a file, not an option\n")
    run_git(repo, "add", "--", "--help", "params.yaml")
    stale = run_git(repo, "commit", "-m", "stale, with a file named --help")
    assert stale.returncode != 0, stale.stderr
    assert "mlgate hook: dvc.lock: exit 1" in stale.stderr
    assert "Usage:" not in stale.stdout + stale.stderr


def test_pre_commit_entries_end_their_options_before_the_file_names(repo: Path) -> None:
    """Each hook that pre-commit hands file names runs, with a file named `--help`, as
    pre-commit runs it: `entry`, then the names."""
    import yaml

    (repo / "--help").write_text("a file, not an option\n")
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    with_files = [hook for hook in manifest if hook.get("pass_filenames", True)]
    ids = {hook["id"] for hook in with_files}
    assert ids == {"mlgate-validate", "mlgate-dvc-lock", "mlgate-config"}
    for hook in with_files:
        assert hook["entry"].endswith(" --"), hook["id"]
        ran = subprocess.run(
            [*shlex.split(hook["entry"]), "--help", "mlgate.yaml"],
            cwd=repo,
            env=hook_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Usage:" not in ran.stdout + ran.stderr, hook["id"]


def test_a_commit_that_concerns_no_check_is_silent(repo: Path, mlgate: RunMlgate) -> None:
    assert mlgate("hooks", "install", cwd=repo).code == 0
    (repo / "notes.txt").write_text("not data, not a stage's dependency\n")
    run_git(repo, "add", "notes.txt")
    quiet = run_git(repo, "commit", "-m", "notes")
    assert quiet.returncode == 0, quiet.stderr
    assert "mlgate" not in quiet.stderr + quiet.stdout
    assert "nothing to" not in quiet.stderr + quiet.stdout


def test_hooks_path_install_is_shared_through_core_hookspath(repo: Path, mlgate: RunMlgate) -> None:
    result = mlgate("hooks", "install", "--hooks-path", "hooks", cwd=repo)
    assert result.code == 0, result.err
    assert git(repo, "config", "core.hooksPath").strip() == "hooks"
    assert "git config core.hooksPath hooks\n" in result.out  # what git holds, not a full path
    for name, text in SCRIPTS.items():
        assert (repo / "hooks" / name).read_text() == text
    (repo / "mlgate.yaml").write_text(TYPO)
    run_git(repo, "add", "--all")
    assert run_git(repo, "commit", "-m", "typo").returncode != 0


def test_install_keeps_a_hook_that_is_not_mlgates(repo: Path, mlgate: RunMlgate) -> None:
    theirs = repo / ".git" / "hooks" / "pre-commit"
    theirs.write_text("#!/bin/sh\n# pre-commit framework\nexit 0\n")
    refused = mlgate("hooks", "install", cwd=repo)
    assert refused.code == 2
    assert "not mlgate's" in refused.err and "--force" in refused.err
    assert "framework" in theirs.read_text()
    assert mlgate("hooks", "install", "--force", cwd=repo).code == 0
    assert MARKER in theirs.read_text()


def test_pre_push_is_advisory_unless_asked_to_block(tmp_path: Path, repo: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "config", "core.hooksPath", str(REPO_ROOT / "hooks"))  # the shipped scripts

    set_params(repo, accuracy=0.8, log_loss=0.3)  # worse than the baseline's 0.9
    dvc(repo, "repro", "--quiet")
    commit_with_hooks(repo, "worse")
    advisory = run_git(repo, "push", "origin", "main")
    assert advisory.returncode == 0, advisory.stderr
    assert "advisory, the push goes on" in advisory.stderr
    assert "accuracy" in advisory.stdout + advisory.stderr

    blocked = run_git(repo, "push", "origin", "HEAD:refs/heads/other", **{BLOCK_ENV: "1"})
    assert blocked.returncode != 0
    assert "mlgate hook: compare: exit 1" in blocked.stderr

    set_params(repo, accuracy=0.95, log_loss=0.3)
    dvc(repo, "repro", "--quiet")
    commit_with_hooks(repo, "better")
    passed = run_git(repo, "push", "origin", "main", **{BLOCK_ENV: "1"})
    assert passed.returncode == 0, passed.stderr


def test_a_hook_step_killed_by_a_signal_is_no_verdict(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OOM killer ends the compare step (-9): the blocking hook exits 3, never the -9 that
    the shell would read as 247, a code outside the contract."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet")
    (root / "mlgate.yaml").write_text(CONFIG)
    # Every new Python process (the hook's `python -m mlgate compare`) kills itself at startup.
    killer = tmp_path / "killer"
    killer.mkdir()
    (killer / "sitecustomize.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(killer), os.environ.get("PYTHONPATH", "")])
    )
    killed = mlgate("hooks", "pre-push", "--block", cwd=root)
    assert "mlgate hook: compare: exit -9" in killed.err
    assert killed.code == 3


def test_a_hook_without_mlgate_on_path_says_how_to_get_it(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", str(REPO_ROOT / "hooks"))
    (repo / "notes.txt").write_text("hello")
    run_git(repo, "add", "notes.txt")
    refused = run_git(repo, "commit", "-m", "notes", PATH="/usr/bin:/bin", MLGATE="no-such-mlgate")
    assert refused.returncode != 0
    assert "mlgate hook: 'no-such-mlgate' not found: pip install mlgate" in refused.stderr
