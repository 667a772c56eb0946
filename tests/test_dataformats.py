"""The one table of data formats: every place that names formats or suffixes agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from mlgate.cli import cli
from mlgate.data import dataformats

ROOT = Path(__file__).resolve().parents[1]


def hook_files_pattern(hook_id: str) -> re.Pattern[str]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [hook for hook in hooks if hook["id"] == hook_id]
    return re.compile(hook["files"])


@pytest.mark.parametrize(
    "suffix", [suffix for data_format in dataformats.FORMATS for suffix in data_format.suffixes]
)
def test_the_validate_hook_is_given_every_file_the_table_can_read(suffix: str) -> None:
    # pre-commit matches `files` with re.search on the staged path.
    assert hook_files_pattern("mlgate-validate").search(f"data/train{suffix}")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("train.csv", "csv"),
        ("TRAIN.CSV.GZ", "csv"),
        ("a.tab", "tsv"),
        ("a.tsv.gz", "tsv"),
        ("a.pq", "parquet"),
        ("a.ndjson", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("a.csv.bak", None),
        ("a.gz", None),
    ],
)
def test_the_suffix_selects_the_format(name: str, expected: str | None) -> None:
    found = dataformats.from_suffix(Path(name))
    assert (found.name if found else None) == expected


def test_each_text_format_says_how_its_rows_are_laid_out() -> None:
    assert dataformats.by_name("csv").delimiter == ","
    assert dataformats.by_name("tsv").delimiter == "\t"
    assert dataformats.by_name("jsonl").first_row_line == 1  # no header line
    assert dataformats.by_name("parquet").first_row_line is None  # no lines at all


def format_options(command: click.Command, path: str = "mlgate") -> dict[str, click.Parameter]:
    found = {f"{path} {p.opts[0]}": p for p in command.params if p.name == "data_format"}
    for name, sub in getattr(command, "commands", {}).items():
        found |= format_options(sub, f"{path} {name}")
    return found


def test_every_data_format_option_offers_exactly_the_table() -> None:
    options = format_options(cli)
    assert {"mlgate validate --data-format", "mlgate profile --data-format"} <= set(options)
    for where, option in options.items():
        assert isinstance(option.type, click.Choice), where
        assert tuple(option.type.choices) == dataformats.NAMES, where


def test_the_config_accepts_exactly_the_table(tmp_path: Path) -> None:
    from mlgate.config import load_config
    from mlgate.core.errors import ConfigError

    for name in dataformats.NAMES:
        (tmp_path / "mlgate.yaml").write_text(
            f"version: 1\ndata:\n  - path: d/x\n    schema: s.yaml\n    format: {name}\n"
        )
        (entry,) = load_config(tmp_path / "mlgate.yaml").data
        assert entry.format == name
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: d/x\n    schema: s.yaml\n    format: xlsx\n"
    )
    with pytest.raises(ConfigError, match="xlsx"):
        load_config(tmp_path / "mlgate.yaml")
