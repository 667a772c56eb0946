"""Running mlgate as a test does: in-process (the `mlgate` fixture) or as its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "wine"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


RunMlgate = Callable[..., Run]


def run_subprocess(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Run `python -m mlgate` as a user would, in its own process."""
    completed = subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)
