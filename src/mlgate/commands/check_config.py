from __future__ import annotations

from pathlib import Path

import click

from mlgate.commands.common import common_options, echo, warn


@click.group("config")
def config_group() -> None:
    """Check mlgate.yaml."""


@config_group.command("check")
@common_options
def config_check(config_path: Path | None, results_dir: Path | None, output_format: str) -> int:
    """Load and validate mlgate.yaml; print it normalised, with defaults filled in."""
    del results_dir  # config check reads only; it writes no result file
    from mlgate.config import require_config
    from mlgate.report import render_config

    config = require_config(config_path)
    for message in config.warnings:
        warn(message)
    echo(render_config(config, output_format))
    return 0
