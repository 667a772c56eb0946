"""Where the npm tools of scripts/install-node-tools.sh are, for the GitHub tests.

Without them a test skips and says how to install them; with MLGATE_REQUIRE_NODE_TOOLS=1
(scripts/test.sh sets it after installing) a missing tool fails the test instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = (
    Path(os.environ.get("MLGATE_NODE_TOOLS", REPO_ROOT / ".node-tools")).resolve() / "node_modules"
)


def require(relative: str) -> Path:
    """The installed file or folder `node_modules/<relative>`, or skip (fail in CI)."""
    path = NODE_MODULES / relative
    if not path.exists():
        reason = f"{path} is missing; run scripts/install-node-tools.sh (needs npm)"
        if os.environ.get("MLGATE_REQUIRE_NODE_TOOLS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
