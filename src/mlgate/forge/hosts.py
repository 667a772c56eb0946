"""Which forge a run talks to, from the runner's environment."""

from __future__ import annotations

from mlgate.forge.base import Forge


def detect() -> Forge:
    """The forge of the CI this runs in. GitHub is the default: outside any CI a run has no
    pull request, and GitHub's forge then skips the note without a request."""
    from mlgate.forge import github

    return github.GitHubForge(github.github_env())
