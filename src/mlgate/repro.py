"""DVC: the one module that runs it.

Stages run through the `dvc` command line (in this Python, `python -m dvc`) rather than
`dvc.repo.Repo.reproduce`: the CLI gives each stage's real output and exit code, and a
crashing stage cannot take mlgate's process down with it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mlgate.errors import ExternalError, InputError, MissingExtra

OUTPUT_TAIL_LINES = 20


@dataclass(frozen=True)
class DvcRun:
    args: tuple[str, ...]
    output: str


def dvc(root: Path, *args: str, bin_dir: Path | None = None) -> DvcRun:
    """Run `dvc args` in `root`; a non-zero exit is no verdict (exit 3) with DVC's last lines.

    `bin_dir` goes first on PATH, so that stage commands such as `python` resolve there.
    """
    if importlib.util.find_spec("dvc") is None:
        raise MissingExtra("dvc", "dvc")
    completed = subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=root,
        env=_dvc_env(bin_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stdout.strip().splitlines()[-OUTPUT_TAIL_LINES:])
        raise ExternalError(
            f"`dvc {' '.join(args)}` failed in {root} (exit {completed.returncode}):\n{tail}"
        )
    return DvcRun(args=args, output=completed.stdout)


def init(root: Path) -> None:
    dvc(root, "init", "--quiet")


def reproduce(root: Path, bin_dir: Path | None = None) -> DvcRun:
    if not (root / "dvc.yaml").is_file():
        raise InputError(f"{root}: no dvc.yaml here, so there is no pipeline to reproduce")
    return dvc(root, "repro", bin_dir=bin_dir)


def _dvc_env(bin_dir: Path | None) -> dict[str, str]:
    # DVC's usage analytics would phone home on every call; CI and laptops may be offline.
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    if bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return env
