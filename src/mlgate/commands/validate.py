from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mlgate.commands.common import (
    common_options,
    echo_workflow_command,
    engine_option,
    run_check,
)
from mlgate.data import dataformats

if TYPE_CHECKING:
    from mlgate.results import Result


class ProgressBar:
    """A bar on stderr for a file that takes more than a second; only on a terminal."""

    DELAY_S = 1.0

    def __init__(self) -> None:
        self._delay_s = self.DELAY_S
        self._file = ""
        self._started = 0.0
        self._bar: Any = None
        self._done = 0

    def __call__(self, name: str, done: int, total: int) -> None:
        if name != self._file:
            self.close()
            self._file, self._started, self._done = name, time.monotonic(), 0
        if self._bar is None and time.monotonic() - self._started >= self._delay_s:
            self._bar = click.progressbar(length=max(total, 1), label=name, file=sys.stderr)
            self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(max(done - self._done, 0))
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--schema",
    metavar="SCHEMA",
    help="Validate PATHS against this schema (YAML/JSON file or package.module:Name), "
    "without mlgate.yaml.",
)
@click.option(
    "--data-format",
    type=click.Choice(dataformats.NAMES),
    default=None,
    help="Read every file as this format [default: from the extension].",
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Failing values shown per column and check.",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Rows read at a time; memory stays bounded whatever the file size.",
)
@engine_option
@common_options
def validate(
    *,
    paths: tuple[Path, ...],
    schema: str | None,
    data_format: str | None,
    max_examples: int,
    chunk_rows: int,
    engine: str | None,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Validate data files against Pandera schemas; every failure of every file, at once.

    With no PATHS, every `data:` entry of mlgate.yaml. With PATHS (as pre-commit passes
    them), only those matching a configured glob; a `.dvc` file or `dvc.lock` stands for
    the outputs it tracks.
    """
    from mlgate.config import require_config
    from mlgate.report import render_annotations, render_validate
    from mlgate.validate import ValidateRequest, run_validate

    bar = ProgressBar() if sys.stderr.isatty() else None

    def check() -> Result:
        config = None if schema is not None else require_config(config_path)
        request = ValidateRequest(
            config=config,
            paths=paths,
            schema=schema,
            data_format=data_format,
            max_examples=max_examples,
            chunk_rows=chunk_rows,
            progress=bar,
            engine=engine or (config.engine if config is not None else "auto"),
        )
        try:
            result = run_validate(request)
        finally:
            if bar is not None:
                bar.close()
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in render_annotations(result.details):
                echo_workflow_command(line)
        return result

    return run_check(
        "validate",
        results_dir=results_dir,
        output_format=output_format,
        render=lambda result, fmt: render_validate(result.to_dict(), fmt),
        check=check,
    )
