"""Paths as a reader of the repository knows them: `data/train.csv`, wherever mlgate ran.

Reports, annotations and result files name files relative to the git repository's top level:
GitHub attaches an annotation only to a repo-relative path, and a reviewer knows the repo's own
names, not the folder a job happened to run in (`my-demo/data/train.csv`, or an absolute path).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def repo_relative(path: Path | str, base: Path | None = None) -> str:
    """`path` relative to the top level of the git repository holding it (POSIX separators);
    outside a repository relative to `base` (the config's folder) or, without one, to the
    current folder; absolute only when it lies outside all of them."""
    given = Path.cwd() / path  # absolute, symlinks kept
    # The folder resolved, not the file: a DVC-linked data file resolves into the cache.
    resolved = given.parent.resolve() / given.name
    top = git_toplevel(resolved.parent)
    for folder in (top, base, Path.cwd()):
        if folder is None:
            continue
        anchor = folder.resolve()
        if resolved.is_relative_to(anchor):
            return resolved.relative_to(anchor).as_posix() or "."
    return resolved.as_posix()


@lru_cache(maxsize=256)
def git_toplevel(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` with a `.git` (a directory, or the file a
    worktree or submodule has); None outside any. Read from the file system: no git process
    per path."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None
