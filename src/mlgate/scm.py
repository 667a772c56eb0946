"""git, through its command line: the one module that runs it."""

from __future__ import annotations

import os
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


def tracked_changes(root: Path) -> bool | None:
    """Whether tracked files differ from HEAD (untracked ones aside: a local store, results);
    None when git cannot tell. The candidate's identity: does the commit describe the code and
    params that made the model?"""
    if shutil.which("git") is None:
        return None
    completed = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return bool(completed.stdout.strip()) if completed.returncode == 0 else None


def has_changes(root: Path, *, ignore: Path | None = None) -> bool | None:
    """Whether the checkout at `root` differs from HEAD (changed, staged or untracked files),
    leaving out anything under `ignore`; None when git cannot tell."""
    if shutil.which("git") is None:
        return None
    # --no-optional-locks: this also runs inside git hooks, while git holds the index.
    completed = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, check=False
    )
    if completed.returncode != 0 or top.returncode != 0:
        return None
    toplevel = Path(os.fsdecode(top.stdout.strip()))
    skip = ignore.resolve() if ignore is not None else None  # relative to the working dir
    for path in _status_paths(completed.stdout):
        changed = (toplevel / path).resolve()
        if skip is None or not changed.is_relative_to(skip):
            return True
    return False


def _status_paths(output: bytes) -> list[str]:
    """The paths of `git status --porcelain=v1 -z`; a rename's entry is followed by its source."""
    fields = output.split(b"\0")
    paths = []
    index = 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.append(os.fsdecode(entry[3:]))
        if b"R" in entry[:2] or b"C" in entry[:2]:
            paths.append(os.fsdecode(fields[index]))
            index += 1
    return paths


def file_at_revision(root: Path, rev: str, path: str) -> bytes | None:
    """The bytes `path` (relative to `root`) held in git at `rev`; None when git had no such
    file there. An unknown revision is the user's input (exit 2)."""
    if shutil.which("git") is None:
        raise InputError("git is not installed or not on PATH")
    known = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        raise InputError(f"git:{rev}: no such revision in {root} (fetched with enough depth?)")
    shown = subprocess.run(
        ["git", "show", f"{rev}:./{path}"], cwd=root, capture_output=True, check=False
    )
    return shown.stdout if shown.returncode == 0 else None
