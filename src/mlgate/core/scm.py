"""git, through its command line: the one module that runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlgate.core.errors import ExternalError, InputError, MlgateError
from mlgate.core.paths import folder_shown

# A git command that hangs (a lock held by another process, a credential prompt, a slow
# network filesystem) must end in "no verdict" naming it, not at the CI job's timeout.
GIT_TIMEOUT_S = 120.0


def git(
    root: Path,
    *args: str,
    timeout_s: float = GIT_TIMEOUT_S,
    failure: type[MlgateError] = ExternalError,
) -> str:
    """Run `git args` in `root` and return its stdout. A hang is no verdict (exit 3); a failure
    raises `failure` (no verdict by default; the hooks make it the user's input to fix)."""
    if shutil.which("git") is None:
        raise InputError("git is not installed or not on PATH")
    completed = _bounded(root, *args, timeout_s=timeout_s)
    if completed.returncode != 0:
        stderr = completed.stderr.decode(errors="replace").strip()
        raise failure(f"`git {' '.join(args)}` failed in {folder_shown(root)}: {stderr}")
    return completed.stdout.decode(errors="replace")


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
    head = _asked(root, "rev-parse", "HEAD")
    return head.decode().strip() or None if head is not None else None


def tracked_changes(root: Path) -> bool | None:
    """Whether tracked files differ from HEAD (untracked ones aside: a local store, results);
    None when git cannot tell. The candidate's identity: does the commit describe the code and
    params that made the model?"""
    status = _asked(root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return bool(status.strip()) if status is not None else None


def has_changes(root: Path, *, ignore: Path | None = None) -> bool | None:
    """Whether the checkout at `root` differs from HEAD (changed, staged or untracked files),
    leaving out anything under `ignore`; None when git cannot tell."""
    # --no-optional-locks: this also runs inside git hooks, while git holds the index.
    status = _asked(
        root, "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"
    )
    top = _asked(root, "rev-parse", "--show-toplevel")
    if status is None or top is None:
        return None
    toplevel = Path(os.fsdecode(top.strip()))
    skip = ignore.resolve() if ignore is not None else None  # relative to the working dir
    for path in _status_paths(status):
        changed = (toplevel / path).resolve()
        if skip is None or not changed.is_relative_to(skip):
            return True
    return False


def is_tracked(path: Path) -> bool:
    """Whether git tracks the file at `path` (in its index); False outside a repo or without git."""
    listed = _asked(path.parent, "ls-files", "--error-unmatch", "--", path.name)
    return listed is not None


def is_shallow(root: Path) -> bool:
    """Whether the checkout is a shallow clone (older revisions missing); False when unsure."""
    return (_asked(root, "rev-parse", "--is-shallow-repository") or b"").strip() == b"true"


def _asked(root: Path, *args: str) -> bytes | None:
    """`git args`' stdout for a question only worth an answer: None when git is missing, fails
    or hangs."""
    if shutil.which("git") is None:
        return None
    try:
        completed = _bounded(root, *args)
    except MlgateError:
        return None
    return completed.stdout if completed.returncode == 0 else None


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
    require_revision(root, rev)
    shown = _bounded(root, "show", f"{rev}:./{path}")
    return shown.stdout if shown.returncode == 0 else None


def require_revision(root: Path, rev: str) -> None:
    """Refuse a `git:REV` that names no commit here: the user's input (exit 2)."""
    if shutil.which("git") is None:
        raise InputError("git is not installed or not on PATH")
    known = _bounded(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if known.returncode != 0:
        raise InputError(
            f"git:{rev}: no such revision in {folder_shown(root)} (fetched with enough depth?)"
        )


@dataclass(frozen=True)
class RevisionDiff:
    """Files under a folder (paths relative to it): held in git at a revision, tracked now, and
    differing between the two."""

    held: frozenset[str]
    tracked: frozenset[str]
    differing: frozenset[str]

    def differs(self, path: str) -> bool | None:
        """None when git held no such file at the revision (data kept by DVC) or does not
        track it now."""
        if path not in self.held or path not in self.tracked:
            return None
        return path in self.differing


def diff_from_revision(root: Path, rev: str) -> RevisionDiff:
    """Three git calls for the whole folder, whatever the number of files."""

    def names(command: str, *args: str) -> frozenset[str]:
        listed = git(root, command, "-z", *args, "--", ".")
        return frozenset(name for name in listed.split("\0") if name)

    return RevisionDiff(
        held=names("ls-tree", "-r", "--name-only", rev),
        tracked=names("ls-files"),
        differing=names("diff", "--name-only", "--relative", rev),
    )


def _bounded(
    root: Path, *args: str, timeout_s: float = GIT_TIMEOUT_S
) -> subprocess.CompletedProcess[bytes]:
    """`git args` whose exit code the caller reads; a hang is no verdict (exit 3).

    The one place mlgate starts git."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExternalError(
            f"`git {' '.join(args)}` in {folder_shown(root)} did not finish within "
            f"{timeout_s:g} s and was stopped"
        ) from exc
    except OSError as exc:
        raise InputError(f"cannot run git: {exc}") from exc
