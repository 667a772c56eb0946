"""`mlgate override`: apply a maintainer's `/mlgate override` comment to the pull request's
last blocked verdict, from a job that reacts to the comment and runs none of the PR's code."""

from __future__ import annotations

from pathlib import Path

import click

from mlgate.commands.common import debug_option, echo


@click.command("override")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="mlgate.yaml whose `override:` rules apply [default: ./mlgate.yaml].",
)
@debug_option
def override(config_path: Path | None) -> int:
    """Turn the head commit's blocked verdict into `overridden` on a valid override comment.

    Run it where GitHub says which pull request a comment is on (the reusable workflow's
    `override` job). The rules are those of the gate: who may, which commit, which steps.
    Exit 0 once decided (the check run `mlgate` is the verdict), 2 off a pull request, 3 when
    GitHub cannot be asked."""
    from mlgate.config import require_config
    from mlgate.gate import override_on_comment

    config = require_config(config_path)
    for line in override_on_comment(config.override):
        echo(line)
    return 0
