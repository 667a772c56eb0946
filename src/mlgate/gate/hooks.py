"""Plain git hooks: what runs on commit and on push, and how the scripts get installed.

The scripts in the repo's `hooks/` folder (and what `mlgate hooks install` writes) are
one line each: they call `mlgate hooks pre-commit` / `mlgate hooks pre-push`, which run the
same checks as the pre-commit framework's hooks, each as its own `python -m mlgate` process
(its own exit code, its own output, no shared state).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlgate.core import scm
from mlgate.core.errors import ExitStatus, InputError

if TYPE_CHECKING:
    from mlgate.config import Config

MARKER = "# mlgate-hook:"
BLOCK_ENV = "MLGATE_COMPARE_BLOCK"
CONFIG_NAMES = ("mlgate.yaml", "mlgate.yml")

_SCRIPT = """\
#!/bin/sh
{marker} {name}
# {what}
# Installed by `mlgate hooks install`, or shared through `git config core.hooksPath hooks`.
# mlgate must be on PATH (or set MLGATE=/path/to/mlgate); skip once with `git {verb} --no-verify`.
mlgate="${{MLGATE:-mlgate}}"
if ! command -v "$mlgate" >/dev/null 2>&1; then
  echo "mlgate hook: '$mlgate' not found: pip install mlgate, or set MLGATE=/path/to/mlgate" >&2
  exit 1
fi
exec "$mlgate" hooks {name} -- "$@"
"""
SCRIPTS = {
    "pre-commit": _SCRIPT.format(
        marker=MARKER,
        name="pre-commit",
        verb="commit",
        what="Before a commit: mlgate.yaml is valid, staged data fits its schemas, "
        "dvc.lock is current.",
    ),
    "pre-push": _SCRIPT.format(
        marker=MARKER,
        name="pre-push",
        verb="push",
        what="Before a push: the workspace's metrics vs. the champion (advisory; "
        f"{BLOCK_ENV}=1 blocks a worse model).",
    ),
}

Log = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    """One check a hook runs: `mlgate <args>`."""

    label: str
    args: tuple[str, ...]


def git(root: Path, *args: str) -> str:
    """git for the hooks: a failure (not a repository, say) is the user's to fix (exit 2)."""
    return scm.git(root, *args, failure=InputError)


def repo_root(start: Path) -> Path:
    return Path(git(start, "rev-parse", "--show-toplevel").strip())


