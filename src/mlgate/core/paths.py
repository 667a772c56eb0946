"""Paths as a reader of the repository knows them: `data/train.csv`, wherever mlgate ran.

Reports, annotations and result files name files relative to the git repository's top level:
GitHub attaches an annotation only to a repo-relative path, and a reviewer knows the repo's own
names, not the folder a job happened to run in (`my-demo/data/train.csv`, or an absolute path).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath

from mlgate.core import yamlio
from mlgate.core.errors import InputError

OUTSIDE = (
    "is outside the folder that holds the config ({how}); paths in the config are "
    "relative to it and stay inside it"
)


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


def folder_relative(folder: Path) -> str:
    """A folder relative to the top level of the git repository holding it (`.` for the top,
    `ml` for a pipeline in a monorepo); outside one, relative to the current folder; else its
    name alone, never the absolute path a job ran in."""
    resolved = (Path.cwd() / folder).resolve()
    for anchor in (git_toplevel(resolved), Path.cwd().resolve()):
        if anchor is not None and resolved.is_relative_to(anchor):
            return resolved.relative_to(anchor).as_posix() or "."
    return resolved.name


def folder_shown(folder: Path) -> str:
    """A folder as a message names it: `./` for the repository's top level, `ml/` below it."""
    relative = folder_relative(folder)
    return "./" if relative == "." else f"{relative}/"


@lru_cache(maxsize=256)
def git_toplevel(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` with a `.git` (a directory, or the file a
    worktree or submodule has); None outside any. Read from the file system: no git process
    per path."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def leaves_folder(value: str, root: Path) -> str | None:
    """How the config path `value` (a file, a folder or a glob, relative to `root`) leads out
    of `root`, or None when it stays inside: an absolute path, `..` climbing out, or a
    symbolic link on the way that leads out (read or uploaded, it would be a file outside the
    repository)."""
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute():
        return "an absolute path"
    if os.path.normpath(value).replace("\\", "/").split("/")[0] == "..":
        return "`..` climbs out of it"
    if not (root / value).resolve().is_relative_to(root.resolve()):
        return "a symbolic link leads out of it"
    return None


def confined(path: Path, root: Path, where: str) -> Path:
    """`path` (a file found on disk, under `root`) resolved, or InputError naming `where` (the
    config's file, line and key) when a symbolic link leads it out of `root`. Where the link
    leads is not shown: it is outside the repository."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        shown = yamlio.excerpt(repo_relative(path, root))
        how = "a symbolic link leads out of it"
        raise InputError(f"{where}: {shown} {OUTSIDE.format(how=how)}")
    return resolved
