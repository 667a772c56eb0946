#!/usr/bin/env python3
"""Print a pip constraints file pinning every declared lower bound (`name>=X` -> `name==X`).

pip has no "lowest versions" resolution, so CI's `mindeps` job installs the package with
`pip install -c <(python scripts/lowest-constraints.py) '.[test]'`: any bound we declare but
do not actually support fails there. Usage: lowest-constraints.py [EXTRA ...], where `core`
names the core dependencies; with none, the extras `validate`, `parquet`, `dvc`, `mlflow` and `mlflow-local`. The core's
bounds (click, pyyaml, requests) are left out by default: DVC's own dependencies need newer
ones (celery wants click>=8.1.2), so they are tested on a core-only install. Needs Python
3.11+ (tomllib).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
DEFAULT_EXTRAS = ("validate", "parquet", "dvc", "mlflow", "mlflow-local")
# What those lowest versions need but do not declare: DVC before 3.66 imports a private name
# that pathspec 1.0 removed (`_DIR_MARK`) yet allows any pathspec>=0.10.3, so a fresh install
# of DVC 3.50 today cannot even `dvc init`. An environment with that DVC has an older pathspec.
UNDECLARED_CAPS = {"dvc": ("pathspec<1",)}
# `name[extra]>=1.2,<2`: the name and the version after `>=` (markers after `;` are not read)
LOWER_BOUND = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*[^;]*?>=\s*([^,;\s]+)"
)


def lower_bounds(requirements: list[str]) -> dict[str, str]:
    bounds = {}
    for requirement in requirements:
        match = LOWER_BOUND.match(requirement)
        if match:
            bounds[match.group(1).lower()] = match.group(2)
    return bounds


def main(extras: list[str]) -> int:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    groups = {"core": project.get("dependencies", []), **optional}
    unknown = [extra for extra in extras if extra not in groups]
    if unknown:
        print(f"unknown extra(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    requirements = [req for extra in extras or DEFAULT_EXTRAS for req in groups[extra]]
    bounds = lower_bounds(requirements)
    for name, version in sorted(bounds.items()):
        print(f"{name}=={version}")
    for name in sorted(bounds):
        for cap in UNDECLARED_CAPS.get(name, ()):
            print(cap)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
