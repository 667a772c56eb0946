"""The action's install, timed the way the runner runs it: cold (nothing cached) and warm
(the virtualenv restored by actions/cache), for `gate`'s extras.

action.yml's `plan` and `install` steps run with bash (tests/fixtures/action_steps.py), from a
slim copy of this checkout as the action's path, with a fresh RUNNER_TEMP and fresh pip and uv
caches (XDG_CACHE_HOME). Warm: the virtualenv is archived as actions/cache archives it (tar,
zstd when there is one), removed, restored, and the steps run again with `cache-hit` true; the
restore counts. `--pip` also times the install before uv: `python -m venv` + `pip install`.
`--parquet`: the working directory's mlgate.yaml names Parquet data, so the plan adds the
`parquet` extra (pyarrow), as every install had before it was optional.
The warm install is timed `--warm-runs` times (the median counts: on a shared machine one
restore can take 3 s or 11 s). Goals (issue 16): cold <= 60 s, warm <= 10 s.

Run: .venv/bin/python benchmarks/action_install.py [--tracking-uri URI] [--parquet]
     [--warm-runs N] [--pip]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.fixtures.act_runner import action_copy  # noqa: E402
from tests.fixtures.action_steps import run_step  # noqa: E402


def install(work: Path, action: Path, uri: str, cache_hit: bool) -> tuple[float, str]:
    env = {
        "MLGATE_ACTION_PATH": str(action),
        "MLGATE_COMMAND": "gate",
        "MLGATE_WORKDIR": ".",
        "MLGATE_TRACKING_URI": uri,
        "MLGATE_PYTHON": base_python(),
        "XDG_CACHE_HOME": str(work / "cache"),
        "UV_CACHE_DIR": str(work / "cache" / "uv"),
        "PIP_NO_CACHE_DIR": "1",
    }
    temp = work / "runner-temp"
    start = time.perf_counter()
    completed, planned = run_step("plan", env, cwd=work, runner_temp=temp)
    check(completed, "plan")
    completed, _ = run_step(
        "install",
        {
            **env,
            "MLGATE_VENV_DIR": planned["venv"],
            "MLGATE_PYTHON": planned["python"],
            "MLGATE_EXTRAS": planned["extras"],
            "MLGATE_CACHE_HIT": "true" if cache_hit else "false",
        },
        cwd=work,
        runner_temp=temp,
    )
    check(completed, "install")
    return time.perf_counter() - start, completed.stdout.strip().splitlines()[-1]


def base_python() -> str:
    """The interpreter a runner's setup-python gives: not this project's virtualenv."""
    return str(Path(getattr(sys, "_base_executable", sys.executable)))


def check(completed: subprocess.CompletedProcess[str], step: str) -> None:
    if completed.returncode != 0:
        raise SystemExit(f"{step} failed:\n{completed.stdout}{completed.stderr}")


def archive(venv: Path, to: Path) -> list[str]:
    compress = ["--zstd"] if shutil.which("zstd") else ["-z"]
    subprocess.run(["tar", *compress, "-cf", str(to), "-P", str(venv)], check=True)
    return compress


def children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def largest(venv: Path, count: int = 6) -> str:
    """The biggest top-level entries of site-packages, e.g. 'pyarrow 165 MB'."""
    (site,) = venv.glob("lib/python*/site-packages")
    sizes = {entry.name: size_mb(entry) for entry in site.iterdir() if entry.is_dir()}
    biggest = sorted(sizes.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{name} {mb:.0f} MB" for name, mb in biggest)


def with_pip(work: Path, action: Path) -> float:
    venv = work / "pip-venv"
    spec = f"{action}[validate,dvc,mlflow]"
    start = time.perf_counter()
    subprocess.run([base_python(), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", spec],
        check=True,
        env={**os.environ, "PIP_NO_CACHE_DIR": "1"},
    )
    return time.perf_counter() - start


def restore_and_install(
    work: Path, action: Path, args: argparse.Namespace, cached: Path, compress: list[str]
) -> tuple[float, float, float, str]:
    """(seconds in all, of which restoring, CPU time, what the step said) for a cache hit."""
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(["tar", *compress, "-xf", str(cached), "-P"], check=True)
    restored = time.perf_counter() - start
    warm, said = install(work, action, args.tracking_uri, cache_hit=True)
    return restored + warm, restored, children_cpu() - cpu, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracking-uri", default="https://mlflow.example.com")
    parser.add_argument("--pip", action="store_true", help="also time the former pip install")
    parser.add_argument("--parquet", action="store_true", help="mlgate.yaml names Parquet data")
    parser.add_argument("--warm-runs", type=int, default=3, help="restores to time [3]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlgate-action-install-") as tmp:
        work = Path(tmp)
        action = action_copy(work / "action")
        if args.parquet:
            (work / "mlgate.yaml").write_text(
                "version: 1\ndata:\n  - path: data/train.parquet\n    schema: schemas/train.yaml\n"
            )
        cold, said = install(work, action, args.tracking_uri, cache_hit=False)
        venv = work / "runner-temp" / "mlgate-venv"
        print(f"cold: {cold:.1f} s, {size_mb(venv):.0f} MB ({said})")
        print(f"largest: {largest(venv)}")
        cached = work / "cache.tar"
        compress = archive(venv, cached)
        shutil.rmtree(work / "cache")
        warm = []
        for _ in range(args.warm_runs):  # on a shared machine one figure says little
            shutil.rmtree(work / "runner-temp")
            seconds, restored, cpu, said = restore_and_install(work, action, args, cached, compress)
            warm.append(seconds)
            print(
                f"warm: {seconds:.1f} s (restore {restored:.1f} s; CPU time {cpu:.1f} s: on a "
                f"loaded machine the rest is waiting; load {os.getloadavg()[0]:.1f}) ({said})"
            )
        print(f"warm, median of {len(warm)}: {statistics.median(warm):.1f} s (min {min(warm):.1f})")
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"cache archive: {cached.stat().st_size / 1e6:.0f} MB")
        if args.pip:
            print(f"former pip install: {with_pip(work, action):.1f} s")


if __name__ == "__main__":
    main()
