"""Size and install time of each pre-commit hook's environment, as a developer's laptop builds it.

For every hook in .pre-commit-hooks.yaml (or those named), in a fresh PRE_COMMIT_HOME: a tmp
consumer repo whose .pre-commit-config.yaml lists only that hook, from a committed snapshot
of this working tree; `pre-commit install-hooks` is timed and the hook's virtualenv measured.
pip's own cache (~/.cache/pip) is left as it is: say whether it was warm when you quote figures.

Run: .venv/bin/python benchmarks/hook_envs.py [mlgate-config mlgate-compare ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.fixtures.hook_snapshot import has_modules, hook_envs, pre_commit, snapshot  # noqa: E402

PROBE = ["mlgate", "pandas", "pandera", "pyarrow", "dvc", "mlflow"]


def size_mb(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1e6


def measure(hook: str, hook_repo: Path, work: Path) -> tuple[float, float, list[str]]:
    consumer, home = work / f"consumer-{hook}", work / f"home-{hook}"
    consumer.mkdir()
    subprocess.run(["git", "init", "--quiet"], cwd=consumer, check=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    (consumer / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n"
    )
    start = time.perf_counter()
    result = pre_commit(consumer, home, "install-hooks")
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(
            f"{hook}: pre-commit install-hooks failed:\n{result.stdout}{result.stderr}"
        )
    (env,) = hook_envs(home)
    found = has_modules(env, PROBE)
    return seconds, size_mb(env), [name for name in PROBE if found[name]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("hooks", nargs="*", help="hook ids [default: every hook]")
    wanted = parser.parse_args().hooks
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    hooks = wanted or [entry["id"] for entry in manifest]
    os.environ.pop("VIRTUAL_ENV", None)
    with tempfile.TemporaryDirectory(prefix="mlgate-hook-envs-") as tmp:
        work = Path(tmp)
        hook_repo = snapshot(work / "snapshot")
        print(f"{'hook':<16} {'install s':>10} {'size MB':>9}  holds")
        for hook in hooks:
            seconds, megabytes, holds = measure(hook, hook_repo, work)
            print(f"{hook:<16} {seconds:>10.1f} {megabytes:>9.0f}  {', '.join(holds)}")


if __name__ == "__main__":
    main()
