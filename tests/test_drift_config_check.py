"""`config check` refuses a drift method that cannot compute on a column whose kind the config
already tells: a YAML schema declaring the column as text. Before, the mismatch surfaced only
when `mlgate drift` ran (in CI, after the data was pulled)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate

SCHEMA = "columns:\n  colour: {dtype: str}\n  size: {dtype: float64}\n"


def project(tmp_path: Path, drift: str) -> None:
    (tmp_path / "s.yaml").write_text(SCHEMA)
    (tmp_path / "d.csv").write_text("colour,size\nred,1.0\n")
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: d.csv\n    schema: s.yaml\n"
        "drift:\n  reference: file:d.csv\n" + drift
    )


@pytest.mark.parametrize(
    ("drift", "key"),
    [
        ("  method: ks\n", "drift.method"),
        ("  columns:\n    colour: {method: wasserstein}\n", "drift.columns.colour.method"),
    ],
)
def test_a_method_that_cannot_compute_on_a_declared_text_column(
    drift: str, key: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    project(tmp_path, drift)
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert key in result.err
    assert "'colour'" in result.err and "chi2, js, psi" in result.err


@pytest.mark.parametrize(
    "drift",
    [
        "  method: psi\n",
        "  columns:\n    size: {method: ks}\n",
        "  method: ks\n  columns:\n    colour: {ignore: true}\n",
        "  method: ks\n  columns:\n    colour: {method: chi2}\n",
    ],
)
def test_methods_that_fit_pass(drift: str, tmp_path: Path, mlgate: RunMlgate) -> None:
    project(tmp_path, drift)
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
