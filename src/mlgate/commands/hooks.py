"""`mlgate hooks`: plain git hooks (install them; what they run) and the pre-commit entries."""

from __future__ import annotations

from pathlib import Path

import click

from mlgate.commands.common import echo, warn


@click.group("hooks")
def hooks_group() -> None:
    """Git hooks without the pre-commit framework: install them, or run what they run."""


@hooks_group.command("install")
@click.option(
    "--hooks-path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write the hooks into this folder of the repo (commit it for the team) and set "
    "`git config core.hooksPath` to it [default: the repo's own hooks folder].",
)
@click.option("--force", is_flag=True, help="Replace hooks that are not mlgate's.")
def hooks_install(hooks_path: Path | None, force: bool) -> int:
    """Install the pre-commit and pre-push hooks in this git repo."""
    from mlgate.gate import install

    installed = install(Path.cwd(), hooks_path=hooks_path, force=force)
    for path in installed.written:
        echo(f"installed {path}")
    if installed.hooks_path is not None:
        echo(f"git config core.hooksPath {installed.hooks_path}")
    return 0


@hooks_group.command("pre-commit")
@click.argument("files", nargs=-1)
def hooks_pre_commit(files: tuple[str, ...]) -> int:
    """Check a commit: mlgate.yaml, data against schemas, dvc.lock [default: staged files]."""
    from mlgate.gate import pre_commit

    return pre_commit(Path.cwd(), files, lambda line: echo(line, err=True))


@hooks_group.command("pre-push")
@click.option(
    "--block",
    is_flag=True,
    help="Block the push when compare does not pass [env MLGATE_COMPARE_BLOCK=1]; "
    "without it the hook is advisory.",
)
@click.argument("git_args", nargs=-1)
def hooks_pre_push(block: bool, git_args: tuple[str, ...]) -> int:
    """Compare the workspace's metrics with the champion before a push (advisory by default)."""
    del git_args  # git passes the remote's name and URL; the comparison does not need them
    from mlgate.gate import pre_push

    return pre_push(Path.cwd(), block=block, log=warn)


@hooks_group.command("config")
@click.argument("files", nargs=-1, required=True)
def hooks_config(files: tuple[str, ...]) -> int:
    """Validate the mlgate.yaml files given (the mlgate-config pre-commit hook)."""
    from mlgate.gate import check_configs

    return check_configs(files, lambda line: echo(line, err=True))
