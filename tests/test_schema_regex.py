"""A YAML schema whose regular expression does not compile is the schema's error (exit 2) and
the message names the column and the check, not only Python's "unterminated subpattern"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate

CHECKS = {
    "flat": "    str_matches: '(unclosed'\n",
    "checks mapping": "    checks:\n      str_matches: '(unclosed'\n",
    "checks argument": "    checks:\n      str_contains: {pattern: '[a-'}\n",
}


@pytest.mark.parametrize("form", sorted(CHECKS))
def test_a_bad_regex_names_the_column_and_the_check(
    form: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "d.csv").write_text("code\nab\n")
    (tmp_path / "s.yaml").write_text("columns:\n  code:\n    dtype: str\n" + CHECKS[form])
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: d.csv\n    schema: s.yaml\n"
    )
    result = mlgate("validate", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    check = "str_contains" if "contains" in CHECKS[form] else "str_matches"
    assert f"s.yaml: column 'code': {check}" in result.out + result.err
    assert "not a regular expression" in result.out + result.err