def staged_files(root: Path) -> list[str]:
    """Added, copied, modified or renamed files in the index (a deleted file has no check)."""
    out = git(root, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z")
    return [name for name in out.split("\0") if name]


def config_files(files: Sequence[str]) -> list[str]:
    return [name for name in files if Path(name).name in CONFIG_NAMES]


def pre_commit_steps(root: Path, files: Sequence[str], log: Log) -> tuple[ExitStatus, list[Step]]:
    """Check the staged mlgate.yaml files in-process, then say which commands the commit needs.

    Returns the config check's code and the steps; no steps when the repo has no valid
    mlgate.yaml at its root, or when it configures nothing that the files could touch.
    """
    code = ExitStatus.PASS
    if config_files(files):
        code = check_configs(config_files(files), log, root=root)
    config_path = root / "mlgate.yaml"
    if not config_path.is_file() or not files:
        return code, []
    from mlgate.config import require_config
    from mlgate.core.errors import MlgateError

    try:
        config = require_config(config_path)
    except MlgateError as exc:
        if not config_files(files):  # not reported above: say why nothing else was checked
            log(f"mlgate: error: {exc}")
        return ExitStatus.worst([code, exc.exit_code]), []
    steps = []
    # A step runs only when a staged file concerns it, so that a commit touching no data and no
    # pipeline file costs no process and prints nothing, as pre-commit's own hooks do.
    # `--`: a staged file named `--help` is a file, not an option that ends the check
    if config.data and _concerns_data(config, root, files):
        steps.append(Step("validate", ("validate", "--", *files)))
    if (root / "dvc.yaml").is_file() and _concerns_pipeline(root, files):
        steps.append(Step("dvc.lock", ("repro", "--check", "--", *files)))
    return code, steps


def _concerns_data(config: Config, root: Path, files: Sequence[str]) -> bool:
    """A staged file matches a `data:` glob (or is a DVC file standing for data); when that
    cannot be told here, validate decides and reports."""
    from mlgate.core.errors import MlgateError
    from mlgate.validate import plan_from_config

    try:
        plan = plan_from_config(config, tuple(root / name for name in files))
    except MlgateError:
        return True
    return bool(plan.targets or plan.unavailable)  # data not pulled: validate says `dvc pull`


def _concerns_pipeline(root: Path, files: Sequence[str]) -> bool:
    from mlgate.repro import touches_pipeline

    return touches_pipeline(root, files)


def run_steps(root: Path, steps: Sequence[Step], log: Log) -> ExitStatus:
    codes = []
    for step in steps:
        argv = [sys.executable, "-m", "mlgate", *step.args]
        completed = subprocess.run(argv, cwd=root, check=False)
        if completed.returncode != ExitStatus.PASS:
            log(f"mlgate hook: {step.label}: exit {completed.returncode}")
        codes.append(completed.returncode)
    return ExitStatus.worst(codes)


def pre_commit(start: Path, files: Sequence[str] | None, log: Log) -> ExitStatus:
    root = repo_root(start)
    chosen = list(files) if files else staged_files(root)
    code, steps = pre_commit_steps(root, chosen, log)
    return ExitStatus.worst([code, run_steps(root, steps, log)])


def block_requested(flag: bool) -> bool:
    return flag or os.environ.get(BLOCK_ENV, "").lower() in ("1", "true", "yes")


def pre_push(start: Path, *, block: bool, log: Log) -> ExitStatus:
    """The workspace's metrics against the champion. Advisory (exit 0) unless blocking is asked."""
    root = repo_root(start)
    if not (root / "mlgate.yaml").is_file():
        log("mlgate hook: no mlgate.yaml here; nothing to compare")
        return ExitStatus.PASS
    # --no-log: a laptop's comparison is not a decision worth recording on an MLflow run.
    code = run_steps(root, [Step("compare", ("compare", "--no-log"))], log)
    if code == ExitStatus.PASS or block_requested(block):
        return code
    log(
        f"mlgate hook: compare exited {code}; advisory, the push goes on "
        f"(pass --block or set {BLOCK_ENV}=1 to block it)"
    )
    return ExitStatus.PASS


@dataclass(frozen=True)
class Installed:
    directory: Path
    written: tuple[Path, ...]
    hooks_path: str | None  # what `core.hooksPath` was set to, as git stores it


def install(start: Path, *, hooks_path: Path | None, force: bool) -> Installed:
    """Write the hook scripts into the repo's hooks folder, or into `hooks_path` and point
    `core.hooksPath` at it (a folder committed for the whole team).

    A hook that is not mlgate's (say, the pre-commit framework's) is kept unless `force`.
    """
    root = repo_root(start)
    if hooks_path is None:
        directory = Path(git(root, "rev-parse", "--git-path", "hooks").strip())
        directory = directory if directory.is_absolute() else root / directory
    else:
        directory = hooks_path if hooks_path.is_absolute() else root / hooks_path
    for name in SCRIPTS:
        target = directory / name
        if target.exists() and not force and MARKER not in target.read_text(errors="replace"):
            raise InputError(
                f"{target}: a {name} hook that is not mlgate's is installed; keep it and call "
                f"`mlgate hooks {name}` from it, or replace it with --force"
            )
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in SCRIPTS.items():
        target = directory / name
        target.write_text(text, encoding="utf-8")
        target.chmod(0o755)
        written.append(target)
    configured = None
    if hooks_path is not None:
        relative = directory.relative_to(root) if directory.is_relative_to(root) else directory
        configured = str(relative)
        git(root, "config", "core.hooksPath", configured)
    return Installed(directory, tuple(written), configured)


def check_configs(files: Sequence[str], log: Log, *, root: Path | None = None) -> ExitStatus:
    """Load each mlgate.yaml among `files` (all of them when none is named so): every error
    with its file, line and key, then exit 2 if there was any."""
    from mlgate.config import require_config
    from mlgate.core.errors import MlgateError

    code = ExitStatus.PASS
    for name in config_files(files) or files:
        path = Path(name) if root is None else root / name
        try:
            config = require_config(path)
        except MlgateError as exc:
            log(f"mlgate: error: {exc}")
            log(f"mlgate hook: config {name}: exit {exc.exit_code}")
            code = ExitStatus.worst([code, exc.exit_code])
            continue
        for message in config.warnings:
            log(f"warning: {message}")
    return code
