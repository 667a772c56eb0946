"""git, through its command line: the one module that runs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mlgate.errors import ExternalError, InputError


def git(root: Path, *args: str) -> str:
    """Run `git args` in `root` and return its stdout; a failure is no verdict (exit 3)."""
    if shutil.which("git") is None:
        raise InputError("git is not installed or not on PATH")
    completed = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise ExternalError(f"`git {' '.join(args)}` failed in {root}: {completed.stderr.strip()}")
    return completed.stdout


def init_repo(root: Path) -> None:
    """A new repo with a local identity, so commits work on machines without a global one."""
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "mlgate demo")
    git(root, "config", "user.email", "demo@mlgate.invalid")


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def current_commit(root: Path) -> str | None:
    """HEAD's SHA, or None outside a git checkout (or without git): it is only informative."""
    if shutil.which("git") is None:
        return None
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    return completed.stdout.strip() or None if completed.returncode == 0 else None


def is_dirty(root: Path) -> bool | None:
    """Whether tracked files differ from HEAD; None outside a git checkout (or without git)."""
    if shutil.which("git") is None:
        return None
    completed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(completed.stdout.strip()) if completed.returncode == 0 else None
