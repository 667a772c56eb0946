"""Where mlgate may write: never over what a command reads, nor over a versioned file.

`mlgate profile d.csv -o d.csv` once replaced the data with its profile, and `--results-dir`
pointed at a folder of tracked files would replace them with result envelopes. Every option
that names where mlgate writes (`-o`/`--output`, `--results-dir`, MLGATE_RESULTS_DIR) goes
through `require_writable` before anything is written: a file that is one of the command's
inputs, or that git or DVC tracks and is not mlgate's own kind of file, is refused (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from mlgate.core.errors import InputError
from mlgate.core.paths import repo_relative

# Recognises a file mlgate itself writes at that place (a result, a report, a profile):
# rewriting it is what the option is for, even when the team commits it.
Recogniser = Callable[[Path], bool]


def require_writable(
    target: Path, *, option: str, inputs: Iterable[Path] = (), own: Recogniser | None = None
) -> None:
    """Refuse (InputError) to write `target` when it resolves (links, `..`, letter case on a
    case-insensitive disk) to one of `inputs`, or to a file under version control that `own`
    does not recognise as mlgate's."""
    resolved = target.resolve()
    shown = repo_relative(target)
    for given in inputs:
        if _same_file(resolved, given):
            raise InputError(
                f"{option} {shown}: that is {repo_relative(given)}, which this command reads; "
                "mlgate never writes over its input (choose another path)"
            )
    if not resolved.is_file() or (own is not None and own(resolved)):
        return
    versioned = _version_control(resolved)
    if versioned is not None:
        raise InputError(
            f"{option} {shown}: {versioned} tracks that file and it is not one mlgate wrote; "
            "mlgate does not write over versioned files (choose another path)"
        )


def require_results_dir_writable(directory: Path, names: Iterable[str], *, option: str) -> None:
    """`require_writable` for each result file a command may write into `directory`."""
    for name in names:
        require_writable(directory / name, option=option, own=is_result_file)


def is_result_file(path: Path) -> bool:
    """An mlgate result envelope (`<command>.json`) or report (`report.md`)."""
    return is_report_file(path) if path.suffix == ".md" else _starts_with(path, b'{\n  "mlgate": ')


def is_report_file(path: Path) -> bool:
    """A report `mlgate report` wrote. Recognised by how mlgate starts the file (a prefix, not a
    parse: a tracked file at that place may be large)."""
    return _starts_with(path, b"## mlgate: ")


def is_profile_file(path: Path) -> bool:
    """A profile `mlgate profile` wrote (it starts with its format marker)."""
    return _starts_with(path, b'{"mlgate_profile":')


def distinct_inputs(paths: Iterable[Path]) -> list[Path]:
    """`paths` with each file once, in first-seen order: `mlgate profile d.csv d.csv` or two
    globs matching one file must not count its rows twice."""
    seen: set[tuple[int, int] | str] = set()
    kept = []
    for path in paths:
        key = _identity(path)
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


def _identity(path: Path) -> tuple[int, int] | str:
    try:
        stat = path.stat()
    except OSError:
        return os.path.normcase(str(path.resolve()))
    return (stat.st_dev, stat.st_ino)


def _same_file(resolved: Path, given: Path) -> bool:
    try:
        return resolved.samefile(given)  # hard links, case-insensitive disks
    except OSError:  # one of them does not exist (yet)
        return os.path.normcase(str(resolved)) == os.path.normcase(str(given.resolve()))


def _version_control(path: Path) -> str | None:
    """ "git" or "DVC" when that tracks `path`, else None."""
    from mlgate.core import scm

    if scm.is_tracked(path):
        return "git"
    return "DVC" if _dvc_tracked(path) else None


def _dvc_tracked(path: Path) -> bool:
    """A DVC file itself, an output a `.dvc` file records (the file or a folder above it), or
    an output of a stage in a dvc.yaml of a folder above it, up to the repository's top."""
    from mlgate.data import dvcfiles

    if path.suffix == ".dvc" or path.name in (dvcfiles.DVC_YAML, dvcfiles.DVC_LOCK):
        return True
    held = path
    for folder in path.parents:
        stage_yaml = folder / dvcfiles.DVC_YAML
        if (folder / f"{held.name}.dvc").is_file() or _stage_output(stage_yaml, path):
            return True
        if (folder / ".dvc").is_dir() or (folder / ".git").exists():
            return False  # the repository's top: no DVC file above it belongs to it
        held = folder
    return False


def _stage_output(dvc_yaml: Path, path: Path) -> bool:
    from mlgate.data import dvcfiles

    try:
        pipeline = dvcfiles.read_pipeline(dvc_yaml)
    except InputError:
        return False  # a broken dvc.yaml is for `repro` to report, not a reason here
    outs = {(dvc_yaml.parent / out).resolve() for out in pipeline.outs} if pipeline else set()
    return any(out == path or out in path.parents for out in outs)


def _starts_with(path: Path, prefix: bytes) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(prefix)) == prefix
    except OSError:
        return False
