from __future__ import annotations

from pathlib import Path

import click

from mlgate.commands.common import debug_option, echo
from mlgate.core.paths import git_toplevel


@click.command("init")
@click.option(
    "--forge",
    type=click.Choice(("github", "gitlab")),
    default=None,
    help="Which CI file to write [default: gitlab when .gitlab-ci.yml exists, else github].",
)
@click.option("--force", is_flag=True, help="Replace files that exist.")
@click.option("--dry-run", is_flag=True, help="Print the files instead of writing them.")
@debug_option
def init(forge: str | None, force: bool, dry_run: bool) -> int:
    """Write a working, commented mlgate.yaml (schemas, CI, pre-commit) from this repository."""
    from mlgate.gate import next_steps, plan_init, write_init

    root = git_toplevel(Path.cwd().resolve()) or Path.cwd()
    plan = plan_init(root, forge=forge)
    if dry_run:
        for planned in plan.files:
            echo(f"--- {planned.path} ---\n{planned.text.rstrip()}\n")
    else:
        write_init(plan, force=force)
        echo("mlgate init wrote:\n" + "\n".join(f"  {f.path}" for f in plan.files))
    for note in plan.notes:
        echo(f"note: {note}")
    echo("next:\n" + "\n".join(f"  {step}" for step in next_steps(plan)))
    return 0
