"""Nothing checked is never a plain pass: a compare whose gated metrics are all missing
(`required: false`) is exit 2; one missing among others passes with skips, which the gate's
decision and the report's headline say. Real metrics files through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import RunMlgate

CONFIG = """\
version: 1
metrics: {{candidate: file:candidate.json, baseline: file:baseline.json}}
gates:
{gates}
"""


def repo(root: Path, gates: str, candidate: dict[str, float]) -> Path:
    root.mkdir(exist_ok=True)
    (root / "mlgate.yaml").write_text(CONFIG.format(gates=gates))
    (root / "candidate.json").write_text(json.dumps(candidate))
    (root / "baseline.json").write_text(json.dumps({"f1": 0.8, "accuracy": 0.9}))
    return root


def test_every_gated_metric_missing_is_nothing_compared(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = repo(tmp_path, "  f1: {direction: higher, threshold: 0.5, required: false}\n", {})
    compared = mlgate("compare", cwd=root)
    assert compared.code == 2, compared.out + compared.err
    assert "nothing was compared" in compared.err and "mlgate.yaml" in compared.err
    gate = mlgate("gate", "--no-post", cwd=root)
    assert gate.code == 2, gate.out + gate.err
    assert "✅ passed" not in gate.out


def test_no_baseline_and_no_threshold_is_nothing_compared(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = repo(tmp_path, "  f1: {direction: higher, max_regression: 0.01}\n", {"f1": 0.9})
    compared = mlgate("compare", "--baseline", "none", cwd=root)
    assert compared.code == 2, compared.out + compared.err
    assert "no gate sets a `threshold`" in compared.err


def test_one_gated_metric_missing_is_a_pass_with_skips(tmp_path: Path, mlgate: RunMlgate) -> None:
    gates = (
        "  f1: {direction: higher, max_regression: 0.01, required: false}\n"
        "  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    root = repo(tmp_path, gates, {"accuracy": 0.9})
    compared = mlgate("compare", "--format", "json", cwd=root)
    assert compared.code == 0, compared.out + compared.err
    assert json.loads(compared.out)["summary"].startswith("passed with skips: ")
    gate = mlgate("gate", "--no-post", "--format", "json", cwd=root)
    assert gate.code == 0, gate.out + gate.err
    assert json.loads(gate.out)["details"]["decision"] == "pass-with-skips"
    report = mlgate("report", "--no-post", "--format", "markdown", cwd=root).out
    assert report.startswith("## mlgate: ☑️ passed — 1 gated check not judged, a value missing")
