"""`mlgate compare` with noise-aware gates next to the hand-written floor.

Target (issue 14): 1,000,000 paired rows, gates on accuracy and log_loss with
`confidence: 0.95`; `mlgate compare` (file: sources, the mapping form of `per_example`) takes
<= 3x the wall time and <= 2x the peak RSS of a script that reads both files with pandas and
computes both metrics once with scikit-learn, measured in the same run.

Run: .venv/bin/python benchmarks/paired_compare.py [--rows 1000000] [--runs 3]
Each measurement is a fresh process; peak RSS is that process's ru_maxrss. Needs numpy, pandas
and scikit-learn (the `validate` extra and scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CLASSES = 3

HAND_WRITTEN = """\
import sys
import pandas as pd
from sklearn.metrics import accuracy_score, log_loss
for path in sys.argv[1:]:
    frame = pd.read_csv(path)
    proba = frame[[f"proba_{k}" for k in range(3)]].to_numpy()
    print(accuracy_score(frame["y_true"], frame["y_pred"]), log_loss(frame["y_true"], proba))
"""

MEASURE = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"code": code, "wall": wall, "rss": rss}))
"""

CONFIG = """\
version: 1
metrics:
  candidate: file:cand.json
  baseline: file:base.json
  per_example: {candidate: cand.csv, baseline: base.csv}
gates:
  accuracy: {direction: higher, max_regression: 0.01, confidence: 0.95}
  log_loss: {direction: lower, max_regression: 0.05, confidence: 0.95}
"""


def write_side(folder: Path, name: str, rows: int, seed: int) -> None:
    """A records file of `rows` examples and the metrics file that goes with it."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import accuracy_score, log_loss

    truth = np.random.default_rng(0).integers(0, CLASSES, rows)
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(rows, CLASSES))
    logits[np.arange(rows), truth] += 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"id": np.arange(rows), "y_true": truth, "y_pred": proba.argmax(axis=1)})
    for k in range(CLASSES):
        frame[f"proba_{k}"] = proba[:, k]
    frame.to_csv(folder / f"{name}.csv", index=False)
    written = pd.read_csv(folder / f"{name}.csv")  # the metrics of the file as written
    columns = written[[f"proba_{k}" for k in range(CLASSES)]].to_numpy()
    metrics = {
        "accuracy": float(accuracy_score(written["y_true"], written["y_pred"])),
        "log_loss": float(log_loss(written["y_true"], columns)),
    }
    (folder / f"{name}.json").write_text(json.dumps(metrics))


def measure(command: list[str], cwd: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = json.loads(completed.stdout)
    if found["code"] not in (0, 1):
        raise SystemExit(f"{command[:3]} exited {found['code']}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlgate-paired-") as scratch:
        folder = Path(scratch)
        write_side(folder, "base", options.rows, seed=1)
        write_side(folder, "cand", options.rows, seed=2)
        (folder / "mlgate.yaml").write_text(CONFIG)
        (folder / "hand.py").write_text(HAND_WRITTEN)
        hand = [sys.executable, "hand.py", "base.csv", "cand.csv"]
        ours = [sys.executable, "-m", "mlgate", "compare", "--results-dir", "out"]
        runs: dict[str, list[dict[str, float]]] = {"hand-written": [], "mlgate compare": []}
        for _ in range(options.runs):
            runs["hand-written"].append(measure(hand, folder))
            runs["mlgate compare"].append(measure(ours, folder))
        result = json.loads((folder / "out" / "compare.json").read_text())
    print(f"{options.rows:,} paired rows, {options.runs} runs each (median wall, max RSS)")
    medians = {}
    for name, found in runs.items():
        wall = statistics.median(run["wall"] for run in found)
        rss = max(run["rss"] for run in found)
        medians[name] = (wall, rss)
        print(f"  {name:15} {wall:7.2f} s  {rss / 2**20:7.0f} MiB")
    (hand_wall, hand_rss), (our_wall, our_rss) = medians["hand-written"], medians["mlgate compare"]
    print(f"  ratio           {our_wall / hand_wall:7.2f}x  {our_rss / hand_rss:7.2f}x")
    print(f"  targets         {'<= 3x':>8}  {'<= 2x':>8}")
    for check in result["details"]["checks"]:
        interval = check["interval"]
        print(
            f"  {check['metric']} {check['rule']}: {check['evidence']}, "
            f"[{interval['low']:+.5f}, {interval['high']:+.5f}] ({interval['method']})"
        )


if __name__ == "__main__":
    main()
