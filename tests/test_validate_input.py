"""Data paths that leave the repository, and data files a messy repo really has: each is exit 2
naming the file and the place, or is read correctly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.validate_project import HEADER, project, result_file, rows


@pytest.mark.parametrize("pattern", ["../outside.csv", "data/../../outside.csv", "/tmp/x.csv"])
def test_data_paths_outside_the_config_folder(
    pattern: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "repo").mkdir()
    root = project(tmp_path / "repo", {"data/a.csv": HEADER + rows(3)}, pattern)
    (tmp_path / "outside.csv").write_text(HEADER + rows(3))
    for command in (("config", "check"), ("validate",)):
        result = mlgate(*command, cwd=root)
        assert result.code == 2, result.out + result.err
        assert "mlgate.yaml:3:" in result.err
        assert "data[0].path" in result.err
        assert "outside the folder that holds the config" in result.err


def test_a_link_to_a_file_outside_the_repository(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "repo").mkdir()
    root = project(tmp_path / "repo", {"data/a.csv": HEADER + rows(3)})
    secret = tmp_path / "secret.csv"
    secret.write_text(HEADER + "1,99,password\n")
    (root / "data" / "b.csv").symlink_to(secret)
    for command in (("config", "check"), ("validate",), ("validate", "data/b.csv")):
        result = mlgate(*command, cwd=root)
        assert result.code == 2, result.out + result.err
        assert "mlgate.yaml:3: data[0].path: 'data/b.csv' is outside the folder" in result.err
        assert str(secret) not in result.err  # where the link leads is outside the repository
        assert "password" not in result.out + result.err


def test_a_link_inside_the_repository_is_fine(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + rows(3), "raw/b.csv": HEADER + rows(2)})
    (root / "data" / "b.csv").symlink_to(root / "raw" / "b.csv")
    assert mlgate("validate", cwd=root).code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + "1,1.5,a,extra\n" + rows(2, 2), "line 2: 4 fields, but the header has 3"),
        (HEADER + rows(2) + "5,1.5,a,extra\n" + rows(2, 6), "Expected 3 fields in line 4, saw 4"),
    ],
)
def test_a_row_with_an_extra_field(
    content: str, message: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = project(tmp_path, {"data/a.csv": content})
    result = mlgate("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert message in result.out
    assert result_file(root)["exit_code"] == 2


def test_cr_only_line_ends_are_read(tmp_path: Path, mlgate: RunMlgate) -> None:
    content = (HEADER + rows(4) + "9,-1,a\n").replace("\n", "\r")
    root = project(tmp_path, {"data/a.csv": content.encode()})
    result = mlgate("validate", cwd=root)
    assert result.code == 1, result.out + result.err
    [entry] = result_file(root)["details"]["files"]
    assert entry["rows"] == 5
    [failure] = entry["failures"]
    assert failure["examples"][0]["line"] == 6
    cut = project(tmp_path, {"data/a.csv": (HEADER + rows(4)).replace("\n", "\r") + "9,"})
    truncated = mlgate("validate", cwd=cut)
    assert truncated.code == 2
    assert "truncated: the last line (line 6) has 2 of 3 fields" in truncated.out


@pytest.mark.parametrize(
    ("lines", "bad_line"),
    [
        (['{"id": 1, "x": 1.5, "label": "a"}', "[2, 2.5, 1]"], 2),
        (["[1, 1.5, 1]", "[2, 2.5, 1]"], 1),
        (['{"id": 1, "x": 1.5, "label": "a"}', "7"], 2),
        (['{"id": 1, "x": 1.5, "label": "a"}', "[" * 100_000 + "]" * 100_000], 2),
    ],
)
def test_jsonl_lines_that_are_not_objects(
    lines: list[str], bad_line: int, tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = project(tmp_path, {"data/a.jsonl": "\n".join(lines) + "\n"}, "data/*.jsonl")
    result = mlgate("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert f"data/a.jsonl: ERROR — not valid JSON Lines: line {bad_line}: " in result.out


def test_an_alias_bomb_in_a_schema_or_a_dvc_file(tmp_path: Path, mlgate: RunMlgate) -> None:
    from tests.helpers.hostile_yaml import alias_bomb

    root = project(tmp_path, {"data/a.csv": HEADER + rows(3)})
    (root / "schemas" / "s.yaml").write_text(alias_bomb(8, as_key=False))
    bombed = mlgate("validate", cwd=root)
    assert bombed.code == 2
    assert "schemas/s.yaml:" in bombed.err and "alias" in bombed.err
    (root / "schemas" / "s.yaml").write_text("columns: !!python/object/apply:os.system [ls]\n")
    tagged = mlgate("validate", cwd=root)
    assert tagged.code == 2
    assert "schemas/s.yaml:1:10: the tag" in tagged.err
    (root / "dvc.lock").write_text("schema: '2.0'\n" + alias_bomb(8, as_key=False))
    locked = mlgate("validate", "dvc.lock", cwd=root)
    assert locked.code == 2
    assert "dvc.lock:" in locked.err and "alias" in locked.err


def test_a_schema_bound_written_1e_2_is_a_number(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + "1,0.005,a\n2,0.5,b\n"})
    schema = (root / "schemas" / "s.yaml").read_text()
    (root / "schemas" / "s.yaml").write_text(schema.replace("min_value: 0,", "min_value: 1e-2,"))
    result = mlgate("validate", cwd=root)
    assert result.code == 1, result.out + result.err
    [failure] = result_file(root)["details"]["files"][0]["failures"]
    assert failure["examples"][0]["value"] == 0.005


BROKEN_CHECK = """\
import pandera.pandas as pa


