"""The validate renderers on their own: pure functions of the result's details."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mlgate.report import (
    describe_check,
    render_annotations,
    render_validate_markdown,
    render_validate_text,
)
from tests.helpers.validate_project import HEADER, SCHEMA, rows

DETAILS: dict[str, Any] = {
    "files": [
        {
            "path": "data/a,b.csv",
            "schema": "schemas/s.yaml",
            "format": "csv",
            "status": "fail",
            "rows": 1_000_000,
            "columns": 3,
            "failing_rows": 12_345,
            "failures": [
                {
                    "column": "x|y",
                    "check": "in_range(0, 10)",
                    "rows": 12_345,
                    "examples": [{"row": 0, "line": 2, "value": "@team <b>"}],
                },
                {"column": "z", "check": "column_in_dataframe", "rows": None,
                 "examples": [{"value": "z"}]},
            ],
        },
        {"path": "data/c.parquet", "schema": "m:S", "format": "parquet", "status": "error",
         "error": "data/c.parquet: not a readable Parquet file"},
    ]
}  # fmt: skip


def test_text() -> None:
    text = render_validate_text(DETAILS, "summary line")
    assert "data/a,b.csv: FAIL — 1,000,000 rows, 3 columns, 12,345 failing rows" in text
    assert '  x|y: in_range(0, 10) — 12,345 rows — line 2: "@team <b>"' in text
    assert '  z: missing column — "z"' in text
    assert "data/c.parquet: ERROR — not a readable Parquet file" in text
    assert text.count("not a readable Parquet file") == 1
    assert text.endswith("summary line")


def test_an_error_that_is_the_summary_is_said_once() -> None:
    only = {"files": [DETAILS["files"][-1]]}
    text = render_validate_text(only, "data/c.parquet: not a readable Parquet file")
    assert text == "data/c.parquet: ERROR — not a readable Parquet file"


def test_markdown_escapes_what_comes_from_the_data() -> None:
    markdown = render_validate_markdown(DETAILS, "2 files")
    assert markdown.startswith("### ⚠️ Data validation")
    assert "| x\\|y | in\\_range\\(0, 10\\) | 12,345 |" in markdown
    assert "@\u200bteam" in markdown
    assert "<b>" not in markdown


def test_describe_check() -> None:
    assert describe_check("dtype('float64')") == "wrong dtype, expected float64"
    assert describe_check("not_nullable") == "null values"
    assert describe_check("isin([1])") == "isin([1])"


def test_annotations_escape_properties_and_cap() -> None:
    lines = render_annotations(DETAILS)
    assert lines[0].startswith("::error file=data/a%2Cb.csv,line=2,title=mlgate validate%3A ")
    assert len(lines) == 3
    capped = render_annotations(DETAILS, cap=2)
    assert len(capped) == 2
    assert "2 more failing checks" in capped[-1]


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import pty

    (tmp_path / "s.yaml").write_text(SCHEMA)
    (tmp_path / "a.csv").write_text(HEADER + rows(5000))
    code = (
        "import os, sys\n"
        "os.chdir(sys.argv[1])\n"
        "from mlgate.commands.validate import ProgressBar\n"
        "ProgressBar.DELAY_S = 0\n"
        "from mlgate.cli import main\n"
        "main(['validate', '--schema', 's.yaml', 'a.csv', '--chunk-rows', '1000'])\n"
    )
    runner = "import pty, sys; pty.spawn([sys.executable, '-c', sys.argv[1], sys.argv[2]])"
    shown = subprocess.run(
        [sys.executable, "-c", runner, code, str(tmp_path)],
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        check=False,
    ).stdout.decode(errors="replace")
    assert "a.csv  [" in shown
    assert "100%" in shown
    piped = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert piped.returncode == 0
    assert "[" not in piped.stderr
    del pty
