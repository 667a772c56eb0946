from __future__ import annotations

import json
from pathlib import Path

import click

from mlgate.commands.common import FORMATS, debug_option, echo


@click.command("demo")
@click.option(
    "--dir",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to build the demo repo [default: a new temp dir].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="stdout: the walk-through (text), the outcome (json), or both reports (markdown); "
    "with json and markdown the walk-through goes to stderr.",
)
@debug_option
def demo(target: Path | None, output_format: str) -> int:
    """Build the example repo, train it, and gate a worse and a better change.

    It makes its own repo, config and MLflow store, so it takes no --config or --results-dir.
    """
    from mlgate.gate import run_demo

    outcome = run_demo(target, log=lambda line: echo(line, err=output_format != "text"))
    if output_format == "json":
        echo(json.dumps(outcome, indent=2))
    elif output_format == "markdown":
        for change in ("worse", "better"):
            echo(Path(outcome[change]["report"]).read_text(encoding="utf-8"))
    return 0
