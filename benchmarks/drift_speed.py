"""`mlgate drift` against a stored profile, next to `pd.read_csv` of the same file alone.

Targets (issue 15): on 1,000,000 rows x 20 columns (CSV), `mlgate drift --reference
file:profile.json --current data.csv` in <= 1.5x the wall time of a process that only runs
`pd.read_csv` on it, same run; the profile of 20 columns <= 100 KB; `--big-gb 5` profiles a CSV
of that size and reports its peak RSS (target <= 2 GiB).

Run: .venv/bin/python benchmarks/drift_speed.py [--rows 1000000] [--runs 3] [--big-gb 0]
Each measurement is a fresh process (import time included on both sides); peak RSS is that
process's ru_maxrss.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

READ_ONLY = "import sys, pandas as pd; pd.read_csv(sys.argv[1])"

MEASURE = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"code": code, "wall": wall, "rss": rss}))
"""


def make_data(path: Path, rows: int, shift: float = 0.0, seed: int = 0) -> None:
    """16 numeric columns of several shapes, 2 integer codes, 2 text categories."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for i in range(8):
        columns[f"normal_{i}"] = rng.normal(i + shift, 1 + i, rows)
        columns[f"lognormal_{i}"] = rng.lognormal(shift, 0.5 + i / 8, rows)
    columns["code_a"] = rng.integers(0, 5, rows)
    columns["code_b"] = rng.integers(0, 1000, rows)
    columns["city"] = rng.choice([f"city_{k}" for k in range(50)], rows)
    columns["channel"] = rng.choice(["web", "store", "phone"], rows)
    pd.DataFrame(columns).to_csv(path, index=False)


def measure(*command: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def make_big(path: Path, gigabytes: float) -> None:
    """A CSV of about `gigabytes`, written a million rows at a time."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    with path.open("w", encoding="utf-8") as handle:
        first = True
        while handle.tell() < gigabytes * 1e9:
            frame = pd.DataFrame({f"x{i}": rng.normal(i, 1, 1_000_000) for i in range(20)})
            frame.to_csv(handle, index=False, header=first)
            first = False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-gb", type=float, default=0.0)
    args = parser.parse_args()
    mlgate = [sys.executable, "-m", "mlgate"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        reference, current = root / "reference.csv", root / "current.csv"
        make_data(reference, args.rows)
        make_data(current, args.rows, shift=0.05, seed=1)
        profile = root / "profile.json"
        made = measure(*mlgate, "profile", str(reference), "-o", str(profile))
        print(f"profile: {made['wall']:.2f} s, peak RSS {made['rss'] / 2**20:.0f} MiB")
        print(f"profile size, 20 columns: {profile.stat().st_size / 1000:.1f} KB (target <= 100)")
        reads, drifts = [], []
        for _ in range(args.runs):
            reads.append(measure(sys.executable, "-c", READ_ONLY, str(current))["wall"])
            drift = measure(
                *mlgate,
                "drift",
                "--reference",
                f"file:{profile}",
                "--current",
                str(current),
                "--results-dir",
                str(root / "results"),
            )
            assert drift["code"] in (0, 1), drift
            drifts.append(drift["wall"])
        read, drifted = statistics.median(reads), statistics.median(drifts)
        print(
            f"pd.read_csv alone: {read:.2f} s; mlgate drift: {drifted:.2f} s "
            f"({drifted / read:.2f}x, target <= 1.5x), medians of {args.runs}"
        )
        if args.big_gb:
            big = root / "big.csv"
            make_big(big, args.big_gb)
            made = measure(*mlgate, "profile", str(big), "-o", str(root / "big.json"))
            print(
                f"profile of {big.stat().st_size / 1e9:.1f} GB: {made['wall']:.0f} s, "
                f"peak RSS {made['rss'] / 2**30:.2f} GiB (target <= 2)"
            )


if __name__ == "__main__":
    main()
