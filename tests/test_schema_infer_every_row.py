"""An inferred schema validates the data it was inferred from: bounds, nullability and dtypes
come from every row, not from the first 100,000 that Pandera infers the rest from."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers.cli import RunMlgate, run_subprocess

ROWS = 150_000


def _data(path: Path) -> None:
    """`x` 0..9 and `y` 0.5 up to row 120,000, then x -5 and 42, y a missing value; `name`
    text throughout; `n` whole numbers that turn into text past the sample."""
    lines = ["x,y,name,n"]
    for row in range(ROWS):
        x, y, n = row % 10, "0.5", str(row % 7)
        if row == 120_000:
            x, y = -5, ""
        elif row == 149_999:
            x, n = 42, "seven"
        lines.append(f"{x},{y},r{row % 3},{n}")
    path.write_text("\n".join(lines) + "\n")


def test_inferred_schema_validates_its_own_data_past_the_sample(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    _data(tmp_path / "big.csv")
    inferred = mlgate("schema", "infer", "big.csv", "-o", "big.yaml", cwd=tmp_path)
    assert inferred.code == 0, inferred.err
    text = (tmp_path / "big.yaml").read_text()
    assert "from all 150,000" in text
    columns = yaml.safe_load(text)["columns"]
    assert columns["x"]["greater_than_or_equal_to"] == -5
    assert columns["x"]["less_than_or_equal_to"] == 42
    assert columns["y"]["nullable"] is True
    assert columns["n"]["dtype"] == "str"
    # As a user runs it: pandas warns of the column of numbers and text (pytest would make the
    # warning an error), and the file passes its own schema.
    validated = run_subprocess("validate", "big.csv", "--schema", "big.yaml", cwd=tmp_path)
    assert validated.code == 0, validated.out + validated.err


def test_a_small_file_is_inferred_from_all_its_rows(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "a.csv").write_text("a,b\n1,x\n3,y\n")
    inferred = mlgate("schema", "infer", "a.csv", "--sample-rows", "1", cwd=tmp_path)
    assert inferred.code == 0, inferred.err
    columns = yaml.safe_load(inferred.out)["columns"]
    assert (columns["a"]["greater_than_or_equal_to"], columns["a"]["less_than_or_equal_to"]) == (
        1,
        3,
    )
