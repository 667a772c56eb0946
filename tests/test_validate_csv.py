"""CSV corner cases: lines that are not rows, short rows, bytes that are not UTF-8, no rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.validate_project import HEADER, project, result_file, rows

NOTE_SCHEMA = """\
schema_type: dataframe
columns:
  id: {dtype: int64}
  note: {dtype: str, nullable: true}
  x:
    dtype: float64
    in_range: {min_value: 0, max_value: 10}
"""


def run(tmp_path: Path, mlgate: RunMlgate, content: str | bytes, *args: str) -> tuple[int, str]:
    (tmp_path / "s.yaml").write_text(NOTE_SCHEMA)
    data = content if isinstance(content, bytes) else content.encode()
    (tmp_path / "a.csv").write_bytes(data)
    result = mlgate("validate", "--schema", "s.yaml", "a.csv", *args, cwd=tmp_path)
    return result.code, result.out


@pytest.mark.parametrize("chunk_rows", ["1", "2", "1000"])
def test_a_quoted_field_spanning_lines_keeps_later_line_numbers(
    chunk_rows: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    content = (
        "id,note,x\n"
        '0,"one\nline more\nand more",1\n'  # lines 2-4
        "1,,-1\n"  # line 5
        "\n"  # line 6: blank, pandas skips it
        '2,"a ""quoted"" word",11\n'  # line 7
    )
    code, out = run(tmp_path, mlgate, content, "--chunk-rows", chunk_rows)
    assert code == 1, out
    assert "line 5: -1" in out
    assert "line 7: 11" in out


def test_a_file_ending_in_a_multi_line_field_without_a_line_end_is_whole(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    code, out = run(tmp_path, mlgate, 'id,note,x\n0,a,1\n1,"two\nlines",2')
    assert code == 0, out
    assert "2 rows" in out


@pytest.mark.parametrize("chunk_rows", ["7", "1000000"])
def test_a_byte_that_is_not_utf8_is_found_on_its_line(
    chunk_rows: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    body = "".join(f"{i},n,1\n" for i in range(300))
    content = b"id,note,x\n" + body.encode() + b"300,caf\xe9,1\n" + b"301,n,1\n"
    code, out = run(tmp_path, mlgate, content, "--chunk-rows", chunk_rows)
    assert code == 2, out
    assert "not UTF-8 text (line 302: invalid continuation byte)" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + rows(3) + "3,1.5\n" + rows(3, 4), "line 5: 2 fields, but the header has 3"),
        (HEADER + rows(3) + "3\n" + rows(3, 4), "line 5: 1 field, but the header has 3"),
        (HEADER + rows(3) + "3,1.5\n", "line 5: 2 fields, but the header has 3"),
        (HEADER + rows(3) + "3,1.5", "truncated: the last line (line 5) has 2 of 3 fields"),
        (HEADER + '0,"a\nb",c\n3,1.5\n' + rows(2, 4), "line 4: 2 fields, but the header has 3"),
    ],
)
def test_a_short_row_is_an_error_with_its_line_wherever_it_is(
    content: str, message: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    """pandas fills a short row with nulls; a row missing a delimiter is a broken file, not
    missing values (a field left empty keeps its delimiter: `3,1.5,`)."""
    root = project(tmp_path, {"data/a.csv": content})
    for chunk_rows in ("1", "2", "1000"):
        result = mlgate("validate", "--chunk-rows", chunk_rows, cwd=root)
        assert result.code == 2, result.out
        assert message in result.out


def test_empty_trailing_fields_are_nulls_not_short_rows(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, out = run(tmp_path, mlgate, "id,note,x\n0,,1\n1,a,\n2,b,3\n")
    assert code == 1, out
    assert "x: null values — 1 row — line 3: null" in out


def test_a_header_only_file_says_it_has_no_rows(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER, "data/b.csv": HEADER + rows(2)})
    result = mlgate("validate", cwd=root)
    assert result.code == 0, result.out
    assert "data/a.csv: ok — 0 rows" in result.out
    assert "1 file has no rows: data/a.csv" in result.out
    assert "1 file has no rows: data/a.csv" in result_file(root)["summary"]


@pytest.mark.parametrize("chunk_rows", ["7000", "1000000"])
def test_a_short_row_past_the_first_megabyte_among_empty_fields(
    chunk_rows: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    lines = [f"{i},note number {i},{'' if i % 7 == 0 else '1.5'}" for i in range(80_000)]
    lines[60_000] = "60000,note"
    lines[60_001] = '60001,"quoted, comma",'
    code, out = run(
        tmp_path, mlgate, "id,note,x\n" + "\n".join(lines) + "\n", "--chunk-rows", chunk_rows
    )
    assert code == 2, out
    assert "line 60002: 2 fields, but the header has 3" in out


# iterative/example-get-started's data/prepared/train.tsv has no header row: id, label, text.
HEADERLESS_TSV = "1\t1\tjava lapply the ggplot\n3\t0\terror file numpy\n5\t0\tusing data\n"


def test_a_header_with_a_repeated_name_is_refused_not_renamed(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """pandas renames a repeated column name (`1`, `1.1`): `schema infer` wrote a schema for
    columns the file does not name, from a first row that was data."""
    (tmp_path / "train.tsv").write_text(HEADERLESS_TSV)
    inferred = mlgate("schema", "infer", "train.tsv", cwd=tmp_path)
    assert inferred.code == 2, inferred.out
    assert "'1.1'" not in inferred.out
    message = "train.tsv: line 1: column '1' appears twice in the header row"
    assert message in inferred.err
    assert "no header row?" in inferred.err

    (tmp_path / "s.yaml").write_text(
        "schema_type: dataframe\ncolumns:\n  '1': {dtype: int64}\n  '1.1': {dtype: int64}\n"
    )
    validated = mlgate("validate", "--schema", "s.yaml", "train.tsv", cwd=tmp_path)
    assert validated.code == 2, validated.out
    assert "train.tsv: ERROR — line 1: column '1' appears twice in the header row" in (
        validated.out
    )
