"""Running DVC: the `dvc` process and `dvc.repo.Repo`, with DVC's errors made mlgate's.

Stages run through the `dvc` command line (in this Python, `python -m dvc`) rather than
`dvc.repo.Repo.reproduce`: the CLI gives each stage's real output and exit code, and a
crashing stage cannot take mlgate's process down with it. Metrics, params and the stale-lock
check use `dvc.repo.Repo` in-process instead: those are structured answers (per file, per
key, errors as values) that the CLI would only give us as text to re-parse.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.core.errors import ExternalError, InputError, MissingExtra, MlgateError
from mlgate.core.paths import folder_shown

OUTPUT_TAIL_LINES = 20
Log = Callable[[str], None]

# Every `dvc`/`git` command mlgate runs has a deadline, so a hung remote or lock ends in
# "no verdict" naming it, not at the CI job's timeout. Stage commands (`dvc repro`) have none:
# training takes what it takes, and the CI job bounds it.
QUICK_TIMEOUT_S = 120.0  # local commands: config, remote, init, checkout, git rev-parse
TRANSFER_TIMEOUT_ENV = "MLGATE_DVC_TIMEOUT"
DEFAULT_TRANSFER_TIMEOUT_S = 1800.0  # `dvc pull`: data can be large


@dataclass(frozen=True)
class DvcRun:
    args: tuple[str, ...]
    output: str


def dvc(root: Path, *args: str, timeout_s: float = QUICK_TIMEOUT_S) -> DvcRun:
    """Run `dvc args` in `root`; a non-zero exit is no verdict (exit 3) with DVC's last lines."""
    completed = run_dvc(root, args, timeout_s=timeout_s)
    if completed.returncode != 0:
        raise ExternalError(
            f"`dvc {' '.join(args)}` failed in {folder_shown(root)} "
            f"(exit {completed.returncode}):\n"
            f"{tail(completed.stdout)}"
        )
    return DvcRun(args=args, output=completed.stdout)


def run_dvc(
    root: Path,
    args: Sequence[str],
    *,
    timeout_s: float = QUICK_TIMEOUT_S,
    waiting_on: Callable[[], str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m dvc args`, killed after `timeout_s`: then no verdict naming `waiting_on()`."""
    require_dvc()
    try:
        return subprocess.run(
            [sys.executable, "-m", "dvc", *args],
            cwd=root,
            env=dvc_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired as exc:
        partial = exc.output or ""  # what it printed so far: bytes on POSIX, even with text=True
        if isinstance(partial, bytes):
            partial = partial.decode(errors="replace")
        waited = f"; it was waiting on {waiting_on()}" if waiting_on else ""
        raise ExternalError(
            f"`dvc {' '.join(args)}` in {folder_shown(root)} did not finish within "
            f"{timeout_s:g} s and was stopped{waited}"
            + (f":\n{tail(partial)}" if partial.strip() else "")
        ) from exc


def transfer_timeout_s() -> float:
    """Seconds a `dvc pull` may take: `MLGATE_DVC_TIMEOUT`, else 30 minutes."""
    return _timeout_from_env(DEFAULT_TRANSFER_TIMEOUT_S)


def revision_timeout_s() -> float:
    """Seconds reading a revision's metrics may take (a few small files, perhaps from the DVC
    remote): `MLGATE_DVC_TIMEOUT`, else 2 minutes."""
    return _timeout_from_env(QUICK_TIMEOUT_S)


def _timeout_from_env(default_s: float) -> float:
    raw = os.environ.get(TRANSFER_TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return default_s
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise InputError(
            f"{TRANSFER_TIMEOUT_ENV}={raw!r}: give the seconds mlgate waits on a DVC remote, "
            "a positive number"
        )
    return value


def remote_description(root: Path) -> str:
    """`the DVC remote 'storage'` (the default one), for messages; never its URL (credentials)."""
    try:
        with open_repo(root) as repo:
            name = repo.config["core"].get("remote")
    except MlgateError:
        name = None
    return f"the DVC remote {name!r}" if name else "the DVC remote"


def pulling_from(root: Path) -> str:
    """What a `dvc pull` that timed out was waiting on."""
    return f"{remote_description(root)} (raise {TRANSFER_TIMEOUT_ENV} for large data)"


def tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def require_dvc() -> None:
    if importlib.util.find_spec("dvc") is None:
        raise MissingExtra("dvc", "dvc")


def init(root: Path) -> None:
    dvc(root, "init", "--quiet")


def in_dvc_repository(root: Path) -> bool:
    """`root` is in a DVC repository: it, or a folder above it, holds `.dvc/`."""
    return any((parent / ".dvc").is_dir() for parent in (root, *root.parents))


def require_pipeline(root: Path) -> None:
    """`root` holds dvc.yaml inside a DVC repository, or an input error that says what to do."""
    if not in_dvc_repository(root):
        raise InputError(
            f"{folder_shown(root)}: not a DVC repository (run `dvc init`, or cd into one)"
        )
    if not (root / "dvc.yaml").is_file():
        raise InputError(
            f"{folder_shown(root)}: no dvc.yaml here, so there is no pipeline to reproduce "
            "(run mlgate from the folder that holds dvc.yaml)"
        )


def dvc_env(bin_dir: Path | None = None) -> dict[str, str]:
    # DVC's usage analytics would phone home on every call; CI and laptops may be offline.
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    if bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return env


def open_repo(root: Path) -> Any:
    """`dvc.repo.Repo(root)` with DVC's errors made mlgate's; use it as a context manager."""
    require_dvc()
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    from dvc.exceptions import DvcException, NotDvcRepoError
    from dvc.repo import Repo

    try:
        return Repo(str(root))
    except NotDvcRepoError as exc:
        raise InputError(f"{folder_shown(root)}: not a DVC repository (run `dvc init`)") from exc
    except DvcException as exc:
        raise InputError(f"{folder_shown(root)}: DVC cannot load this repository: {exc}") from exc


def dvc_message(exc: BaseException) -> str:
    """DVC's message with the cause it wraps (a YAML or schema error says where), on one line."""
    message = str(exc)
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in message:
        message += f" ({' '.join(str(cause).split())})"
    if "dvc.lock" in message and "validation failed" in message:
        message += (
            "; a dvc.lock without `schema: '2.0'` was written by DVC 1.x, whose layout this DVC "
            "no longer reads"
        )
    return message
