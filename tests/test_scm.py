"""The one git runner: a git command that hangs ends in no verdict naming it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mlgate.core import scm
from mlgate.core.errors import ExternalError


def test_a_hung_git_command_is_stopped_and_named(tmp_path: Path) -> None:
    scm.init_repo(tmp_path)
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nsleep 30\n")  # git waits on its hook, as on a held lock
    hook.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(ExternalError, match=r"`git commit --allow-empty -m x` .* within 1 s"):
        scm.git(tmp_path, "commit", "--allow-empty", "-m", "x", timeout_s=1)
    assert time.monotonic() - started < 20
