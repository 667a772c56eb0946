"""How long `mlgate --help` takes next to the floor it cannot beat: importing click and yaml.

Target (issue: foundation): `mlgate --help` <= 1.3x `python -c "import click, yaml"`.
Run: .venv/bin/python benchmarks/cli_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, check=True, capture_output=True)  # warm the OS file cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    # pip compiles bytecode on install; an editable checkout may not have it yet (or
    # PYTHONDONTWRITEBYTECODE is set), which would time the compiler, not mlgate.
    import mlgate

    compileall.compile_dir(Path(mlgate.__file__).parent, quiet=1)
    floor = timed([sys.executable, "-c", "import click, yaml"], runs)
    cases = {
        "mlgate --help": [sys.executable, "-m", "mlgate", "--help"],
        "mlgate config check": [
            sys.executable,
            "-m",
            "mlgate",
            "config",
            "check",
            "--config",
            "examples/wine/mlgate.yaml",
        ],
    }
    floor_median = statistics.median(floor)
    print(f"python -c 'import click, yaml': median {floor_median * 1000:.1f} ms ({runs} runs)")
    for name, command in cases.items():
        median = statistics.median(timed(command, runs))
        print(f"{name}: median {median * 1000:.1f} ms = {median / floor_median:.2f}x")


if __name__ == "__main__":
    main()
