"""A folder of Parquet part files larger than the driver's memory, validated by
`mlgate validate --engine spark` on local[2] (issue 26: "a Parquet directory of several GB
validates on local[2] within bounded driver memory").

The parts have the columns of benchmarks/engines.py (1,000,000 rows each, about 80 MB), with
`spark.driver.memory` set to 1g in mlgate.yaml. The driver is the mlgate process and its JVM:
their summed resident memory is sampled every 0.2 s and the peak printed, beside the wall time.
`--profile` also times `mlgate profile --engine spark` of the folder.

Run: .venv/bin/python benchmarks/spark_parquet_dir.py [--gib 3] [--folder DIR] [--profile]
Not a timed test: the figures go in the closing note.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from large_file import random_columns, schema

ROWS_PER_PART = 1_000_000


def write_parts(folder: Path, gib: float) -> int:
    import numpy as np
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    random = np.random.default_rng(26)
    written, part, start = 0, 0, 0
    while written < gib * 2**30:
        columns = random_columns(random, start, ROWS_PER_PART)
        path = folder / f"part-{part:05d}.parquet"
        pd.DataFrame(columns).to_parquet(path, index=False)
        written += path.stat().st_size
        part, start = part + 1, start + ROWS_PER_PART
    return start


def tree_rss(root: int) -> int:
    """The resident bytes of `root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run(command: list[str], cwd: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    env = {**os.environ, "MLGATE_SPARK_MASTER": "local[2]"}
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.2)
    return time.perf_counter() - start, peak, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=3.0, help="size of the Parquet parts")
    parser.add_argument("--folder", type=Path, default=None, help="keep the data here")
    parser.add_argument("--profile", action="store_true", help="also time mlgate profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        parts = folder / "events"
        if not parts.exists():
            rows = write_parts(parts, args.gib)
        else:
            rows = ROWS_PER_PART * len(list(parts.glob("*.parquet")))
        size = sum(p.stat().st_size for p in parts.glob("*.parquet"))
        (folder / "schema.yaml").write_text(schema())
        (folder / "mlgate.yaml").write_text(
            "version: 1\nengine: spark\n"
            "spark:\n  conf: {spark.driver.memory: 1g, spark.sql.shuffle.partitions: 4}\n"
            "data:\n  - {path: events, schema: schema.yaml, format: parquet}\n"
        )
        print(f"{size / 2**30:.2f} GiB of Parquet, {rows:,} rows, local[2], driver memory 1g")
        mlgate = [sys.executable, "-m", "mlgate"]
        commands = {"validate": [*mlgate, "validate", "--results-dir", "out"]}
        if args.profile:
            commands["profile"] = [*mlgate, "profile", "events", "-o", "events-profile.json"]
        for label, command in commands.items():
            wall, peak, code = run(command, folder)
            print(f"{label:<9} {wall:8.1f} s  driver peak RSS {peak / 2**20:6.0f} MiB  exit {code}")


if __name__ == "__main__":
    main()
