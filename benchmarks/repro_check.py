"""`mlgate repro --check` next to `dvc status`, and a no-op `mlgate repro` next to `dvc repro`.

Targets (issue: reproduce training via DVC), on the wine example, same run:
`mlgate repro --check` <= 1.3x `dvc status`; `mlgate repro` with nothing to do <= 1.3x `dvc repro`.
Builds the example with `mlgate demo` in a temp dir first (it trains once, ~15 s).
Run: .venv/bin/python benchmarks/repro_check.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str], cwd: Path, env: dict[str, str], runs: int) -> float:
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)  # warm caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    with tempfile.TemporaryDirectory(prefix="mlgate-bench-") as temp:
        repo = Path(temp) / "wine"
        results = Path(temp) / "results"
        mlgate = [sys.executable, "-m", "mlgate"]
        subprocess.run(
            [*mlgate, "demo", "--dir", str(repo)], env=env, check=True, capture_output=True
        )
        pairs = {
            "check": (
                [sys.executable, "-m", "dvc", "status"],
                [*mlgate, "repro", "--check", "--results-dir", str(results)],
            ),
            "no-op repro": (
                [sys.executable, "-m", "dvc", "repro"],
                [*mlgate, "repro", "--results-dir", str(results)],
            ),
        }
        for name, (baseline, ours) in pairs.items():
            base = timed(baseline, repo, env, runs)
            mine = timed(ours, repo, env, runs)
            print(
                f"{name}: `{' '.join(baseline[2:])}` {base * 1000:.0f} ms, "
                f"`mlgate {' '.join(ours[3:5])}` {mine * 1000:.0f} ms = {mine / base:.2f}x "
                f"(median of {runs}, target <= 1.3x)"
            )


if __name__ == "__main__":
    main()
