from __future__ import annotations

import json
from pathlib import Path

import click

from mlgate.commands.common import common_options, echo


@click.command("demo")
@click.option(
    "--dir",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to build the demo repo [default: a new temp dir].",
)
@common_options
def demo(
    target: Path | None, config_path: Path | None, results_dir: Path | None, output_format: str
) -> int:
    """Build the example repo, train it, and gate a worse and a better change."""
    del config_path, results_dir  # the demo makes its own repo and config
    from mlgate.demo import run_demo

    outcome = run_demo(target, log=lambda line: echo(line, err=output_format != "text"))
    if output_format == "json":
        echo(json.dumps(outcome, indent=2))
    return 0