def positive(series):
    raise TypeError("boom from the user's own check")


Broken = pa.DataFrameSchema({"id": pa.Column(int, pa.Check(positive))})
"""


def test_a_custom_check_that_raises_is_a_broken_schema(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"broken_{tmp_path.name[-8:].replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(BROKEN_CHECK)
    (tmp_path / "a.csv").write_text("id\n1\n2\n")
    monkeypatch.delitem(sys.modules, module, raising=False)
    result = mlgate("validate", "--schema", f"{module}:Broken", "a.csv", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert "a.csv: ERROR — the check 'positive' on column 'id' raised" in result.out
    assert 'TypeError("boom from the user\'s own check")' in result.out
    sys.modules.pop(module, None)


def test_a_built_in_check_on_the_wrong_type_stays_a_data_failure(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + "1,x,a\n"})
    result = mlgate("validate", cwd=root)
    assert result.code == 1, result.out + result.err


def test_jsonl_floats_are_read_exactly(tmp_path: Path, mlgate: RunMlgate) -> None:
    """A value exactly on its bound passes (pandas' default JSON parser rounds it off)."""
    bound = "0.29874843554443054"
    schema = (
        "schema_type: dataframe\ncolumns:\n  p:\n    dtype: float64\n"
        f"    greater_than_or_equal_to: {bound}\n"
    )
    (tmp_path / "s.yaml").write_text(schema)
    (tmp_path / "a.jsonl").write_text(f'{{"p": {bound}}}\n{{"p": 0.5}}\n')
    result = mlgate("validate", "--schema", "s.yaml", "a.jsonl", cwd=tmp_path)
    assert result.code == 0, result.out


@pytest.mark.parametrize("chunk_rows", ["2", "3", "100"])
def test_a_text_column_of_digits_stays_text(
    chunk_rows: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    """pandas takes `01234` for the number 1234 unless told the column is text; mlgate tells
    it only once it sees that, in whichever chunk, and reads again from the start."""
    schema = (
        "schema_type: dataframe\ncolumns:\n  zip:\n    dtype: str\n    str_length: {min_value: 5}\n"
        "  n:\n    dtype: int64\n    le: 5\n"
    )
    (tmp_path / "s.yaml").write_text(schema)
    lines = ["AB123,1", "CD456,2", "EF789,9", "01234,3", "00042,9"]
    (tmp_path / "a.csv").write_text("zip,n\n" + "\n".join(lines) + "\n")
    result = mlgate(
        "validate", "--schema", "s.yaml", "a.csv", "--chunk-rows", chunk_rows, cwd=tmp_path
    )
    assert result.code == 1, result.out
    [entry] = result_file(tmp_path)["details"]["files"]
    assert entry["rows"] == 5
    assert [(f["column"], f["check"], f["rows"]) for f in entry["failures"]] == [
        ("n", "less_than_or_equal_to(5)", 2)
    ]
