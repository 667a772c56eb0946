"""Nothing compared is never a pass: `mlgate drift` that judged no column, read no row, or was
told about a column the data does not have is exit 2 naming the file and the place."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers.cli import RunMlgate


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    frame = pd.DataFrame({"amount": np.arange(50.0), "city": ["a", "b"] * 25})
    frame.to_csv(tmp_path / "ref.csv", index=False)
    frame.to_csv(tmp_path / "cur.csv", index=False)
    return tmp_path


def configure(folder: Path, columns: str) -> None:
    (folder / "mlgate.yaml").write_text(
        "version: 1\n"
        "drift:\n"
        "  reference: file:ref.csv\n"
        "  current: [cur.csv]\n"
        "  columns:\n" + columns,
        encoding="utf-8",
    )


def status(folder: Path) -> str:
    result = json.loads((folder / ".mlgate" / "drift.json").read_text("utf-8"))
    return str(result["status"])


def test_every_column_ignored_is_not_a_pass(mlgate: RunMlgate, folder: Path) -> None:
    """Before: "no drift: 0 of 0 columns drifted", exit 0."""
    configure(folder, "    amount: {ignore: true}\n    city: {ignore: true}\n")
    run = mlgate("drift", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert "mlgate.yaml:2" in run.err
    assert "nothing to compare" in run.err
    assert status(folder) == "error"


@pytest.mark.parametrize(
    ("columns", "line", "typo", "meant"),
    [
        ("    amuont: {ignore: true}\n", 6, "amuont", "amount"),
        ("    amount: {method: psi}\n    ctiy:\n      method: js\n", 7, "ctiy", "city"),
    ],
)
def test_a_column_the_data_does_not_have_is_named_with_a_guess(
    mlgate: RunMlgate, folder: Path, columns: str, line: int, typo: str, meant: str
) -> None:
    """Before: the override was silently unused and the column judged by the defaults."""
    configure(folder, columns)
    run = mlgate("drift", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert f"mlgate.yaml:{line}" in run.err
    assert f"drift.columns.{typo}" in run.err
    assert f"did you mean {meant!r}" in run.err


def test_a_column_with_no_close_name_lists_the_columns(mlgate: RunMlgate, folder: Path) -> None:
    configure(folder, "    zzzzzz: {ignore: true}\n")
    run = mlgate("drift", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert "'amount', 'city'" in run.err


@pytest.mark.parametrize("side", ["ref.csv", "cur.csv"])
def test_a_data_file_with_a_header_and_no_rows_compares_nothing(
    mlgate: RunMlgate, folder: Path, side: str
) -> None:
    (folder / side).write_text("amount,city\n", encoding="utf-8")
    run = mlgate("drift", "--reference", "file:ref.csv", "--current", "cur.csv", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert side in run.err
    assert "no rows" in run.err
    assert "Traceback" not in run.err


@pytest.mark.parametrize("side", ["ref.csv", "cur.csv"])
def test_an_empty_data_file_compares_nothing(mlgate: RunMlgate, folder: Path, side: str) -> None:
    (folder / side).write_bytes(b"")
    run = mlgate("drift", "--reference", "file:ref.csv", "--current", "cur.csv", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert side in run.err
    assert "Traceback" not in run.err


def test_a_profile_with_no_columns_compares_nothing(mlgate: RunMlgate, folder: Path) -> None:
    profile = {"mlgate_profile": 1, "rows": 0, "files": [], "columns": {}}
    (folder / "ref.json").write_text(json.dumps(profile), encoding="utf-8")
    (folder / "cur.csv").write_text("\n", encoding="utf-8")
    run = mlgate("drift", "--reference", "file:ref.json", "--current", "cur.csv", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert "Traceback" not in run.err


def test_a_current_column_with_no_values_drifts(mlgate: RunMlgate, folder: Path) -> None:
    """A feature that stopped arriving moved as far as it can: drift, not a pass."""
    pd.DataFrame({"amount": [np.nan] * 50, "city": ["a", "b"] * 25}).to_csv(
        folder / "cur.csv", index=False
    )
    run = mlgate("drift", "--reference", "file:ref.csv", "--current", "cur.csv", cwd=folder)
    assert run.code == 1, run.out + run.err


def test_ignore_may_name_a_column_only_the_current_data_has(
    mlgate: RunMlgate, folder: Path
) -> None:
    """The "reference has no column" error tells users to do exactly this."""
    pd.read_csv(folder / "cur.csv").assign(request_id=1).to_csv(folder / "cur.csv", index=False)
    configure(folder, "    request_id: {ignore: true}\n")
    run = mlgate("drift", cwd=folder)
    assert run.code == 0, run.out + run.err


def test_a_column_of_infinities_is_compared_as_holding_no_value(
    mlgate: RunMlgate, tmp_path: Path
) -> None:
    """INF and an integer no float holds are non-null but leave no bin: the reference compares
    nothing (exit 2), the current data drifts (exit 1); it crashed on an empty grid (exit 3)."""
    huge = "9" * 400
    (tmp_path / "inf.csv").write_text(f"x\nINF\n{huge}\n-inf\n", encoding="utf-8")
    (tmp_path / "ok.csv").write_text("x\n1\n2\n3\n", encoding="utf-8")
    as_reference = mlgate(
        "drift", "--reference", "file:inf.csv", "--current", "ok.csv", cwd=tmp_path
    )
    assert as_reference.code == 2, as_reference.out + as_reference.err
    assert "no value to compare" in as_reference.err
    assert "inf.csv: column 'x'" in as_reference.err  # the file, not only the column
    as_current = mlgate("drift", "--reference", "file:ok.csv", "--current", "inf.csv", cwd=tmp_path)
    assert as_current.code == 1, as_current.out + as_current.err


def test_values_at_the_float_limit_are_profiled(mlgate: RunMlgate, tmp_path: Path) -> None:
    """Sums and quantile interpolation of values near 1.7e308 overflow: the moments read as
    unknown and the bins stay exact; it was exit 3 (OverflowError)."""
    (tmp_path / "big.csv").write_text("x\n1e308\n-1.7e308\n1.5e308\n", encoding="utf-8")
    run = mlgate("drift", "--reference", "file:big.csv", "--current", "big.csv", cwd=tmp_path)
    assert run.code == 0, run.out + run.err
