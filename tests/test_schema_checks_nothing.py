"""A schema that declares no column and no check validates nothing: every file "passes". That
is the schema's error (exit 2), never a plain pass; a schema with no column but a check that
still binds (strict, a dataframe check, uniqueness) is a real schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate

CONFIG = "version: 1\ndata:\n  - path: d.csv\n    schema: SCHEMA\n"
MODULE = "import pandera.pandas as pa\n\nEmpty = pa.DataFrameSchema({})\n"


def project(tmp_path: Path, schema: str, text: str) -> None:
    """d.csv checked against `schema`, a file or `module:Name` (then written as module.py)."""
    (tmp_path / "d.csv").write_text("a\n1\n")
    module, is_import, _name = schema.partition(":")
    (tmp_path / (f"{module}.py" if is_import else schema)).write_text(text)
    (tmp_path / "mlgate.yaml").write_text(CONFIG.replace("SCHEMA", schema))


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ("s.yaml", "columns: {}\n"),
        ("s.yaml", "columns:\n"),
        ("s.json", '{"columns": {}}'),
        ("checks_nothing:Empty", MODULE),
    ],
)
def test_a_schema_that_checks_nothing_is_refused(
    schema: str, text: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    project(tmp_path, schema, text)
    result = mlgate("validate", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert "declares no column and no check" in result.out + result.err
    assert schema.split(":", maxsplit=1)[0] in result.out + result.err


def test_a_strict_schema_without_columns_still_checks(tmp_path: Path, mlgate: RunMlgate) -> None:
    project(tmp_path, "s.yaml", "columns: {}\nstrict: true\n")
    result = mlgate("validate", cwd=tmp_path)
    assert result.code == 1, result.out + result.err  # column `a` is not allowed
